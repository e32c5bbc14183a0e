using Prometheus;
using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Server.Observability;

/// <summary>
/// The instruments of one server process, in its own registry (several servers may share a process in tests).
/// Events are counted where they happen (heartbeats, ticks, refusals, analyses, overrides used); the state series
/// (fleet, rollouts, alerts, data changes) are read from the node table and the store at each scrape by
/// <see cref="StateGauges"/>. Exposed at /metrics by <see cref="MetricsEndpoint"/>.
/// </summary>
public sealed class ServerMetrics
{
    /// <summary>Seconds: from 100 µs to about 13 s (Decide and a tick stay well under a second at 100,000 nodes).</summary>
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0001, 2.5, 14);

    private readonly HashSet<string> standingRefusals = new(StringComparer.Ordinal);

    public ServerMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        Factory = Metrics.WithCustomRegistry(Registry);
        Heartbeats = Factory.CreateCounter(MetricNames.Heartbeats, "Heartbeats accepted by this replica, by service.", ["service"]);
        Ticks = Factory.CreateCounter(MetricNames.Ticks, "Reconciler ticks on this replica.");
        TickFailures = Factory.CreateCounter(MetricNames.TickFailures, "Reconciler ticks that failed (retried from the store).");
        DecisionBatches = Factory.CreateCounter(MetricNames.DecisionBatches, "Decision batches committed by this replica.");
        TickDuration = Factory.CreateHistogram(MetricNames.TickDuration, "How long a reconciler tick took.", new HistogramConfiguration { Buckets = LatencyBuckets });
        DecideDuration = Factory.CreateHistogram(MetricNames.DecideDuration, "How long Decide took in a tick.", new HistogramConfiguration { Buckets = LatencyBuckets });
        FlushDuration = Factory.CreateHistogram(MetricNames.FlushDuration, "How long flushing heartbeats to the store took.", new HistogramConfiguration { Buckets = LatencyBuckets });
        Refusals = Factory.CreateCounter(MetricNames.Refusals, "Refusals, counted once per standing refusal (and once per refused request), by guarantee.", ["guarantee"]);
        RefusalsStanding = Factory.CreateGauge(MetricNames.RefusalsStanding, "Refusals in force at the last decision, by guarantee.", ["guarantee"]);
        OverridesUsed = Factory.CreateCounter(MetricNames.OverridesUsed, "Refusals set aside by a recorded override, by guarantee.", ["guarantee"]);
        AnalysisVerdicts = Factory.CreateCounter(MetricNames.AnalysisVerdicts, "Recorded canary analyses, by service, stage and verdict.", ["service", "stage", "verdict"]);
        AnalysisScore = Factory.CreateGauge(MetricNames.AnalysisScore, "Score (0-100) of the last recorded analysis of each in-flight rollout stage.", ["rollout", "service", "stage", "verdict"]);
        AnalysisQueries = Factory.CreateCounter(MetricNames.AnalysisQueries, "Prometheus queries of the canary analysis, by outcome (ok, error).", ["outcome"]);
        AnalysisQueries.WithLabels("ok");
        AnalysisQueries.WithLabels("error");
        foreach (var guarantee in Enum.GetValues<GuaranteeId>())
        {
            // Every guarantee is present from the start, so rate() and absent() read the same on a fresh server.
            Refusals.WithLabels(guarantee.ToString());
            RefusalsStanding.WithLabels(guarantee.ToString());
            OverridesUsed.WithLabels(guarantee.ToString());
        }
        State = new StateGauges(Factory);
        Exporter = new MetricServerMiddleware(_ => Task.CompletedTask, new MetricServerMiddleware.Settings { Registry = Registry });
    }

    /// <summary>prometheus-net's exporter over <see cref="Registry"/>.</summary>
    internal MetricServerMiddleware Exporter { get; }

    public CollectorRegistry Registry { get; }

    internal IMetricFactory Factory { get; }

    public Counter Heartbeats { get; }
    public Counter AnalysisQueries { get; }
    public Counter Ticks { get; }
    public Counter TickFailures { get; }
    public Counter DecisionBatches { get; }
    public Histogram TickDuration { get; }
    public Histogram DecideDuration { get; }
    public Histogram FlushDuration { get; }
    public Counter Refusals { get; }
    public Gauge RefusalsStanding { get; }
    public Counter OverridesUsed { get; }
    public Counter AnalysisVerdicts { get; }
    public Gauge AnalysisScore { get; }

    internal StateGauges State { get; }

    /// <summary>Reads the state series from <paramref name="runtime"/> before each scrape.</summary>
    public void Watch(ServerRuntime runtime) => Registry.AddBeforeCollectCallback(ct => State.RefreshAsync(runtime, ct));

    /// <summary>Counts the refusals of one decision: a standing refusal once, a refused request each time.</summary>
    public void Decided(Decisions decisions)
    {
        lock (standingRefusals)
        {
            var current = new HashSet<string>(StringComparer.Ordinal);
            var standing = new Dictionary<GuaranteeId, int>();
            foreach (var refusal in decisions.Refusals)
            {
                current.Add(refusal.Key);
                standing[refusal.Guarantee] = standing.GetValueOrDefault(refusal.Guarantee) + 1;
                if (refusal.Request is not null || !standingRefusals.Contains(refusal.Key))
                {
                    Refusals.WithLabels(refusal.Guarantee.ToString()).Inc();
                }
            }
            standingRefusals.Clear();
            standingRefusals.UnionWith(current);
            foreach (var guarantee in Enum.GetValues<GuaranteeId>())
            {
                RefusalsStanding.WithLabels(guarantee.ToString()).Set(standing.GetValueOrDefault(guarantee));
            }
        }
    }

    /// <summary>Counts what a committed decision did: analyses recorded, overrides used.</summary>
    public void Committed(Decisions decisions, Func<string, string?> serviceOfRollout)
    {
        foreach (var action in decisions.Actions)
        {
            switch (action)
            {
                case RecordAnalysis analysis:
                    var service = serviceOfRollout(analysis.Rollout) ?? "";
                    AnalysisVerdicts.WithLabels(service, Names.Of(analysis.Stage), Names.Of(analysis.Verdict)).Inc();
                    foreach (var old in AnalysisScore.GetAllLabelValues().Where(l => l[0] == analysis.Rollout).ToList())
                    {
                        AnalysisScore.RemoveLabelled(old);
                    }
                    AnalysisScore.WithLabels(analysis.Rollout, service, Names.Of(analysis.Stage), Names.Of(analysis.Verdict)).Set(analysis.Score);
                    break;
                case UseOverride used:
                    OverridesUsed.WithLabels(used.Guarantee.ToString()).Inc();
                    break;
            }
        }
    }

    /// <summary>Drops the scores of rollouts that are no longer in flight.</summary>
    internal void KeepScores(IReadOnlySet<string> inFlight)
    {
        foreach (var labels in AnalysisScore.GetAllLabelValues().Where(l => !inFlight.Contains(l[0])).ToList())
        {
            AnalysisScore.RemoveLabelled(labels);
        }
    }
}
