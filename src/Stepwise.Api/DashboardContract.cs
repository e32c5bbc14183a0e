using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Api;

/// <summary>
/// What the dashboard shows, in one answer (GET /api/v1/dashboard, and each message of its event stream). Aggregates
/// only: its size grows with services, rollouts and data changes, never with the number of nodes.
/// </summary>
/// <param name="Leader">Whether the replica that answered runs the reconciler.</param>
/// <param name="Refusals">Refusals in force now: what Decide refuses on the live state, with blockers and what unblocks them.</param>
/// <param name="Events">The latest events, newest first.</param>
/// <param name="Callers">Who calls what (G8), within the telemetry window: calls to operations the newest release
/// deprecates or no longer provides first (the callers that hold up a removal), then the most calls; at most
/// <see cref="MaxCallers"/> rows.</param>
/// <param name="CallerCount">How many (operation, client app, version) rows there are in all.</param>
public sealed record DashboardView(
    DateTimeOffset At,
    bool Leader,
    IReadOnlyList<DashboardService> Services,
    IReadOnlyList<RolloutView> Rollouts,
    IReadOnlyList<DashboardDataChange> DataChanges,
    IReadOnlyList<Refusal> Refusals,
    IReadOnlyList<Alert> Alerts,
    IReadOnlyList<EventView> Events,
    IReadOnlyList<DashboardCaller> Callers,
    int CallerCount)
{
    public const int MaxCallers = 100;
}

/// <summary>One client app version's calls to one operation.</summary>
/// <param name="Standing">What the service's newest release does to the operation: <c>provided</c>, <c>deprecated</c> or <c>removed</c>.</param>
/// <param name="Share">Share of the operation's calls, 0 to 1.</param>
public sealed record DashboardCaller(string Service, string Operation, string Standing, string App, string Version, long Calls, double Share, DateTimeOffset LastSeen);

/// <summary>One service's fleet.</summary>
/// <param name="Window">The releases the version window (G1) allows now: the current one, or a rollout's from and to.</param>
/// <param name="Span">How many adjacent releases the counted nodes span (more than 2 is outside the window).</param>
/// <param name="NodesByRelease">Counted nodes (all but decommissioned) by the release they run ("none" before they report one).</param>
/// <param name="NodesByState">Nodes by state (camelCase state names).</param>
/// <param name="Attention">Up to <see cref="DashboardService.MaxAttention"/> nodes that need a look: quarantined, offline, or off the current release.</param>
/// <param name="AttentionCount">How many nodes need a look in all.</param>
public sealed record DashboardService(
    string Name,
    string? Current,
    string? RolloutInFlight,
    IReadOnlyList<string> Window,
    int Span,
    IReadOnlyDictionary<string, int> NodesByRelease,
    IReadOnlyDictionary<string, int> NodesByState,
    IReadOnlyList<NodeView> Attention,
    int AttentionCount)
{
    public const int MaxAttention = 20;
}

/// <summary>A data change: its phases on each store, in order, with their states.</summary>
/// <param name="Progress">Share of its phases (times its stores) that are complete, 0 to 1.</param>
public sealed record DashboardDataChange(string Id, IReadOnlyList<string> Stores, IReadOnlyList<DataPhaseKind> Phases, IReadOnlyList<DataPhaseStatus> States, double Progress);
