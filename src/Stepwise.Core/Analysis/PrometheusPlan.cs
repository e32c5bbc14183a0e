using Stepwise.Core.Fleet;
using Stepwise.Core.Model;

namespace Stepwise.Core.Analysis;

/// <summary>What a PromQL query of a metric measures for one side (<see cref="MetricQuery"/>'s templates).</summary>
public enum QueryRole
{
    /// <summary>A distribution's range query: every point is a sample.</summary>
    Query = 0,

    /// <summary>A rate's instant query of the events (e.g. errors).</summary>
    Events = 1,

    /// <summary>A rate's instant query of the total (e.g. requests).</summary>
    Total = 2,
}

/// <summary>
/// One query to run for one metric and one side of a stage: the filled PromQL and how to run it, with the facts it was
/// filled from (what a model of Prometheus answers from).
/// </summary>
/// <param name="Metric">The metric's name.</param>
/// <param name="Side">Canary or baseline.</param>
/// <param name="Role">What the query measures.</param>
/// <param name="PromQL">The template filled for the side.</param>
/// <param name="Service">The rollout's service.</param>
/// <param name="Release">The side's release (the canary release, or the rollout's From).</param>
/// <param name="Nodes">The node ids <c>{{nodes}}</c> names (the side's, at most <see cref="MetricQuery.MaxNodes"/>).</param>
/// <param name="Range">What <c>{{range}}</c> stands for: the stage's age.</param>
/// <param name="Start">A range query's start: the stage's start (never after <see cref="End"/>).</param>
/// <param name="End">When the query is evaluated: an instant query's time, a range query's end.</param>
/// <param name="Step">A range query's resolution (grown to stay within <see cref="PrometheusPlan.MaxRangePoints"/>); null: an instant query.</param>
/// <param name="MaxPoints">The most values read from the answer (extra points are ignored).</param>
public sealed record PlannedQuery(
    string Metric,
    AnalysisSide Side,
    QueryRole Role,
    string PromQL,
    string Service,
    string Release,
    IReadOnlyList<string> Nodes,
    TimeSpan Range,
    DateTimeOffset Start,
    DateTimeOffset End,
    TimeSpan? Step,
    int MaxPoints)
{
    /// <summary>An instant query (at <see cref="End"/>), not a range query.</summary>
    public bool Instant => Step is null;
}

/// <summary>Prometheus' answer to one <see cref="PlannedQuery"/>: the values it returned, or why it gave none.</summary>
public sealed record QueryAnswer(IReadOnlyList<double>? Values, string? Error)
{
    public static QueryAnswer Of(IReadOnlyList<double> values) => new(values, null);

    public static QueryAnswer Failed(string error) => new(null, error);
}

/// <summary>The queries one stage needs now, for the metrics the policy reads from Prometheus (in configuration order).</summary>
/// <param name="Rollout">The rollout in analysis (its id, phase and stage start).</param>
/// <param name="Metrics">The metrics with <see cref="MetricSpec.Prometheus"/> templates.</param>
/// <param name="Queries">The queries to run, in the order their answers are expected.</param>
public sealed record StageQueries(Rollout Rollout, IReadOnlyList<MetricSpec> Metrics, IReadOnlyList<PlannedQuery> Queries);

/// <summary>
/// The pure half of the Prometheus source, shared by the server (which runs the queries over HTTP) and the simulator
/// (which answers them from a model), so both judge with the same code: what to ask for a stage
/// (<see cref="Plan"/>), and what the answers mean (<see cref="Assemble"/>). Each side (by
/// <see cref="SampleCollector.Sides"/>) is queried over the whole stage so far; a side with no node is not queried and
/// has no samples.
/// </summary>
public static class PrometheusPlan
{
    /// <summary>Prometheus refuses a range query of more than 11,000 points per series; the step grows to stay below.</summary>
    public const int MaxRangePoints = 10_000;

    /// <summary>The problem every Prometheus metric shows when there is no Prometheus to query.</summary>
    public const string NotConfigured = "prometheus: the server has no Prometheus to query (start it with --prometheus URL)";

    /// <summary>The metrics of <paramref name="analysis"/> read from Prometheus.</summary>
    public static List<MetricSpec> Metrics(AnalysisPolicy analysis) => analysis.Metrics.Where(m => m.Prometheus is not null).ToList();

    /// <summary>How often a stage's queries are run again: every half analysis interval, at least every second.</summary>
    public static TimeSpan RefreshEvery(AnalysisPolicy analysis) =>
        analysis.Interval / 2 < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : analysis.Interval / 2;

    /// <summary>Whether results taken at <paramref name="at"/> are still fresh at <paramref name="now"/> (not older than <see cref="RefreshEvery"/>, not from the future).</summary>
    public static bool Fresh(AnalysisPolicy analysis, DateTimeOffset at, DateTimeOffset now) => now - at < RefreshEvery(analysis) && now >= at;

