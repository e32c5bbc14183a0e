namespace Stepwise.Core.Analysis;

/// <summary>
/// Direction of one metric, canary against baseline. Persisted: values pinned.
/// High/Low say the canary moved beyond the tolerance band, whether or not that direction is bad;
/// <see cref="MetricResult.Outcome"/> says what it means for the analysis.
/// </summary>
public enum MetricVerdict
{
    /// <summary>No shift beyond the tolerance band was shown.</summary>
    Pass = 0,

    /// <summary>The canary is significantly higher, by more than the tolerance (or above MaxRate).</summary>
    High = 1,

    /// <summary>The canary is significantly lower, by more than the tolerance.</summary>
    Low = 2,

    /// <summary>Fewer than MinSamples points (or events totals) on either side, or no samples at all.</summary>
    NoData = 3,
}

/// <summary>What one metric's result means for the analysis. Persisted: values pinned.</summary>
public enum MetricOutcome
{
    /// <summary>Counts toward the score: no failing deviation (including a move in a direction FailOn allows).</summary>
    Passing = 0,

    /// <summary>A deviation in a failing direction, beyond the tolerance over its whole confidence interval.</summary>
    Failing = 1,

    /// <summary>
    /// A significant shift in a failing direction whose confidence interval straddles the tolerance edge:
    /// the samples cannot tell whether it exceeds the tolerance.
    /// </summary>
    Undecided = 2,

    /// <summary>Not enough data to judge; left out of the score.</summary>
    NoData = 3,
}

/// <summary>
/// Overall verdict of one canary analysis. Persisted: values pinned. The rules, in order, are in
/// <see cref="CanaryJudge"/> and docs/analysis.md.
/// </summary>
public enum AnalysisVerdict
{
    /// <summary>Score at or above the Pass threshold and no critical metric failing.</summary>
    Pass = 0,

    /// <summary>Score at or above the Marginal threshold but below Pass: the rollout policy decides.</summary>
    Marginal = 1,

    /// <summary>A critical metric failed, or the score is below the Marginal threshold: roll back.</summary>
    Fail = 2,

    /// <summary>
    /// The data cannot settle the verdict: metrics with data carry less than half of the total weight,
    /// or the verdict would differ depending on how the Undecided metrics turn out. A person decides.
    /// </summary>
    Inconclusive = 3,

    /// <summary>No metric has enough data yet, or a critical metric has none: keep baking.</summary>
    NoData = 4,
}

/// <summary>How a metric is judged. Persisted: values pinned.</summary>
public enum MetricKind
{
    /// <summary>Samples from a distribution (latency): Mann-Whitney U, Hodges-Lehmann confidence interval and a tolerance band.</summary>
    Distribution = 0,

    /// <summary>A rate (errors / requests): canary rate against an absolute ceiling and against the baseline rate with a tolerance.</summary>
    Rate = 1,
}

/// <summary>Which direction of change counts as bad. Persisted: values pinned.</summary>
public enum FailOn
{
    Increase = 0,
    Decrease = 1,
    Either = 2,
}

/// <summary>Configuration of one metric in the analysis.</summary>
/// <param name="Name">Metric name, e.g. "latency_ms" or "error_rate". Unique within an analysis (ordinal comparison).</param>
/// <param name="Kind">How it is judged.</param>
/// <param name="FailOn">Which direction of deviation fails it. A move beyond the tolerance in the other direction is reported (High/Low) but passes.</param>
/// <param name="Weight">Weight in the score (relative, finite, not negative; weights need not sum to 100). At least one metric must have a positive weight.</param>
/// <param name="Critical">A critical metric that fails fails the whole analysis; one without data holds the analysis at NoData.</param>
/// <param name="Tolerance">
/// Allowed relative deviation, not negative. Distribution: the shift may be up to this fraction of the baseline
/// median (0.10 = 10%). Rate: the canary rate may exceed the baseline rate by up to this fraction of it.
/// </param>
/// <param name="MaxRate">Rate: absolute ceiling in [0, 1] for the canary rate (0.01 = 1%), or null. Exceeding it fails whatever FailOn says.</param>
/// <param name="MinSamples">Distribution: fewer sample points than this on either side gives NoData. Rate: a Total below this on either side gives NoData. At least 1.</param>
/// <param name="Prometheus">Where the samples come from when not from the agents' heartbeats: PromQL templates (null: heartbeats).</param>
public sealed record MetricSpec(
    string Name,
    MetricKind Kind,
    FailOn FailOn = FailOn.Increase,
    double Weight = 1,
    bool Critical = false,
    double Tolerance = 0.10,
    double? MaxRate = null,
    int MinSamples = 10,
    MetricQuery? Prometheus = null);

