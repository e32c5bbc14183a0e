using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// The simulated side of the fleet, one entry per node (struct of arrays, so 100,000 nodes stay cheap): whether the
/// machine is up, whether its agent can reach the controller, what it really runs and what it is installing.
/// This is the truth the checker compares against, not the controller's view.
/// </summary>
internal sealed class Agents(int count)
{
    public readonly bool[] Alive = Fill(count, true);

    /// <summary>How many partitions currently cut this agent off (partitions may overlap).</summary>
    public readonly int[] Partitions = new int[count];

    public readonly bool[] Slow = new bool[count];

    /// <summary>Ordinal of the release the node really runs.</summary>
    public readonly int[] Running = new int[count];

    /// <summary>Ordinal of the release the agent was last told to run (-1: nothing yet).</summary>
    public readonly int[] Desired = new int[count];

    /// <summary>Ordinal being installed, or -1.</summary>
    public readonly int[] Installing = Fill(count, -1);

    /// <summary>Bumped whenever an install is started or abandoned, so a stale completion is ignored.</summary>
    public readonly int[] Token = new int[count];

    /// <summary>
    /// False from a restart or a reconnect until the controller's next tick: the agent keeps its app out of traffic
    /// until the controller has answered, and the checker holds the controller responsible only for what it could see.
    /// </summary>
    public readonly bool[] Seen = Fill(count, true);

    /// <summary>
    /// The node runs a release the controller never told it to (it came back re-imaged): G2 deals with it, and it
    /// does not count for the version window until it has installed a release it was told to run.
    /// </summary>
    public readonly bool[] Stray = new bool[count];

    /// <summary>Simulated time of the last heartbeat the controller received (UTC ticks).</summary>
    public readonly long[] ReportedAt = new long[count];

    public bool Reachable(int i) => Alive[i] && Partitions[i] == 0;

    private static T[] Fill<T>(int count, T value)
    {
        var array = new T[count];
        Array.Fill(array, value);
        return array;
    }
}

/// <summary>The store's own record of the data change's phases (the truth, independent of the controller's view).</summary>
internal sealed class StoreTruth
{
    public readonly DateTimeOffset?[] StartedAt = new DateTimeOffset?[3];
    public readonly DateTimeOffset?[] CompletedAt = new DateTimeOffset?[3];

    /// <summary>Each phase's latest run (its completion event carries it); a run the controller's stop interrupted never completes.</summary>
    public readonly int[] Run = new int[3];

    /// <summary>Whether the phase's latest run was interrupted by a controller stop (the phase runs in the controller's process).</summary>
    public readonly bool[] Interrupted = new bool[3];

    public bool Running(DataPhaseKind phase) => StartedAt[(int)phase] is not null && CompletedAt[(int)phase] is null && !Interrupted[(int)phase];

    public bool Complete(DataPhaseKind phase) => CompletedAt[(int)phase] is not null;
}
