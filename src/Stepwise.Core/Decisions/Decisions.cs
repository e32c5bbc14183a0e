using System.Text.Json.Serialization;
using Stepwise.Core.Analysis;
using Stepwise.Core.Model;

namespace Stepwise.Core.Decisions;

/// <summary>What Decide returns: the actions to take now and the things it refused, with reasons.</summary>
public sealed record Decisions(IReadOnlyList<DecisionAction> Actions, IReadOnlyList<Refusal> Refusals)
{
    public static Decisions None { get; } = new([], []);
}

/// <summary>Kinds of thing a refusal is blocked by. Serialized: values pinned.</summary>
public enum BlockerKind
{
    Node = 0,
    Store = 1,
    Caller = 2,
    Rollout = 3,
    DataChange = 4,
    Release = 5,
    Service = 6,
    /// <summary>A contract rule a release breaks (its id) or a contract it drops (G6).</summary>
    Contract = 7,
    /// <summary>A client app and version that still calls an operation (G8).</summary>
    Client = 8,
}

/// <summary>One thing that stands in the way of an action.</summary>
public sealed record Blocker(BlockerKind Kind, string Id, string Detail);

/// <summary>
/// An action Decide would not take. <paramref name="Subject"/> names what was refused in the form an
/// <see cref="Override"/> matches ("rollout orders@1.2.0", "data rename-email contract on orders-db", "rehearsal orders-1.2.0-1").
/// </summary>
/// <param name="Blockers">The first blockers (at most <see cref="Refusal.MaxBlockers"/>); <paramref name="BlockerCount"/> is how many there are in all.</param>
/// <param name="Unblock">What would unblock it.</param>
/// <param name="Request">The operator request refused, when the action came from one.</param>
/// <param name="Plan">The plan whose step was refused, when the action came from a plan.</param>
/// <param name="Findings">G6: the contract findings that break (every one, not only the first blockers).</param>
public sealed record Refusal(
    GuaranteeId Guarantee,
    string Subject,
    string Message,
    IReadOnlyList<Blocker> Blockers,
    int BlockerCount,
    string Unblock,
    string? Request = null,
    string? Plan = null,
    IReadOnlyList<Guarantees.ContractFinding>? Findings = null)
{
    public const int MaxBlockers = 20;

    /// <summary>
    /// Identifies a refusal across ticks (guarantee, subject, and the request or plan it refused), so a standing
    /// refusal is logged once however its details move; the server and the simulator count refusals by it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Key => $"{Guarantee}|{Subject}|{Request ?? Plan}";

    /// <summary>"refused (G1 version-window): ... ; unblock: ..." — the one-line form the CLI and the API print.</summary>
    public string Describe() => $"refused ({Guarantee.Label()}): {Message}; {Unblock}";
}

/// <summary>Kinds of action. Serialized as the "kind" discriminator: names and values pinned.</summary>
public enum ActionKind
{
    SetDesiredRelease = 0,
    QuarantineNode = 1,
    ReleaseNode = 2,
    AdmitNode = 3,
    MarkNodeOffline = 4,
    DecommissionNode = 5,
    RunDataPhase = 6,
    StartRollout = 7,
    AdvanceRollout = 8,
    PauseRollout = 9,
    RollBackRollout = 10,
    SetCurrentRelease = 11,
    AdvancePlan = 12,
    RaiseAlert = 13,
    ClearAlert = 14,
    CompleteRequest = 15,
    RecordAnalysis = 16,
    UseOverride = 17,
    ReplaceCanary = 18,
    EnableNode = 19,
    RetireRelease = 20,
    RegisterRelease = 21,
    ApproveRollout = 22,
}

