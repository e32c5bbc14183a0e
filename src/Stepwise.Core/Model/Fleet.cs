namespace Stepwise.Core.Model;

/// <summary>Lifecycle state of a node. Persisted: values pinned.</summary>
public enum NodeState
{
    /// <summary>Serving traffic.</summary>
    Active = 0,

    /// <summary>Finishing in-flight work before a change; not taking new traffic.</summary>
    Draining = 1,

    /// <summary>Told to stop serving (G2) until it runs a release the controller sanctions.</summary>
    Quarantined = 2,

    /// <summary>No heartbeat within the timeout. Still counts for the version window (G1) and data gates (G4).</summary>
    Offline = 3,

    /// <summary>Removed from the fleet by an operator or the retention policy; no longer counts.</summary>
    Decommissioned = 4,
}

/// <summary>Health the node's agent reports. Persisted: values pinned.</summary>
public enum NodeHealth
{
    Unknown = 0,
    Healthy = 1,
    Unhealthy = 2,
}

/// <summary>One node of one service as the controller knows it.</summary>
/// <param name="ActualRelease">The release the node last reported running (null: not reported yet).</param>
/// <param name="DesiredRelease">The release the controller told the node to run.</param>
/// <param name="StateSince">When the node entered <paramref name="State"/>.</param>
public sealed record Node(
    string Id,
    string Service,
    string? ActualRelease,
    string? DesiredRelease,
    DateTimeOffset? LastHeartbeat,
    NodeHealth Health,
    NodeState State,
    DateTimeOffset? StateSince = null)
{
    /// <summary>Counts for the version window and the data gates: everything but decommissioned nodes.</summary>
    public bool Counts => State != NodeState.Decommissioned;

    /// <summary>
    /// Whether the node's app may serve: only while the controller holds it Active or Draining. New and returning
    /// nodes wait (Offline) until Decide admits them, quarantined nodes until they are released (G2), decommissioned
    /// ones until an operator enables them. What the server answers agents and what the simulator's agents obey.
    /// </summary>
    public bool MayServe => State is NodeState.Active or NodeState.Draining;
}
