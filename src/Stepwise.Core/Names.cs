using System.Text.Json;
using Stepwise.Core.Analysis;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core;

/// <summary>
/// The one spelling of every name people read: a rollout phase, a node state, a data phase, an action. Each is
/// written as in Stepwise's JSON (enum values in camelCase, actions by their "kind" discriminator), so the CLI, the
/// API, the event log and refusal messages all say "rehearsalBake" and "set-desired-release" the same way.
/// </summary>
public static class Names
{
    public static string Of(RolloutPhase value) => Spelling<RolloutPhase>.Of(value);
    public static string Of(NodeState value) => Spelling<NodeState>.Of(value);
    public static string Of(NodeHealth value) => Spelling<NodeHealth>.Of(value);
    public static string Of(DataPhaseKind value) => Spelling<DataPhaseKind>.Of(value);
    public static string Of(DataPhaseState value) => Spelling<DataPhaseState>.Of(value);
    public static string Of(PlanState value) => Spelling<PlanState>.Of(value);
    public static string Of(AnalysisVerdict value) => Spelling<AnalysisVerdict>.Of(value);
    public static string Of(AlertSeverity value) => Spelling<AlertSeverity>.Of(value);
    public static string Of(RequestKind value) => Spelling<RequestKind>.Of(value);
    public static string Of(ApprovalGate value) => Spelling<ApprovalGate>.Of(value);

    /// <summary>Any other enum of Stepwise's JSON (token kinds, severities of findings...), spelt as its JSON spells it.</summary>
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => Spelling<TEnum>.Of(value);

    /// <summary>An action's name: its "kind" in decision JSON and in the event log.</summary>
    public static string Of(ActionKind kind) => kind switch
    {
        ActionKind.SetDesiredRelease => "set-desired-release",
        ActionKind.QuarantineNode => "quarantine-node",
        ActionKind.ReleaseNode => "release-node",
        ActionKind.AdmitNode => "admit-node",
        ActionKind.MarkNodeOffline => "mark-node-offline",
        ActionKind.DecommissionNode => "decommission-node",
        ActionKind.RunDataPhase => "run-data-phase",
        ActionKind.StartRollout => "start-rollout",
        ActionKind.AdvanceRollout => "advance-rollout",
        ActionKind.PauseRollout => "pause-rollout",
        ActionKind.RollBackRollout => "roll-back-rollout",
        ActionKind.SetCurrentRelease => "set-current-release",
        ActionKind.AdvancePlan => "advance-plan",
        ActionKind.RaiseAlert => "raise-alert",
        ActionKind.ClearAlert => "clear-alert",
        ActionKind.CompleteRequest => "complete-request",
        ActionKind.RecordAnalysis => "record-analysis",
        ActionKind.UseOverride => "use-override",
        ActionKind.ReplaceCanary => "replace-canary",
        ActionKind.EnableNode => "enable-node",
        ActionKind.RetireRelease => "retire-release",
        ActionKind.RegisterRelease => "register-release",
        ActionKind.ApproveRollout => "approve-rollout",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown action kind"),
    };

    /// <summary>Parses a name as written by <see cref="Of(RolloutPhase)"/> and its siblings (case-insensitive).</summary>
    public static bool TryParse<TEnum>(string text, out TEnum value)
        where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (string.Equals(Spelling<TEnum>.Of(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>
    /// The JSON spelling of each value of an enum, computed once as the JSON converter writes it: the value's
    /// <see cref="System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute"/> when it has one, else its camelCase name.
    /// </summary>
    private static class Spelling<TEnum>
        where TEnum : struct, Enum
    {
        private static readonly Dictionary<TEnum, string> Names = Enum.GetValues<TEnum>().ToDictionary(v => v, v =>
            typeof(TEnum).GetField(v.ToString())?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute), false)
                .OfType<System.Text.Json.Serialization.JsonStringEnumMemberNameAttribute>().FirstOrDefault()?.Name
            ?? JsonNamingPolicy.CamelCase.ConvertName(v.ToString()));

        public static string Of(TEnum value) => Names.TryGetValue(value, out var name) ? name : JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
    }
}