/// <summary>An action for the shell (server, simulator) to carry out. Every action says why.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(SetDesiredRelease), "set-desired-release")]
[JsonDerivedType(typeof(QuarantineNode), "quarantine-node")]
[JsonDerivedType(typeof(ReleaseNode), "release-node")]
[JsonDerivedType(typeof(AdmitNode), "admit-node")]
[JsonDerivedType(typeof(MarkNodeOffline), "mark-node-offline")]
[JsonDerivedType(typeof(DecommissionNode), "decommission-node")]
[JsonDerivedType(typeof(RunDataPhase), "run-data-phase")]
[JsonDerivedType(typeof(StartRollout), "start-rollout")]
[JsonDerivedType(typeof(AdvanceRollout), "advance-rollout")]
[JsonDerivedType(typeof(PauseRollout), "pause-rollout")]
[JsonDerivedType(typeof(RollBackRollout), "roll-back-rollout")]
[JsonDerivedType(typeof(SetCurrentRelease), "set-current-release")]
[JsonDerivedType(typeof(AdvancePlan), "advance-plan")]
[JsonDerivedType(typeof(RaiseAlert), "raise-alert")]
[JsonDerivedType(typeof(ClearAlert), "clear-alert")]
[JsonDerivedType(typeof(CompleteRequest), "complete-request")]
[JsonDerivedType(typeof(RecordAnalysis), "record-analysis")]
[JsonDerivedType(typeof(UseOverride), "use-override")]
[JsonDerivedType(typeof(ReplaceCanary), "replace-canary")]
[JsonDerivedType(typeof(EnableNode), "enable-node")]
[JsonDerivedType(typeof(RetireRelease), "retire-release")]
[JsonDerivedType(typeof(RegisterRelease), "register-release")]
[JsonDerivedType(typeof(ApproveRollout), "approve-rollout")]
public abstract record DecisionAction(string Reason)
{
    [JsonIgnore]
    public ActionKind Kind => this switch
    {
        SetDesiredRelease => ActionKind.SetDesiredRelease,
        QuarantineNode => ActionKind.QuarantineNode,
        ReleaseNode => ActionKind.ReleaseNode,
        AdmitNode => ActionKind.AdmitNode,
        MarkNodeOffline => ActionKind.MarkNodeOffline,
        DecommissionNode => ActionKind.DecommissionNode,
        RunDataPhase => ActionKind.RunDataPhase,
        StartRollout => ActionKind.StartRollout,
        AdvanceRollout => ActionKind.AdvanceRollout,
        PauseRollout => ActionKind.PauseRollout,
        RollBackRollout => ActionKind.RollBackRollout,
        SetCurrentRelease => ActionKind.SetCurrentRelease,
        AdvancePlan => ActionKind.AdvancePlan,
        RaiseAlert => ActionKind.RaiseAlert,
        ClearAlert => ActionKind.ClearAlert,
        CompleteRequest => ActionKind.CompleteRequest,
        RecordAnalysis => ActionKind.RecordAnalysis,
        UseOverride => ActionKind.UseOverride,
        ReplaceCanary => ActionKind.ReplaceCanary,
        EnableNode => ActionKind.EnableNode,
        RetireRelease => ActionKind.RetireRelease,
        RegisterRelease => ActionKind.RegisterRelease,
        ApproveRollout => ActionKind.ApproveRollout,
        _ => throw new InvalidOperationException($"unknown action {GetType().Name}"),
    };
}

/// <summary>An action that changes the state of one node (not its desired release: see <see cref="SetDesiredRelease"/>).</summary>
public interface INodeChange
{
    string Node { get; }
}

/// <summary>An action that creates a rollout or moves it to another phase.</summary>
public interface IRolloutChange
{
    string Rollout { get; }
}

/// <summary>
/// An operator approved a rollout waiting at <paramref name="Gate"/>; it goes on at <paramref name="ResumeAt"/>
/// (the step after the gate). Carries the rollout's transition itself.
/// </summary>
public sealed record ApproveRollout(string Rollout, ApprovalGate Gate, RolloutPhase ResumeAt, int Wave, string Reason) : DecisionAction(Reason), IRolloutChange;

/// <summary>Tell these nodes to run this release.</summary>
public sealed record SetDesiredRelease(string Service, string Release, IReadOnlyList<string> Nodes, string? Rollout, string Reason) : DecisionAction(Reason);

/// <summary>Tell a node to stop serving (G2) until it runs a sanctioned release.</summary>
public sealed record QuarantineNode(string Node, string Service, string? Reported, string Reason) : DecisionAction(Reason), INodeChange;

/// <summary>Lift a quarantine: the node runs a sanctioned release and is healthy.</summary>
public sealed record ReleaseNode(string Node, string Service, string Release, string Reason) : DecisionAction(Reason), INodeChange;

/// <summary>A node that was offline (or is new) reports a release inside the window: it may serve.</summary>
public sealed record AdmitNode(string Node, string Service, string Release, string Reason) : DecisionAction(Reason), INodeChange;

public sealed record MarkNodeOffline(string Node, string Service, string Reason) : DecisionAction(Reason), INodeChange;

public sealed record DecommissionNode(string Node, string Service, string Reason) : DecisionAction(Reason), INodeChange;

