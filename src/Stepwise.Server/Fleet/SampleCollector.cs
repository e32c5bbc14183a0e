using Stepwise.Core.Analysis;
using Stepwise.Core.Model;

namespace Stepwise.Server.Fleet;

/// <summary>
/// Aggregates heartbeat metrics per rollout stage into <see cref="RolloutSamples"/> for the canary judge: the
/// rollout's canary nodes against baseline nodes (nodes of the service on the rollout's From that are not canaries);
/// error_rate as Rate counts, latency_ms as Distribution samples; only what arrived since the stage began; at most
/// <see cref="MaxLatencySamples"/> latency samples per side and stage.
/// </summary>
public sealed class SampleCollector
{
    public const string ErrorRate = "error_rate";
    public const string LatencyMs = "latency_ms";
    public const int MaxLatencySamples = 20_000;

    private readonly Lock gate = new();
    private Dictionary<string, Stage> byService = new(StringComparer.Ordinal);

    private sealed class Stage(Rollout rollout)
    {
        public Rollout Rollout { get; } = rollout;
        public HashSet<string> Canaries { get; } = new(rollout.CanaryNodes, StringComparer.Ordinal);
        public List<double> CanaryLatency { get; } = [];
        public List<double> BaselineLatency { get; } = [];
        public long CanaryErrors;
        public long CanaryRequests;
        public long BaselineErrors;
        public long BaselineRequests;
    }

    /// <summary>Stages whose samples the judge reads: the canary bake, the rehearsal bake and each wave.</summary>
    public static bool Sampled(RolloutPhase phase) => phase is RolloutPhase.Baking or RolloutPhase.RehearsalBake or RolloutPhase.Waves;

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
                if (!rollout.InFlight || !Sampled(rollout.Phase))
                {
                    continue;
                }
                next[rollout.Service] = byService.TryGetValue(rollout.Service, out var stage) && SameStage(stage.Rollout, rollout) ? stage : new Stage(rollout);
            }
            byService = next;
        }
    }

    /// <summary>Adds one heartbeat's metrics to its service's stage, if one is being collected.</summary>
    public void Add(string node, string service, string? release, long requests, long errors, IReadOnlyList<double> latencyMs)
    {
        lock (gate)
        {
            if (!byService.TryGetValue(service, out var stage))
            {
                return;
            }
            if (stage.Canaries.Contains(node))
            {
                stage.CanaryRequests += requests;
                stage.CanaryErrors += errors;
                Append(stage.CanaryLatency, latencyMs);
            }
            else if (release == stage.Rollout.From)
            {
                stage.BaselineRequests += requests;
                stage.BaselineErrors += errors;
                Append(stage.BaselineLatency, latencyMs);
            }
        }
    }

    /// <summary>The samples of every stage being collected, for the snapshot.</summary>
    public List<RolloutSamples> Snapshot()
    {
        lock (gate)
        {
            return byService.Values.Select(s => new RolloutSamples(s.Rollout.Id, s.Rollout.Phase,
            [
                new MetricSamples(ErrorRate, [], [], s.CanaryErrors, s.CanaryRequests, s.BaselineErrors, s.BaselineRequests),
                new MetricSamples(LatencyMs, [.. s.CanaryLatency], [.. s.BaselineLatency]),
            ])).ToList();
        }
    }

    private static bool SameStage(Rollout a, Rollout b) => a.Id == b.Id && a.Phase == b.Phase && a.Wave == b.Wave && a.PhaseSince == b.PhaseSince;

    private static void Append(List<double> target, IReadOnlyList<double> values)
    {
        foreach (var v in values)
        {
            if (target.Count >= MaxLatencySamples)
            {
                return;
            }
            if (double.IsFinite(v))
            {
                target.Add(v);
            }
        }
    }
}