    /// <summary>The queries for <paramref name="rollout"/>'s current stage at <paramref name="now"/>, the sides taken from <paramref name="nodes"/>.</summary>
    public static StageQueries Plan(Rollout rollout, IReadOnlyList<MetricSpec> metrics, IEnumerable<Node> nodes, DateTimeOffset now)
    {
        var (canary, baseline) = SampleCollector.Sides(rollout, nodes);
        var start = rollout.PhaseSince < now ? rollout.PhaseSince : now;
        var queries = new List<PlannedQuery>();
        foreach (var metric in metrics.Where(m => m.Prometheus is not null))
        {
            QueryRole[] roles = metric.Kind == MetricKind.Distribution ? [QueryRole.Query] : [QueryRole.Events, QueryRole.Total];
            foreach (var (side, release, sideNodes) in new[] { (AnalysisSide.Canary, rollout.CanaryRelease, canary), (AnalysisSide.Baseline, rollout.From, baseline) })
            {
                if (sideNodes.Count == 0)
                {
                    continue;
                }
                var named = MetricQuery.Sample(sideNodes);
                foreach (var role in roles)
                {
                    var promql = MetricQuery.Fill(Template(metric.Prometheus!, role), rollout.Service, release, named, now - start);
                    queries.Add(new PlannedQuery(metric.Name, side, role, promql, rollout.Service, release, named, now - start, start, now,
                        role == QueryRole.Query ? Step(start, now, metric.Prometheus!.StepOrDefault) : null, SampleCollector.MaxLatencySamples));
                }
            }
        }
        return new StageQueries(rollout, metrics.Where(m => m.Prometheus is not null).ToList(), queries);
    }

    /// <summary>
    /// The samples of a stage from the answers to its queries (<paramref name="answers"/>[i] answers
    /// <see cref="StageQueries.Queries"/>[i]): a distribution's points; a rate's sums, whole and not negative, the
    /// events within the total. A query that failed leaves its metric without data (both sides), with the reason as its
    /// problem ("prometheus: canary: events: ...").
    /// </summary>
    public static RolloutSamples Assemble(StageQueries plan, IReadOnlyList<QueryAnswer> answers)
    {
        if (answers.Count != plan.Queries.Count)
        {
            throw new ArgumentException($"{answers.Count} answers to {plan.Queries.Count} queries", nameof(answers));
        }
        QueryAnswer Answer(MetricSpec metric, AnalysisSide side, QueryRole role)
        {
            for (var i = 0; i < plan.Queries.Count; i++)
            {
                var q = plan.Queries[i];
                if (q.Metric == metric.Name && q.Side == side && q.Role == role)
                {
                    return answers[i];
                }
            }
            return QueryAnswer.Of([]); // a side with no node: nothing asked, nothing to judge
        }
        var samples = new List<MetricSamples>(plan.Metrics.Count);
        foreach (var metric in plan.Metrics)
        {
            if (metric.Kind == MetricKind.Distribution)
            {
                var c = Answer(metric, AnalysisSide.Canary, QueryRole.Query);
                var b = Answer(metric, AnalysisSide.Baseline, QueryRole.Query);
                samples.Add(new MetricSamples(metric.Name, c.Values ?? [], b.Values ?? [], Problem: Problem(("canary", c.Error), ("baseline", b.Error))));
                continue;
            }
            var (canaryEvents, canaryTotal, canaryError) = Counts(Answer(metric, AnalysisSide.Canary, QueryRole.Events), Answer(metric, AnalysisSide.Canary, QueryRole.Total));
            var (baselineEvents, baselineTotal, baselineError) = Counts(Answer(metric, AnalysisSide.Baseline, QueryRole.Events), Answer(metric, AnalysisSide.Baseline, QueryRole.Total));
            samples.Add(new MetricSamples(metric.Name, [], [], canaryEvents, canaryTotal, baselineEvents, baselineTotal,
                Problem(("canary", canaryError), ("baseline", baselineError))));
        }
        return new RolloutSamples(plan.Rollout.Id, plan.Rollout.Phase, samples);
    }

    /// <summary>The samples of a stage when there is no Prometheus to query: every metric without data, saying so.</summary>
    public static RolloutSamples Unavailable(StageQueries plan) =>
        new(plan.Rollout.Id, plan.Rollout.Phase, plan.Metrics.Select(m => new MetricSamples(m.Name, [], [], Problem: NotConfigured)).ToList());

    /// <summary>The template a role runs.</summary>
    public static string Template(MetricQuery query, QueryRole role) => role switch
    {
        QueryRole.Events => query.Events!,
        QueryRole.Total => query.Total!,
        _ => query.Query!,
    };

    /// <summary>A range query's step: <paramref name="step"/>, grown so the range has at most <see cref="MaxRangePoints"/> points.</summary>
    public static TimeSpan Step(DateTimeOffset start, DateTimeOffset end, TimeSpan step)
    {
        var span = end - start;
        return span / step > MaxRangePoints ? span / MaxRangePoints : step;
    }

    /// <summary>A side's events and total: the sums of what the two queries returned, whole and not negative, events within the total.</summary>
    public static (long Events, long Total, string? Error) Counts(QueryAnswer events, QueryAnswer total)
    {
        if (events.Error is not null || total.Error is not null)
        {
            return (0, 0, events.Error is not null ? $"events: {events.Error}" : $"total: {total.Error}");
        }
        var e = Whole(events.Values!.Sum());
        var t = Whole(total.Values!.Sum());
        return e > t ? (0, 0, $"events ({e}) above total ({t}): check that both queries count the same requests") : (e, t, null);
    }

    /// <summary>A count from a sum of samples: rounded, 0 for a negative or non-finite sum, saturated at <see cref="long.MaxValue"/>.</summary>
    public static long Whole(double value) => value <= 0 || !double.IsFinite(value) ? 0 : value >= long.MaxValue ? long.MaxValue : (long)Math.Round(value);

    private static string? Problem(params (string Side, string? Error)[] errors)
    {
        var failed = errors.Where(e => e.Error is not null).Select(e => $"{e.Side}: {e.Error}").ToList();
        return failed.Count == 0 ? null : "prometheus: " + string.Join("; ", failed);
    }
}