/// <summary>
/// Samples of one metric. Distribution: finite values in Canary/Baseline, counts left at 0.
/// Rate: the Events/Total counts per side (0 &lt;= Events &lt;= Total), value lists empty.
/// A configured metric without samples is NoData. <paramref name="Problem"/> says why a source gave nothing (a failed
/// Prometheus query): the metric's NoData reason shows it.
/// </summary>
public sealed record MetricSamples(
    string Name,
    IReadOnlyList<double> Canary,
    IReadOnlyList<double> Baseline,
    long CanaryEvents = 0,
    long CanaryTotal = 0,
    long BaselineEvents = 0,
    long BaselineTotal = 0,
    string? Problem = null);

/// <summary>Score thresholds on a 0-100 scale, 0 &lt;= Marginal &lt;= Pass &lt;= 100: score ≥ Pass → Pass; ≥ Marginal → Marginal; below → Fail.</summary>
public sealed record ScoreThresholds(double Pass = 95, double Marginal = 75)
{
    public static ScoreThresholds Default { get; } = new();
}

/// <summary>Everything the judge needs. Confidence is the two-sided level of the test and interval, in (0, 1) (e.g. 0.95).</summary>
public sealed record AnalysisInput(
    IReadOnlyList<MetricSpec> Metrics,
    IReadOnlyList<MetricSamples> Samples,
    ScoreThresholds Thresholds,
    double Confidence = 0.95);

/// <summary>The judgement of one metric with the statistics behind it.</summary>
/// <param name="Name">Metric name.</param>
/// <param name="Verdict">Direction of the deviation, if any.</param>
/// <param name="Reason">One or two sentences a person can read: the numbers and why they give this verdict.</param>
/// <param name="PValue">Two-sided p-value: Mann-Whitney U (Distribution) or the two-proportion test (Rate).</param>
/// <param name="Effect">Distribution: Hodges-Lehmann shift, canary minus baseline. Rate: canary rate minus baseline rate.</param>
/// <param name="LowerBound">Lower end of the confidence interval of Effect; null when the samples are too small to bound it.</param>
/// <param name="UpperBound">Upper end of the confidence interval of Effect; null when the samples are too small to bound it.</param>
/// <param name="CanaryValue">Distribution: canary median. Rate: canary rate.</param>
/// <param name="BaselineValue">Distribution: baseline median. Rate: baseline rate.</param>
public sealed record MetricResult(
    string Name,
    MetricVerdict Verdict,
    string Reason,
    double? PValue = null,
    double? Effect = null,
    double? LowerBound = null,
    double? UpperBound = null,
    double? CanaryValue = null,
    double? BaselineValue = null)
{
    /// <summary>What this result means for the analysis (FailOn applied, uncertainty included).</summary>
    public MetricOutcome Outcome { get; init; } = Verdict == MetricVerdict.NoData ? MetricOutcome.NoData : MetricOutcome.Passing;

    /// <summary>Half-width of the tolerance band in the metric's units: Tolerance × |baseline median| or Tolerance × baseline rate.</summary>
    public double? ToleranceBand { get; init; }

    /// <summary>How much the canary side had: sample points (Distribution) or the events' total (Rate).</summary>
    public long CanaryCount { get; init; }

    /// <summary>How much the baseline side had: sample points (Distribution) or the events' total (Rate).</summary>
    public long BaselineCount { get; init; }

    /// <summary>The least either side needs before the metric is judged (the metric's MinSamples): "waiting for samples: 12/30".</summary>
    public int MinSamples { get; init; }
}

/// <summary>The judgement of a whole analysis.</summary>
/// <param name="Verdict">The overall verdict.</param>
/// <param name="Score">
/// 100 × (weight of Passing metrics) / (weight of metrics with data), Undecided metrics counted as not passing;
/// 0 when no metric with data has weight.
/// </param>
/// <param name="Metrics">One result per configured metric, in configuration order.</param>
/// <param name="Summary">One line saying which rule gave the verdict.</param>
public sealed record AnalysisResult(AnalysisVerdict Verdict, double Score, IReadOnlyList<MetricResult> Metrics, string Summary);
