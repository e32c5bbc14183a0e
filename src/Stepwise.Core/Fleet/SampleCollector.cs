using Stepwise.Core.Analysis;
using Stepwise.Core.Model;

namespace Stepwise.Core.Fleet;

/// <summary>One side (canary or baseline) of one stage's samples: request and error counts, and latency samples.</summary>
public sealed record SideSamples(long Requests, long Errors, IReadOnlyList<double> LatencyMs)
{
    public static SideSamples Empty { get; } = new(0, 0, []);
}

/// <summary>The two sides of a stage's analysis.</summary>
public enum AnalysisSide
{
    Canary = 0,
    Baseline = 1,
}

/// <summary>
/// The samples one replica collected for one rollout stage. Every replica flushes its own to the store; the leader
/// judges them all together (<see cref="SampleCollector.Snapshot"/>).
/// </summary>
/// <param name="Stage">Which stage: <see cref="SampleCollector.StageKey"/> of the rollout when they were collected.</param>
public sealed record StageSamples(string Stage, string Rollout, RolloutPhase Phase, SideSamples Canary, SideSamples Baseline);

/// <summary>
/// Aggregates heartbeat metrics per rollout stage for the canary judge: the rollout's canary nodes against baseline
/// nodes (nodes of the service on the rollout's From that are not canaries); error_rate as counts, latency_ms as
/// samples; only what arrived since the stage began. Bounded and sane whatever agents report: a heartbeat's counts
/// must satisfy 0 ≤ errors ≤ requests ≤ <see cref="MaxRequestsPerHeartbeat"/> or it is dropped, sums saturate
/// instead of overflowing, and each node's contribution to a stage is capped, so no one node's report can blank or
/// swamp an analysis. The server and the simulator both collect through this class. Pure; thread-safe.
/// </summary>
public sealed class SampleCollector
{
    /// <summary>The most requests one heartbeat may report (a million a second for ten seconds and more).</summary>
    public const long MaxRequestsPerHeartbeat = 100_000_000;

    /// <summary>The most latency samples kept per side and stage (across nodes).</summary>
    public const int MaxLatencySamples = 20_000;

    /// <summary>The most latency samples one node contributes to one side of a stage.</summary>
    public const int MaxLatencySamplesPerNode = 2_000;

    /// <summary>The most requests one node contributes to one side of a stage.</summary>
    public const long MaxRequestsPerNode = 1_000_000_000;

    private readonly Lock gate = new();
    private long version;

    /// <summary>Changes whenever a sample is added or the stages change (a shell flushes only when it moved).</summary>
    public long Version => Interlocked.Read(ref version);
    private Dictionary<string, Stage> byService = new(StringComparer.Ordinal);

    private sealed class Side
    {
        public readonly List<double> Latency = [];
        public long Errors;
        public long Requests;
        public readonly Dictionary<string, (long Requests, int Latency)> PerNode = new(StringComparer.Ordinal);

        public SideSamples Freeze() => new(Requests, Errors, [.. Latency]);
    }

    private sealed class Stage(Rollout rollout)
    {
        public Rollout Rollout { get; } = rollout;
        public string Key { get; } = StageKey(rollout);
        public HashSet<string> Canaries { get; } = new(rollout.CanaryNodes, StringComparer.Ordinal);
        public Side Canary { get; } = new();
        public Side Baseline { get; } = new();
    }

    /// <summary>Identifies a rollout stage: the rollout, its phase and wave, and when it began.</summary>
    public static string StageKey(Rollout rollout) => $"{rollout.Id}|{Names.Of(rollout.Phase)}|{rollout.Wave}|{rollout.PhaseSince.UtcTicks}";

    /// <summary>
    /// Sets the stages to collect for, from the rollouts in flight. A stage that is new (another rollout, phase or
    /// wave start) begins empty; one that continues keeps its samples.
    /// </summary>
    public void Track(IEnumerable<Rollout> rollouts)
    {
        lock (gate)
        {
            var next = new Dictionary<string, Stage>(StringComparer.Ordinal);
            foreach (var rollout in rollouts)
            {
                if (!rollout.InFlight || !RolloutPhases.Analysed(rollout.Phase))
                {
                    continue;
                }
                var key = StageKey(rollout);
                next[rollout.Service] = byService.TryGetValue(rollout.Service, out var stage) && stage.Key == key ? stage : new Stage(rollout);
            }
            if (next.Count != byService.Count || next.Any(kv => !byService.TryGetValue(kv.Key, out var s) || s != kv.Value))
            {
                Interlocked.Increment(ref version);
            }
            byService = next;
        }
    }

    /// <summary>
    /// Adds one heartbeat's metrics to its service's stage, if one is being collected. Returns false when the counts
    /// are not sane (negative, errors above requests, or above the per-heartbeat cap): such a report is dropped.
    /// </summary>
    public bool Add(string node, string service, string? release, long requests, long errors, IReadOnlyList<double> latencyMs)
    {
        if (!Sane(requests, errors))
        {
            return false;
        }
        if (Volatile.Read(ref byService).Count == 0)
        {
            return true; // nothing in analysis: the common case, without the lock
        }
        lock (gate)
        {
            if (!byService.TryGetValue(service, out var stage))
            {
                return true;
            }
            var side = SideOf(stage.Rollout, stage.Canaries, node, release) switch
            {
                AnalysisSide.Canary => stage.Canary,
                AnalysisSide.Baseline => stage.Baseline,
                _ => null,
            };
            if (side is not null)
            {
                Append(side, node, requests, errors, latencyMs);
                Interlocked.Increment(ref version);
            }
            return true;
        }
    }