/// <summary>An operator lets a decommissioned node back: it waits Offline until its next heartbeat admits (or quarantines) it.</summary>
public sealed record EnableNode(string Node, string Service, string Reason) : DecisionAction(Reason), INodeChange;

/// <summary>Run one phase of one data change on one store.</summary>
public sealed record RunDataPhase(string Change, DataPhaseKind Phase, string Store, string Reason) : DecisionAction(Reason);

/// <summary>Create a rollout in the Canary phase with these canary nodes (whose desired release a companion action sets).</summary>
public sealed record StartRollout(string Rollout, string Service, string From, string To, IReadOnlyList<string> CanaryNodes, string? Plan, string Reason) : DecisionAction(Reason), IRolloutChange;

/// <summary>
/// A canary that can no longer serve the rollout (decommissioned, or offline past the heartbeat timeout) is replaced:
/// the rollout starts its canary stage again with <paramref name="CanaryNodes"/>.
/// </summary>
public sealed record ReplaceCanary(string Rollout, IReadOnlyList<string> CanaryNodes, IReadOnlyList<string> Replaced, string Reason) : DecisionAction(Reason), IRolloutChange;

/// <summary>A release no node runs and no rollout targets leaves its service's ordering (it no longer counts for the window).</summary>
public sealed record RetireRelease(string Service, string Version, string Reason) : DecisionAction(Reason);

/// <summary>A release registered through the API joins its service as the newest release (G6 and G8 passed, or were overridden).</summary>
/// <param name="Request">The registration request; the shell stores the release's artifact from it.</param>
public sealed record RegisterRelease(string Service, ReleaseDeclaration Release, string Request, string Reason) : DecisionAction(Reason);

/// <summary>Move a rollout to its next phase (or next wave).</summary>
public sealed record AdvanceRollout(string Rollout, RolloutPhase From, RolloutPhase To, int Wave, string Reason) : DecisionAction(Reason), IRolloutChange;

/// <summary>Pause a rollout for a human; it resumes at <paramref name="ResumeAt"/>. With a <paramref name="Gate"/>, it waits for an approval there.</summary>
public sealed record PauseRollout(string Rollout, RolloutPhase ResumeAt, string Reason, ApprovalGate? Gate = null) : DecisionAction(Reason), IRolloutChange;

/// <summary>Start rolling a rollout back: every node on its To goes back to its From.</summary>
public sealed record RollBackRollout(string Rollout, bool Abort, string Reason) : DecisionAction(Reason), IRolloutChange;

/// <summary>The service is now settled on this release.</summary>
public sealed record SetCurrentRelease(string Service, string Release, string Reason) : DecisionAction(Reason);

/// <summary>Move a plan to a step (or a state).</summary>
public sealed record AdvancePlan(string Plan, int Step, PlanState State, string Reason) : DecisionAction(Reason);

/// <summary>An alert starts (a new incident), or an active one changes its message.</summary>
/// <param name="Update">True when the incident was already raised (its words changed, or its quiet period started or ended): no new notification.</param>
public sealed record RaiseAlert(Alert Alert, string Reason, bool Update = false) : DecisionAction(Reason);

/// <summary>An alert ends: its condition has been gone for the quiet period. <paramref name="Alert"/> is the alert as it was raised.</summary>
public sealed record ClearAlert(string Key, string Reason, Alert? Alert = null) : DecisionAction(Reason);

/// <summary>An operator request has been handled: accepted (its actions are in the same decisions) or refused (see the refusals).</summary>
public sealed record CompleteRequest(string Request, bool Accepted, string Reason) : DecisionAction(Reason);

/// <summary>
/// One judgment of a stage's analysis (taken once per <c>analysis.interval</c>, and when the stage ends), kept for the
/// record with each metric's numbers (counts, estimate, interval, verdict); it stamps the rollout's <see cref="Model.Rollout.AnalysedAt"/>.
/// </summary>
public sealed record RecordAnalysis(string Rollout, RolloutPhase Stage, AnalysisVerdict Verdict, double Score, string Summary, string Reason) : DecisionAction(Reason), IRolloutChange
{
    public IReadOnlyList<MetricResult>? Metrics { get; init; }
}

/// <summary>A refusal was set aside by a recorded override; the override and the refusal it set aside are reported here.</summary>
public sealed record UseOverride(string Override, GuaranteeId Guarantee, string Subject, string OverriddenRefusal, string Reason) : DecisionAction(Reason);
