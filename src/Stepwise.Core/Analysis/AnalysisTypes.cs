namespace Stepwise.Core.Analysis;

/// <summary>Verdict for one metric, canary against baseline. Persisted: values pinned.</summary>
public enum MetricVerdict
{
    Pass = 0,
    High = 1,
    Low = 2,
    NoData = 3,
}

/// <summary>Overall verdict of one canary analysis. Persisted: values pinned.</summary>
public enum AnalysisVerdict
{
    Pass = 0,
    Marginal = 1,
    Fail = 2,
    Inconclusive = 3,
    NoData = 4,
}

/// <summary>How a metric is judged.</summary>
public enum MetricKind
{
    /// <summary>Samples from a distribution (latency): Mann-Whitney U, Hodges-Lehmann confidence interval and a tolerance band.</summary>
    Distribution = 0,

    /// <summary>A rate (errors / requests): canary rate against a plain threshold, absolute and relative to baseline.</summary>
    Rate = 1,
}

/// <summary>Which direction of change counts as bad.</summary>
public enum FailOn
{
    Increase = 0,
    Decrease = 1,
    Either = 2,
}

/// <summary>Configuration of one metric in the analysis.</summary>
/// <param name="Name">Metric name, e.g. "latency_ms" or "error_rate".</param>
/// <param name="Kind">How it is judged.</param>
/// <param name="FailOn">Which direction of deviation fails it.</param>
/// <param name="Weight">Weight in the score (relative; weights need not sum to 100).</param>
/// <param name="Critical">A critical metric that is not Pass fails the whole analysis.</param>
/// <param name="Tolerance">Distribution: allowed relative deviation of the effect (fraction of the baseline median, e.g. 0.10). Rate: allowed relative increase over the baseline rate.</param>
/// <param name="MaxRate">Rate: absolute ceiling for the canary rate (e.g. 0.01 = 1%), or null.</param>
/// <param name="MinSamples">Fewer points than this on either side gives NoData.</param>
public sealed record MetricSpec(
    string Name,
    MetricKind Kind,
    FailOn FailOn = FailOn.Increase,
    double Weight = 1,
    bool Critical = false,
    double Tolerance = 0.10,
    double? MaxRate = null,
    int MinSamples = 10);

/// <summary>Samples of one metric. Distribution: values. Rate: Events/Total counts per side.</summary>
public sealed record MetricSamples(
    string Name,
    IReadOnlyList<double> Canary,
    IReadOnlyList<double> Baseline,
    long CanaryEvents = 0,
    long CanaryTotal = 0,
    long BaselineEvents = 0,
    long BaselineTotal = 0);

/// <summary>Score thresholds: score ≥ Pass → Pass; ≥ Marginal → Marginal; below → Fail.</summary>
public sealed record ScoreThresholds(double Pass = 95, double Marginal = 75)
{
    public static ScoreThresholds Default { get; } = new();
}

/// <summary>Everything the judge needs. Confidence is the two-sided level of the test and interval (e.g. 0.95).</summary>
public sealed record AnalysisInput(
    IReadOnlyList<MetricSpec> Metrics,
    IReadOnlyList<MetricSamples> Samples,
    ScoreThresholds Thresholds,
    double Confidence = 0.95);

/// <summary>The judgement of one metric with the statistics behind it.</summary>
public sealed record MetricResult(
    string Name,
    MetricVerdict Verdict,
    string Reason,
    double? PValue = null,
    double? Effect = null,
    double? LowerBound = null,
    double? UpperBound = null,
    double? CanaryValue = null,
    double? BaselineValue = null);

/// <summary>The judgement of a whole analysis.</summary>
public sealed record AnalysisResult(AnalysisVerdict Verdict, double Score, IReadOnlyList<MetricResult> Metrics, string Summary);
