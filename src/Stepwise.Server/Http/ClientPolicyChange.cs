using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Server.Http;

/// <summary>
/// A new stepwise.yaml that changes a client app's minimum version (G8): raising it above clients that still call is
/// refused (409, the refusal names them) unless an override covers it; a change that passes is an event of its own.
/// </summary>
internal static class ClientPolicyChange
{
    public static async Task<(IResult? Refused, IReadOnlyList<NewEvent> Events)> CheckAsync(ServerRuntime rt, StepwiseConfig current, StepwiseConfig next, string by, CancellationToken ct)
    {
        var before = current.Policy.ClientRules;
        var after = next.Policy.ClientRules;
        var changes = Changes(before, after);
        if (changes.Count == 0)
        {
            return (null, []);
        }
        var now = rt.Time.GetUtcNow();
        var control = await rt.Store.LoadControlStateAsync(ct);
        var calls = await rt.ClientCallLedger.LoadAsync(now - current.Policy.Retention.ClientTelemetry, null, null, ct);
        var snapshot = new Snapshot(current, [], [], [], [], [], [], control.Overrides, [], [], null, calls);
        var decisions = G8OldClients.CheckPolicyChange(snapshot, now, after, rt.Planner.Guarantees);
        if (decisions.Refusals.Count > 0)
        {
            return (Problems.Of(StatusCodes.Status409Conflict, ProblemTypes.Refused, "refused", decisions.Refusals[0].Describe(),
                new Dictionary<string, object?> { ["refusals"] = decisions.Refusals, ["guarantee"] = "G8" }), []);
        }
        var events = new List<NewEvent>();
        foreach (var use in decisions.Actions.OfType<UseOverride>())
        {
            events.Add(new NewEvent(Core.Names.Of(use.Kind), use.Reason, use.Subject, JsonSerializer.Serialize<DecisionAction>(use, SnapshotJson.Options)));
        }
        events.Add(new NewEvent("client-minimum-version", $"client minimum versions changed by '{by}': {string.Join("; ", changes)}", "policy.clients"));
        return (null, events);
    }

    /// <summary>"old-client 1.0.0 -> 2.0.0", "ios-app none -> 4.0.0", "web none <- 1.0.0" (removed).</summary>
    private static List<string> Changes(ClientPolicy before, ClientPolicy after)
    {
        var list = new List<string>();
        foreach (var m in after.MinimumVersions)
        {
            var old = before.MinimumOf(m.App);
            if (old != m.Version)
            {
                list.Add($"{m.App} {old ?? "none"} -> {m.Version}");
            }
        }
        foreach (var m in before.MinimumVersions.Where(m => after.MinimumOf(m.App) is null))
        {
            list.Add($"{m.App} {m.Version} -> none");
        }
        return list;
    }
}
