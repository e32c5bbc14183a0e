using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// One input the simulated controller took, or one tick's decisions, in the order it happened: what another
/// controller (the real server, driven through its HTTP API with a fake clock) must be given to decide the same.
/// </summary>
public abstract record TapeEntry(DateTimeOffset At);

/// <summary>A heartbeat that reached the controller, with the traffic it carried (none when nothing was analysed).</summary>
public sealed record TapeHeartbeat(DateTimeOffset At, string Node, string Service, string? Release, long Requests, long Errors, IReadOnlyList<double> LatencyMs)
    : TapeEntry(At);

/// <summary>An operator request, as the operator made it.</summary>
public sealed record TapeRequest(DateTimeOffset At, OperatorRequest Request) : TapeEntry(At);

/// <summary>A data phase finished on the store.</summary>
public sealed record TapePhaseDone(DateTimeOffset At, string Change, DataPhaseKind Phase) : TapeEntry(At);

/// <summary>A batch of client telemetry (G8) that reached the controller from svc-0's middleware (each entry's LastSeen is <paramref name="At"/>).</summary>
public sealed record TapeClientCalls(DateTimeOffset At, IReadOnlyList<ClientCalls> Calls) : TapeEntry(At);

/// <summary>The operator's new client policy (a stepwise.yaml with other minimum versions), and whether G8 accepted it.</summary>
public sealed record TapeClientPolicy(DateTimeOffset At, ClientPolicy After, bool Accepted) : TapeEntry(At);

/// <summary>An override the operator recorded.</summary>
public sealed record TapeOverride(DateTimeOffset At, Override Override) : TapeEntry(At);

/// <summary>The controller stops (what it committed, and the nodes it last saw, are persisted).</summary>
public sealed record TapeControllerDown(DateTimeOffset At) : TapeEntry(At);

/// <summary>The controller starts again from what it persisted, with a liveness grace from <paramref name="At"/>.</summary>
public sealed record TapeControllerUp(DateTimeOffset At) : TapeEntry(At);

/// <summary>A reconciler tick and what it decided, each action and refusal as <see cref="TapeTick.Lines"/> spells it.</summary>
public sealed record TapeTick(DateTimeOffset At, IReadOnlyList<string> Decided) : TapeEntry(At)
{
    /// <summary>One tick's decisions as lines: every action's summary, then every refusal's guarantee, subject and key.</summary>
    public static IReadOnlyList<string> Lines(Decisions decisions) =>
    [
        .. decisions.Actions.Select(ActionSummaries.Of),
        .. decisions.Refusals.Select(r => $"refused {r.Guarantee} {r.Subject} [{r.Key}]"),
    ];
}
