using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Reconciling;

/// <summary>An entry for the event log: its kind (an action's name or a shell's own), message, subject and JSON data.</summary>
public sealed record NewEvent(string Kind, string Message, string? Subject = null, string? DataJson = null);

/// <summary>The controller state that is not node heartbeats: what a reconciler reloads each tick.</summary>
public sealed record ControlState(
    IReadOnlyList<ServiceStatus> Services,
    IReadOnlyList<Rollout> Rollouts,
    IReadOnlyList<DataPhaseStatus> DataPhases,
    IReadOnlyList<PlanProgress> Plans,
    IReadOnlyList<OperatorRequest> Requests,
    IReadOnlyList<Override> Overrides,
    IReadOnlyList<Alert> Alerts)
{
    public static ControlState Empty { get; } = new([], [], [], [], [], [], []);
}

/// <summary>How an operator request ended, written in the same transaction as the decisions that ended it.</summary>
public sealed record RequestCompletion(string Id, bool Accepted, string Message, string? Rollout, IReadOnlyList<Refusal> Refusals);

/// <summary>
/// Everything one reconciler tick changes: the decision batch, the state transitions it causes, the requests it
/// completes and its events. A shell commits it in one transaction before any of it is acted on.
/// </summary>
/// <param name="RaisedAlerts">Alerts as they now stand (new incidents and changes to active ones).</param>
/// <param name="ClearedAlerts">Keys of the alerts that ended.</param>
/// <param name="Retired">Releases retired by this tick (they leave their service's ordering).</param>
/// <param name="Registered">Releases registered by this tick (the shell stores each with its request's artifact).</param>
public sealed record TickBatch(
    DateTimeOffset At,
    Decisions.Decisions Decisions,
    IReadOnlyList<Node> NodeTransitions,
    IReadOnlyList<Rollout> Rollouts,
    IReadOnlyList<ServiceStatus> Services,
    IReadOnlyList<PlanProgress> Plans,
    IReadOnlyList<DataPhaseStatus> DataPhases,
    IReadOnlyList<Alert> RaisedAlerts,
    IReadOnlyList<string> ClearedAlerts,
    IReadOnlyList<RequestCompletion> CompletedRequests,
    IReadOnlyList<NewEvent> Events,
    IReadOnlyList<ReleaseRef>? Retired = null,
    IReadOnlyList<RegisterRelease>? Registered = null);
