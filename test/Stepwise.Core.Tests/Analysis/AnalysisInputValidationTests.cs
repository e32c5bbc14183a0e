using Stepwise.Core.Analysis;
using static Stepwise.Core.Tests.Analysis.WorkedExamples;

namespace Stepwise.Core.Tests.Analysis;

public class AnalysisInputValidationTests
{
    private static readonly MetricSpec Latency = new("latency_ms", MetricKind.Distribution);
    private static readonly MetricSpec Errors = new("error_rate", MetricKind.Rate);

    private static ArgumentException Rejected(AnalysisInput input) => Should.Throw<ArgumentException>(() => CanaryJudge.Judge(input));

    [Theory]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "Infinity")]
    [InlineData(double.NegativeInfinity, "-Infinity")]
    public void non_finite_sample_is_rejected_with_its_position(double bad, string shown)
    {
        var canary = Baseline20.ToArray();
        canary[3] = bad;

        var error = Rejected(Input([Latency], [Distribution("latency_ms", canary, Baseline20)]));

        error.Message.ShouldContain($"Samples[0] 'latency_ms' Canary[3] is {shown}");
        error.Message.ShouldContain("must be finite");
    }

    [Fact]
    public void non_finite_baseline_sample_is_rejected()
    {
        var baseline = Baseline20.ToArray();
        baseline[19] = double.NaN;

        Rejected(Input([Latency], [Distribution("latency_ms", Baseline20, baseline)])).Message.ShouldContain("Baseline[19] is NaN");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void negative_or_non_finite_weight_is_rejected(double weight)
    {
        var error = Rejected(Input([Latency with { Weight = weight }], []));

        error.Message.ShouldContain("Metrics[0] 'latency_ms' has Weight");
        error.Message.ShouldContain("not negative");
    }

    [Fact]
    public void all_zero_weights_are_rejected()
    {
        Rejected(Input([Latency with { Weight = 0 }, Errors with { Weight = 0 }], [])).Message.ShouldContain("every metric has weight 0");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void confidence_outside_zero_to_one_is_rejected(double confidence)
    {
        var error = Rejected(Input([Latency], []) with { Confidence = confidence });

        error.Message.ShouldContain("Confidence");
        error.Message.ShouldContain("strictly between 0 and 1");
    }

    [Fact]
    public void duplicate_metric_names_are_rejected()
    {
        Rejected(Input([Latency, Latency with { Weight = 2 }], [])).Message.ShouldContain("Metrics[1] repeats the metric name 'latency_ms'");
    }

    [Fact]
    public void duplicate_samples_for_one_metric_are_rejected()
    {
        var samples = Distribution("latency_ms", Baseline20, Baseline20);

        Rejected(Input([Latency], [samples, samples])).Message.ShouldContain("Samples[1] repeats samples for metric 'latency_ms'");
    }

    [Fact]
    public void samples_for_an_unknown_metric_are_rejected_naming_the_configured_ones()
    {
        var error = Rejected(Input([Latency, Errors], [Distribution("latency", Baseline20, Baseline20)]));

        error.Message.ShouldContain("Samples[0] is for metric 'latency', which is not configured");
        error.Message.ShouldContain("'latency_ms', 'error_rate'");
    }

    [Fact]
    public void no_metrics_are_rejected()
    {
        Rejected(Input([], [])).Message.ShouldContain("no metrics are configured");
    }

    [Fact]
    public void blank_metric_name_is_rejected()
    {
        Rejected(Input([Latency with { Name = " " }], [])).Message.ShouldContain("Metrics[0] has no name");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void negative_or_nan_tolerance_is_rejected(double tolerance)
    {
        Rejected(Input([Latency with { Tolerance = tolerance }], [])).Message.ShouldContain("has Tolerance");
    }

    [Fact]
    public void min_samples_below_one_is_rejected()
    {
        Rejected(Input([Latency with { MinSamples = 0 }], [])).Message.ShouldContain("MinSamples 0; it must be at least 1");
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void max_rate_outside_zero_to_one_is_rejected(double maxRate)
    {
        Rejected(Input([Errors with { MaxRate = maxRate }], [])).Message.ShouldContain("has MaxRate");
    }

    [Fact]
    public void max_rate_on_a_distribution_is_rejected()
    {
        Rejected(Input([Latency with { MaxRate = 0.01 }], [])).Message.ShouldContain("MaxRate applies to Rate metrics only");
    }

    [Fact]
    public void undefined_enum_values_are_rejected()
    {
        Rejected(Input([Latency with { Kind = (MetricKind)7 }], [])).Message.ShouldContain("Kind 7");
        Rejected(Input([Latency with { FailOn = (FailOn)9 }], [])).Message.ShouldContain("FailOn 9");
    }

    [Theory]
    [InlineData(5, 4, 0, 10)]
    [InlineData(-1, 10, 0, 10)]
    [InlineData(0, 10, 0, -10)]
    public void impossible_event_counts_are_rejected(long canaryEvents, long canaryTotal, long baselineEvents, long baselineTotal)
    {
        Rejected(Input([Errors], [Rate("error_rate", canaryEvents, canaryTotal, baselineEvents, baselineTotal)]))
            .Message.ShouldContain("0 <= events <= total");
    }

    [Fact]
    public void sample_values_for_a_rate_are_rejected()
    {
        Rejected(Input([Errors], [Distribution("error_rate", Baseline20, Baseline20)])).Message.ShouldContain("the metric is a Rate");
    }

    [Fact]
    public void counts_for_a_distribution_are_rejected()
    {
        Rejected(Input([Latency], [Rate("latency_ms", 1, 10, 1, 10)])).Message.ShouldContain("the metric is a Distribution");
    }

    [Theory]
    [InlineData(90, 95)]
    [InlineData(101, 75)]
    [InlineData(95, -1)]
    [InlineData(double.NaN, 75)]
    public void inconsistent_score_thresholds_are_rejected(double pass, double marginal)
    {
        Rejected(Input([Latency], [], new ScoreThresholds(pass, marginal))).Message.ShouldContain("0 <= Marginal <= Pass <= 100");
    }

    [Fact]
    public void null_members_are_rejected_not_dereferenced()
    {
        Should.Throw<ArgumentNullException>(() => CanaryJudge.Judge(null!));
        Rejected(new AnalysisInput([Latency], null!, ScoreThresholds.Default)).Message.ShouldContain("Samples is null");
        Rejected(new AnalysisInput([Latency], [], null!)).Message.ShouldContain("Thresholds is null");
        Rejected(Input([Latency], [new MetricSamples("latency_ms", null!, Baseline20)])).Message.ShouldContain("null Canary or Baseline");
    }
}
