using Stepwise.Core.Config;
using Stepwise.Core.Fleet;
using Stepwise.Core.Reconciling;
using Stepwise.Server.Store;

namespace Stepwise.Server;

/// <summary>What the endpoints and the reconciler of one server process share.</summary>
public sealed class ServerRuntime(ServerOptions options, StateStore store, TickPlanner planner)
{
    private readonly SemaphoreSlim configGate = new(1, 1);
    private EffectiveConfig config = EffectiveConfig.Empty;

    public ServerOptions Options { get; } = options;
    public StateStore Store { get; } = store;

    /// <summary>Client telemetry on its way to the store; read client calls through it.</summary>
    public ClientCallLedger ClientCallLedger { get; } = new(store);
    public TickPlanner Planner { get; } = planner;
    public NodeTable Nodes => Planner.Nodes;
    public SampleCollector Samples => Planner.Samples;
    public TimeProvider Time => Options.Time;

    /// <summary>This process among the replicas of one store (its shared analysis samples are stored under it).</summary>
    public string ReplicaId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Whether this replica runs the reconciler (always on SQLite).</summary>
    public bool IsLeader { get; set; }

    public ServerCounters Counters { get; } = new();

    /// <summary>
    /// The samples other replicas flushed to the store for the stages this replica collects, which the judge merges
    /// with its own (PostgreSQL; a SQLite store has one replica). What the reconciler and the what-if decide on.
    /// </summary>
    public async Task<IReadOnlyList<StageSamples>> OtherReplicasSamplesAsync(CancellationToken cancellationToken)
    {
        if (Store.Dialect != StoreDialect.Postgres)
        {
            return [];
        }
        var stages = Samples.Local().Select(s => s.Stage).ToList();
        return await Store.LoadSamplesAsync(stages, ReplicaId, cancellationToken);
    }

    /// <summary>The data phases this replica runs, which an operator can cancel.</summary>
    public Reconciling.RunningDataPhases DataPhases { get; } = new();

    /// <summary>The series served at /metrics (see docs/observability.md).</summary>
    public Observability.ServerMetrics Metrics { get; } = new();

    /// <summary>The effective configuration as of the last refresh.</summary>
    public EffectiveConfig Config => Volatile.Read(ref config);

    /// <summary>Rebuilds the effective configuration when the store's revision changed (a replacement, registration or retirement, on any replica).</summary>
    public async Task<EffectiveConfig> RefreshConfigAsync(CancellationToken cancellationToken)
    {
        var revision = await Store.ConfigRevisionAsync(cancellationToken);
        if (revision == Config.Revision && revision != 0)
        {
            return Config;
        }
        await configGate.WaitAsync(cancellationToken);
        try
        {
            var stored = await Store.LoadConfigAsync(cancellationToken);
            var releases = await Store.LoadReleasesAsync(cancellationToken);
            var retired = await Store.LoadRetiredAsync(cancellationToken);
            EffectiveConfig built;
            try
            {
                built = EffectiveConfig.Build(stored?.Yaml, stored?.File ?? "stepwise.yaml", releases, retired, revision);
            }
            catch (ConfigException)
            {
                // Stored text was validated when saved; a server release that reads it differently keeps the last good one.
                return Config;
            }
            Volatile.Write(ref config, built);
            return built;
        }
        finally
        {
            configGate.Release();
        }
    }
}

/// <summary>Counters served at /metrics.</summary>
public sealed class ServerCounters
{
    public long Heartbeats;
    public long Ticks;
    public long DecisionBatches;
    public long TickFailures;
    public long HeartbeatFlushes;
    public long TickMicroseconds;
    public long DecideMicroseconds;
    public long FlushMicroseconds;
    public long ClientCalls;
    public long ClientCallsDropped;
}