    /// <summary>
    /// Which side of <paramref name="rollout"/>'s analysis a node of its service running <paramref name="release"/>
    /// measures: a canary only while it runs the release it should (a canary that crashed back onto an old build
    /// measures nothing), any other node only on N (From). One rule for heartbeats and Prometheus queries.
    /// </summary>
    public static AnalysisSide? SideOf(Rollout rollout, IReadOnlySet<string> canaries, string node, string? release) =>
        canaries.Contains(node)
            ? release == rollout.CanaryRelease ? AnalysisSide.Canary : null
            : release == rollout.From ? AnalysisSide.Baseline : null;

    /// <summary>
    /// The nodes on each side of <paramref name="rollout"/>'s analysis among <paramref name="nodes"/> (its service's,
    /// by <see cref="SideOf"/>; offline and decommissioned nodes report nothing and are left out).
    /// </summary>
    public static (List<string> Canary, List<string> Baseline) Sides(Rollout rollout, IEnumerable<Node> nodes)
    {
        var canaries = new HashSet<string>(rollout.CanaryNodes, StringComparer.Ordinal);
        var (canary, baseline) = (new List<string>(), new List<string>());
        foreach (var node in nodes)
        {
            if (node.Service != rollout.Service || node.State is NodeState.Offline or NodeState.Decommissioned)
            {
                continue;
            }
            switch (SideOf(rollout, canaries, node.Id, node.ActualRelease))
            {
                case AnalysisSide.Canary:
                    canary.Add(node.Id);
                    break;
                case AnalysisSide.Baseline:
                    baseline.Add(node.Id);
                    break;
            }
        }
        return (canary, baseline);
    }

    /// <summary>The rollouts whose current stage is being collected (one per service).</summary>
    public List<Rollout> Tracked()
    {
        lock (gate)
        {
            return byService.Values.Select(s => s.Rollout).ToList();
        }
    }

    /// <summary>Whether a stage of <paramref name="service"/> is being collected (an agent of another service need not measure).</summary>
    public bool Collecting(string service) => Volatile.Read(ref byService).ContainsKey(service);

    /// <summary>Whether one heartbeat's counts are sane: 0 ≤ errors ≤ requests ≤ <see cref="MaxRequestsPerHeartbeat"/>.</summary>
    public static bool Sane(long requests, long errors) => errors >= 0 && errors <= requests && requests <= MaxRequestsPerHeartbeat;

    /// <summary>What this replica collected for every stage it tracks (what it flushes to the store).</summary>
    public List<StageSamples> Local()
    {
        lock (gate)
        {
            return byService.Values.Select(s => new StageSamples(s.Key, s.Rollout.Id, s.Rollout.Phase, s.Canary.Freeze(), s.Baseline.Freeze())).ToList();
        }
    }

    /// <summary>
    /// The samples the judge reads: for every stage tracked, this replica's samples merged with what other replicas
    /// collected for the same stage (<paramref name="others"/>, read from the store; other stages are ignored).
    /// </summary>
    public List<RolloutSamples> Snapshot(IEnumerable<StageSamples>? others = null)
    {
        var merged = Local().ToDictionary(s => s.Stage, StringComparer.Ordinal);
        foreach (var other in others ?? [])
        {
            if (merged.TryGetValue(other.Stage, out var mine))
            {
                merged[other.Stage] = mine with { Canary = Merge(mine.Canary, other.Canary), Baseline = Merge(mine.Baseline, other.Baseline) };
            }
        }
        return merged.Values.Select(s => new RolloutSamples(s.Rollout, s.Phase,
        [
            new MetricSamples(StandardMetrics.ErrorRate, [], [], s.Canary.Errors, s.Canary.Requests, s.Baseline.Errors, s.Baseline.Requests),
            new MetricSamples(StandardMetrics.LatencyMs, s.Canary.LatencyMs, s.Baseline.LatencyMs),
        ])).ToList();
    }

    private static SideSamples Merge(SideSamples a, SideSamples b) => new(
        Saturating(a.Requests, b.Requests),
        Saturating(a.Errors, b.Errors),
        a.LatencyMs.Count >= MaxLatencySamples ? a.LatencyMs : [.. a.LatencyMs, .. b.LatencyMs.Take(MaxLatencySamples - a.LatencyMs.Count)]);

    private static void Append(Side side, string node, long requests, long errors, IReadOnlyList<double> latencyMs)
    {
        var (nodeRequests, nodeLatency) = side.PerNode.GetValueOrDefault(node);
        // A node's share of a stage is capped; errors are scaled with the requests kept so its rate is unchanged.
        var keep = Math.Min(requests, MaxRequestsPerNode - nodeRequests);
        if (keep > 0)
        {
            var keptErrors = keep == requests ? errors : (long)((double)errors * keep / requests);
            side.Requests = Saturating(side.Requests, keep);
            side.Errors = Saturating(side.Errors, keptErrors);
            nodeRequests += keep;
        }
        foreach (var v in latencyMs)
        {
            if (side.Latency.Count >= MaxLatencySamples || nodeLatency >= MaxLatencySamplesPerNode)
            {
                break;
            }
            if (double.IsFinite(v) && v >= 0)
            {
                side.Latency.Add(v);
                nodeLatency++;
            }
        }
        side.PerNode[node] = (nodeRequests, nodeLatency);
    }

    private static long Saturating(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;
}
