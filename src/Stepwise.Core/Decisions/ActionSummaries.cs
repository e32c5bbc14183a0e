using Stepwise.Core.Model;

namespace Stepwise.Core.Decisions;

/// <summary>
/// How an action is named in one line, and what it is about: the subject of its event-log entry and the short form
/// the simulator's trail and the CLI's narration print. One place, so every view says the same.
/// </summary>
public static class ActionSummaries
{
    /// <summary>What the action is about: the rollout, node, service, change, plan, alert, request or override subject.</summary>
    public static string? SubjectOf(DecisionAction action) => action switch
    {
        SetDesiredRelease a => a.Rollout ?? a.Service,
        INodeChange a => a.Node,
        RunDataPhase a => a.Change,
        IRolloutChange a => a.Rollout,
        SetCurrentRelease a => a.Service,
        AdvancePlan a => a.Plan,
        RaiseAlert a => a.Alert.Key,
        ClearAlert a => a.Key,
        CompleteRequest a => a.Request,
        UseOverride a => a.Subject,
        RetireRelease a => $"{a.Service}@{a.Version}",
        RegisterRelease a => $"{a.Service}@{a.Release.Version}",
        _ => null,
    };

    /// <summary>The action in a few words, e.g. "orders-1.2.0-1 baking -> rehearsing" or "set orders 3 node(s) -> 1.2.0".</summary>
    public static string Of(DecisionAction action) => action switch
    {
        SetDesiredRelease a => $"set {a.Service} {a.Nodes.Count} node(s) -> {a.Release} ({a.Reason})",
        StartRollout a => $"start rollout {a.Rollout} ({a.From} -> {a.To}, canary {string.Join(", ", a.CanaryNodes)})",
        AdvanceRollout a => $"{a.Rollout} {Names.Of(a.From)} -> {Names.Of(a.To)}{(a.To == RolloutPhase.Waves ? $" {a.Wave}" : "")}",
        RollBackRollout a => $"roll back {a.Rollout}: {a.Reason}",
        PauseRollout a => $"pause {a.Rollout}: {a.Reason}",
        ApproveRollout a => $"{a.Rollout} approved {Names.Of(a.Gate)} -> {Names.Of(a.ResumeAt)}",
        ReplaceCanary a => $"{a.Rollout} replaces canary {string.Join(", ", a.Replaced)} with {string.Join(", ", a.CanaryNodes)}",
        RunDataPhase a => $"run {a.Change} {Names.Of(a.Phase)} on {a.Store}",
        QuarantineNode a => $"quarantine {a.Node} ({a.Reported})",
        ReleaseNode a => $"release {a.Node} on {a.Release}",
        AdmitNode a => $"admit {a.Node} on {a.Release}",
        MarkNodeOffline a => $"offline {a.Node}",
        DecommissionNode a => $"decommission {a.Node}",
        EnableNode a => $"enable {a.Node}",
        AdvancePlan a => $"plan {a.Plan} step {a.Step + 1} {Names.Of(a.State)}",
        CompleteRequest a => $"request {a.Request} {(a.Accepted ? "accepted" : "refused")}",
        SetCurrentRelease a => $"{a.Service} current {a.Release}",
        RetireRelease a => $"retire {a.Service}@{a.Version}",
        RegisterRelease a => $"register {a.Service}@{a.Release.Version}",
        UseOverride a => $"override {a.Override} sets aside {a.Guarantee.Label()} for {a.Subject}",
        RaiseAlert a => $"{(a.Update ? "alert updated" : "alert")} {a.Alert.Key}: {a.Alert.Message}",
        ClearAlert a => $"alert cleared {a.Key}",
        RecordAnalysis a => $"analysis of {a.Rollout} in {Names.Of(a.Stage)}: {Names.Of(a.Verdict)} (score {a.Score:0.#})",
        _ => Names.Of(action.Kind),
    };
}
