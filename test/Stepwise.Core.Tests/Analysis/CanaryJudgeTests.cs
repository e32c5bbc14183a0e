using Stepwise.Core.Analysis;
using static Stepwise.Core.Tests.Analysis.WorkedExamples;

namespace Stepwise.Core.Tests.Analysis;

public class CanaryJudgeTests
{
    private static readonly MetricSpec Latency = new("latency_ms", MetricKind.Distribution);

    private static AnalysisResult JudgeOne(MetricSpec spec, MetricSamples samples) => CanaryJudge.Judge(Input([spec], [samples]));

    private static void ShouldBeRelativelyClose(double? actual, double expected, double relative = 1e-12)
    {
        actual.ShouldNotBeNull();
        Math.Abs(actual.Value - expected).ShouldBeLessThanOrEqualTo(Math.Abs(expected) * relative, $"actual {actual:R}, expected {expected:R}");
    }

    [Fact]
    public void identical_samples_pass_with_no_shift()
    {
        var result = JudgeOne(Latency, Distribution("latency_ms", Baseline20, Baseline20));

        var metric = result.Metrics.ShouldHaveSingleItem();
        metric.Verdict.ShouldBe(MetricVerdict.Pass);
        metric.Outcome.ShouldBe(MetricOutcome.Passing);
        metric.PValue.ShouldBe(1); // U = 200 = nm/2 exactly (ties everywhere, normal approximation): z = 0
        metric.Effect.ShouldBe(0); // the differences b_i - b_j are symmetric about 0
        metric.LowerBound.ShouldBe(-2); // reference_statistics.py: k = 128, D(128) = -2, D(273) = 2
        metric.UpperBound.ShouldBe(2);
        result.Verdict.ShouldBe(AnalysisVerdict.Pass);
        result.Score.ShouldBe(100);
    }

    [Fact]
    public void clear_latency_regression_is_high_and_fails_the_analysis()
    {
        var result = JudgeOne(Latency, Distribution("latency_ms", Regressed20, Baseline20));

        var metric = result.Metrics.ShouldHaveSingleItem();
        metric.Verdict.ShouldBe(MetricVerdict.High);
        metric.Outcome.ShouldBe(MetricOutcome.Failing);
        ShouldBeRelativelyClose(metric.PValue, 2 / 137846528820d); // exact: 2 / C(40, 20), complete separation
        metric.Effect.ShouldBe(30); // differences are 30 + (b_i - b_j), symmetric about 30
        metric.LowerBound.ShouldBe(28); // reference_statistics.py: D(128) = 28, D(273) = 32
        metric.UpperBound.ShouldBe(32);
        metric.CanaryValue.ShouldBe(130.25); // medians by hand: (100 + 100.5) / 2 = 100.25, plus 30
        metric.BaselineValue.ShouldBe(100.25);
        metric.ToleranceBand.ShouldBe(10.025); // 10% of 100.25
        metric.Reason.ShouldContain("beyond the tolerance over the whole interval");
        result.Verdict.ShouldBe(AnalysisVerdict.Fail);
        result.Score.ShouldBe(0);
    }

    [Fact]
    public void improvement_is_low_but_does_not_fail_when_only_increase_fails()
    {
        var result = JudgeOne(Latency, Distribution("latency_ms", Improved20, Baseline20));

        var metric = result.Metrics.ShouldHaveSingleItem();
        metric.Verdict.ShouldBe(MetricVerdict.Low);
        metric.Outcome.ShouldBe(MetricOutcome.Passing);
        metric.Effect.ShouldBe(-30);
        metric.LowerBound.ShouldBe(-32); // reference_statistics.py
        metric.UpperBound.ShouldBe(-28);
        metric.Reason.ShouldContain("does not count as a failure");
        result.Verdict.ShouldBe(AnalysisVerdict.Pass);
        result.Score.ShouldBe(100);
    }

    [Theory]
    [InlineData(FailOn.Decrease)]
    [InlineData(FailOn.Either)]
    public void a_drop_fails_when_decrease_fails(FailOn failOn)
    {
        var result = JudgeOne(Latency with { FailOn = failOn }, Distribution("latency_ms", Improved20, Baseline20));

        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.Low);
        result.Metrics[0].Outcome.ShouldBe(MetricOutcome.Failing);
        result.Verdict.ShouldBe(AnalysisVerdict.Fail);
    }

    [Fact]
    public void a_rise_passes_when_only_decrease_fails()
    {
        var result = JudgeOne(Latency with { FailOn = FailOn.Decrease }, Distribution("latency_ms", Regressed20, Baseline20));

        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.High);
        result.Metrics[0].Outcome.ShouldBe(MetricOutcome.Passing);
        result.Verdict.ShouldBe(AnalysisVerdict.Pass);
    }

    [Fact]
    public void tied_latencies_are_judged_with_the_tie_corrected_test()
    {
        // reference_statistics.py: U = 332, p = 0.0003314546966833306, HL = 3, interval [1, 4],
        // medians 17 and 14.5. Tolerance 5% of 14.5 = 0.725 < 1: the whole interval is beyond it.
        var result = JudgeOne(Latency with { Tolerance = 0.05 }, Distribution("latency_ms", TiedCanary, TiedBaseline));

        var metric = result.Metrics[0];
        ShouldBeRelativelyClose(metric.PValue, 0.0003314546966833306);
        metric.Effect.ShouldBe(3);
        metric.LowerBound.ShouldBe(1);
        metric.UpperBound.ShouldBe(4);
        metric.CanaryValue.ShouldBe(17);
        metric.BaselineValue.ShouldBe(14.5);
        metric.Verdict.ShouldBe(MetricVerdict.High);
        metric.Outcome.ShouldBe(MetricOutcome.Failing);
        metric.Reason.ShouldContain("normal approximation");
    }

    [Fact]
    public void significant_shift_within_the_tolerance_passes()
    {
        // Same data, tolerance 30% of 14.5 = 4.35: the interval [1, 4] lies inside the band.
        var result = JudgeOne(Latency with { Tolerance = 0.30 }, Distribution("latency_ms", TiedCanary, TiedBaseline));

        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.Pass);
        result.Metrics[0].Outcome.ShouldBe(MetricOutcome.Passing);
        result.Metrics[0].Reason.ShouldContain("within the tolerance");
        result.Verdict.ShouldBe(AnalysisVerdict.Pass);
    }

    [Fact]
    public void shift_whose_interval_straddles_the_tolerance_edge_is_undecided()
    {
        // reference_statistics.py: p = 1.18e-16 (exact), HL = 10.0, interval [8.3, 11.6]; band = 10% of
        // the baseline median 99.9 = 9.99, so the interval straddles +9.99 and the estimate lies beyond it.
        var result = JudgeOne(Latency, Distribution("latency_ms", StraddleCanary, StraddleBaseline));

        var metric = result.Metrics[0];
        ShouldBeRelativelyClose(metric.PValue, 1.1837863724501315e-16, 1e-10);
        metric.Effect.ShouldBe(10.0);
        metric.LowerBound.ShouldBe(8.299999999999997);
        metric.UpperBound.ShouldBe(11.599999999999994);
        metric.Verdict.ShouldBe(MetricVerdict.High);
        metric.Outcome.ShouldBe(MetricOutcome.Undecided);
        metric.Reason.ShouldContain("cannot tell");
    }

    [Fact]
    public void too_few_points_on_either_side_is_no_data()
    {
        var result = JudgeOne(Latency, Distribution("latency_ms", Regressed20[..9], Baseline20));

        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.NoData);
        result.Metrics[0].Outcome.ShouldBe(MetricOutcome.NoData);
        result.Metrics[0].Reason.ShouldContain("canary 9, baseline 20");
        result.Verdict.ShouldBe(AnalysisVerdict.NoData);
        result.Score.ShouldBe(0);
    }

    [Fact]
    public void a_metric_without_samples_is_no_data()
    {
        var result = CanaryJudge.Judge(Input([Latency], []));

        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.NoData);
        result.Metrics[0].Reason.ShouldContain("No samples");
        result.Verdict.ShouldBe(AnalysisVerdict.NoData);
    }

    [Fact]
    public void samples_too_small_to_bound_the_interval_pass_with_no_bounds()
    {
        // 2 against 2 points: the smallest exact two-sided p is 2 / C(4, 2) = 1/3, so no 95% interval
        // is finite and nothing can be significant.
        var result = JudgeOne(Latency with { MinSamples = 1 }, Distribution("latency_ms", [200, 210], [100, 101]));

        var metric = result.Metrics[0];
        metric.PValue!.Value.ShouldBe(1 / 3d, 1e-15);
        metric.LowerBound.ShouldBeNull();
        metric.UpperBound.ShouldBeNull();
        metric.Verdict.ShouldBe(MetricVerdict.Pass);
        metric.Reason.ShouldContain("unbounded");
    }

    [Fact]
    public void failing_critical_metric_fails_the_analysis_whatever_the_score()
    {
        var metrics = Enumerable.Range(0, 9).Select(i => new MetricSpec($"ok_{i}", MetricKind.Distribution))
            .Append(Latency with { Critical = true }).ToArray();
        var samples = Enumerable.Range(0, 9).Select(i => Distribution($"ok_{i}", Baseline20, Baseline20))
            .Append(Distribution("latency_ms", Regressed20, Baseline20)).ToArray();

        var critical = CanaryJudge.Judge(Input(metrics, samples));
        var notCritical = CanaryJudge.Judge(Input(metrics.Select(m => m with { Critical = false }).ToArray(), samples));

        critical.Score.ShouldBe(90); // 9 of 10 equal weights pass
        critical.Verdict.ShouldBe(AnalysisVerdict.Fail);
        critical.Summary.ShouldContain("critical metric 'latency_ms' (High) failed");
        notCritical.Score.ShouldBe(90);
        notCritical.Verdict.ShouldBe(AnalysisVerdict.Marginal); // 75 <= 90 < 95
    }

    [Fact]
    public void critical_metric_without_data_holds_the_analysis_at_no_data()
    {
        var result = CanaryJudge.Judge(Input(
            [new MetricSpec("ok", MetricKind.Distribution), Latency with { Critical = true }],
            [Distribution("ok", Baseline20, Baseline20), Distribution("latency_ms", Regressed20[..3], Baseline20)]));

        result.Verdict.ShouldBe(AnalysisVerdict.NoData);
        result.Summary.ShouldContain("'latency_ms'");
    }

    [Theory]
    // Four passing metrics of weight 1 and one failing metric of the given weight:
    // score = 100 * 4 / (4 + w). 4 / 4.2 = 95.24 -> Pass; 4 / 5 = 80 -> Marginal; 4 / 6 = 66.7 -> Fail.
    [InlineData(0.2, 100 * 4 / 4.2, AnalysisVerdict.Pass)]
    [InlineData(1.0, 80, AnalysisVerdict.Marginal)]
    [InlineData(2.0, 100 * 4 / 6.0, AnalysisVerdict.Fail)]
    public void weighted_score_against_the_thresholds_gives_the_verdict(double failingWeight, double expectedScore, AnalysisVerdict expected)
    {
        var metrics = Enumerable.Range(0, 4).Select(i => new MetricSpec($"ok_{i}", MetricKind.Distribution))
            .Append(Latency with { Weight = failingWeight }).ToArray();
        var samples = Enumerable.Range(0, 4).Select(i => Distribution($"ok_{i}", Baseline20, Baseline20))
            .Append(Distribution("latency_ms", Regressed20, Baseline20)).ToArray();

        var result = CanaryJudge.Judge(Input(metrics, samples));

        result.Score.ShouldBe(expectedScore, 1e-9);
        result.Verdict.ShouldBe(expected);
    }

    [Fact]
    public void custom_thresholds_move_the_verdict()
    {
        var metrics = new[] { new MetricSpec("ok", MetricKind.Distribution), Latency };
        var samples = new[] { Distribution("ok", Baseline20, Baseline20), Distribution("latency_ms", Regressed20, Baseline20) };

        CanaryJudge.Judge(Input(metrics, samples, new ScoreThresholds(Pass: 50, Marginal: 25))).Verdict.ShouldBe(AnalysisVerdict.Pass);
        CanaryJudge.Judge(Input(metrics, samples, new ScoreThresholds(Pass: 60, Marginal: 50))).Verdict.ShouldBe(AnalysisVerdict.Marginal);
    }

    [Fact]
    public void rate_far_over_max_rate_is_high_and_fails()
    {
        // 50 errors in 1000 (5%) against a 1% ceiling. reference_statistics.py: Wilson 95% lower bound
        // 0.0381 > 0.01; two-proportion p = 1.7849387198032091e-09; difference interval [0.0314, 0.0606].
        var spec = new MetricSpec("error_rate", MetricKind.Rate, MaxRate: 0.01);
        var result = JudgeOne(spec, Rate("error_rate", 50, 1000, 5, 1000));

        var metric = result.Metrics[0];
        metric.Verdict.ShouldBe(MetricVerdict.High);
        metric.Outcome.ShouldBe(MetricOutcome.Failing);
        metric.CanaryValue.ShouldBe(0.05);
        metric.BaselineValue.ShouldBe(0.005);
        ShouldBeRelativelyClose(metric.PValue, 1.7849387198032091e-09, 1e-10);
        ShouldBeRelativelyClose(metric.LowerBound, 0.03139390290187446, 1e-10);
        ShouldBeRelativelyClose(metric.UpperBound, 0.06057904982117188, 1e-10);
        metric.Reason.ShouldContain("above the ceiling 1%");
        result.Verdict.ShouldBe(AnalysisVerdict.Fail);
    }

    [Fact]
    public void one_error_in_twenty_requests_does_not_fail_on_a_one_percent_ceiling()
    {
        // 1 of 20 is 5% > 1%, but the Wilson 95% lower bound is 0.00888 (reference_statistics.py) and
        // against 0 of 20 on the baseline the Yates-corrected test gives p = 1.
        var spec = new MetricSpec("error_rate", MetricKind.Rate, MaxRate: 0.01);
        var result = JudgeOne(spec, Rate("error_rate", 1, 20, 0, 20));

        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.Pass);
        result.Metrics[0].Reason.ShouldContain("too few events to call it");
        result.Verdict.ShouldBe(AnalysisVerdict.Pass);
    }

    [Theory]
    // reference_statistics.py (Yates-corrected 2x2 chi-square): 4/20 vs 0/20 p = 0.114; 3/20 vs 1/20 p = 0.598.
    [InlineData(4, 20, 0, 20)]
    [InlineData(3, 20, 1, 20)]
    public void rate_noise_on_tiny_counts_does_not_fail(long canaryEvents, long canaryTotal, long baselineEvents, long baselineTotal)
    {
        var spec = new MetricSpec("error_rate", MetricKind.Rate);
        var result = JudgeOne(spec, Rate("error_rate", canaryEvents, canaryTotal, baselineEvents, baselineTotal));

        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.Pass);
        result.Metrics[0].PValue!.Value.ShouldBeGreaterThan(0.05);
        result.Verdict.ShouldBe(AnalysisVerdict.Pass);
    }

    [Fact]
    public void tripled_error_rate_over_a_large_count_fails_against_the_baseline()
    {
        // 60/2000 (3%) vs 20/2000 (1%), tolerance 10% of 1% = 0.1 points. reference_statistics.py:
        // p = 1.0597874343803814e-05, Newcombe interval [0.01146, 0.02913], entirely above 0.001.
        var spec = new MetricSpec("error_rate", MetricKind.Rate);
        var result = JudgeOne(spec, Rate("error_rate", 60, 2000, 20, 2000));

        var metric = result.Metrics[0];
        ShouldBeRelativelyClose(metric.PValue, 1.0597874343803814e-05, 1e-10);
        ShouldBeRelativelyClose(metric.LowerBound, 0.011457812923081064, 1e-10);
        metric.Verdict.ShouldBe(MetricVerdict.High);
        metric.Outcome.ShouldBe(MetricOutcome.Failing);
        result.Verdict.ShouldBe(AnalysisVerdict.Fail);
    }

    [Fact]
    public void rate_with_a_total_below_min_samples_is_no_data()
    {
        var spec = new MetricSpec("error_rate", MetricKind.Rate, MinSamples: 100);
        var result = JudgeOne(spec, Rate("error_rate", 5, 99, 0, 1000));

        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.NoData);
        result.Verdict.ShouldBe(AnalysisVerdict.NoData);
    }

    [Fact]
    public void data_for_less_than_half_of_the_weight_is_inconclusive()
    {
        var metrics = new[] { Latency, new MetricSpec("cpu", MetricKind.Distribution), new MetricSpec("memory", MetricKind.Distribution) };
        var samples = new[] { Distribution("latency_ms", Baseline20, Baseline20), Distribution("cpu", Baseline20[..5], Baseline20) };

        var result = CanaryJudge.Judge(Input(metrics, samples));

        result.Verdict.ShouldBe(AnalysisVerdict.Inconclusive);
        result.Summary.ShouldContain("33.3333% of the weight"); // 1 of 3 equal weights
    }

    [Fact]
    public void data_for_exactly_half_of_the_weight_is_scored()
    {
        var metrics = new[] { Latency, new MetricSpec("cpu", MetricKind.Distribution) };
        var samples = new[] { Distribution("latency_ms", Baseline20, Baseline20) };

        var result = CanaryJudge.Judge(Input(metrics, samples));

        result.Verdict.ShouldBe(AnalysisVerdict.Pass);
        result.Score.ShouldBe(100); // NoData metrics are left out of the score
    }

    [Fact]
    public void undecided_metric_that_could_swing_the_verdict_is_inconclusive()
    {
        // Two metrics of weight 1: counting the undecided one as failing gives 50 (Fail), as passing 100 (Pass).
        var metrics = new[] { Latency, new MetricSpec("cpu", MetricKind.Distribution) };
        var samples = new[] { Distribution("latency_ms", StraddleCanary, StraddleBaseline), Distribution("cpu", Baseline20, Baseline20) };

        var result = CanaryJudge.Judge(Input(metrics, samples));

        result.Verdict.ShouldBe(AnalysisVerdict.Inconclusive);
        result.Score.ShouldBe(50);
        result.Summary.ShouldContain("depends on undecided metric 'latency_ms'");
    }

    [Fact]
    public void undecided_metric_that_cannot_swing_the_verdict_does_not_stop_it()
    {
        // Weight 1 undecided against 19 passing: 95 counting it as failing, 100 as passing; Pass either way.
        var metrics = new[] { Latency, new MetricSpec("cpu", MetricKind.Distribution, Weight: 19) };
        var samples = new[] { Distribution("latency_ms", StraddleCanary, StraddleBaseline), Distribution("cpu", Baseline20, Baseline20) };

        var result = CanaryJudge.Judge(Input(metrics, samples));

        result.Verdict.ShouldBe(AnalysisVerdict.Pass);
        result.Score.ShouldBe(95);
        result.Summary.ShouldContain("cannot change that");
    }

    [Fact]
    public void undecided_critical_metric_is_inconclusive()
    {
        var metrics = new[] { Latency with { Critical = true }, new MetricSpec("cpu", MetricKind.Distribution, Weight: 99) };
        var samples = new[] { Distribution("latency_ms", StraddleCanary, StraddleBaseline), Distribution("cpu", Baseline20, Baseline20) };

        var result = CanaryJudge.Judge(Input(metrics, samples));

        result.Verdict.ShouldBe(AnalysisVerdict.Inconclusive);
        result.Summary.ShouldContain("a critical metric fails");
    }

    [Fact]
    public void same_input_gives_the_same_result_whatever_the_sample_order()
    {
        var metrics = new[] { Latency, new MetricSpec("error_rate", MetricKind.Rate, MaxRate: 0.02), new MetricSpec("cpu", MetricKind.Distribution) };
        var samples = new[]
        {
            Distribution("latency_ms", StraddleCanary, StraddleBaseline),
            Rate("error_rate", 7, 500, 3, 500),
            Distribution("cpu", TiedCanary, TiedBaseline),
        };
        var reordered = new[]
        {
            samples[2] with { Canary = TiedCanary.Reverse().ToArray(), Baseline = TiedBaseline.Reverse().ToArray() },
            samples[1],
            samples[0] with { Canary = StraddleCanary.Order().ToArray() },
        };

        var first = CanaryJudge.Judge(Input(metrics, samples));
        var second = CanaryJudge.Judge(Input(metrics, samples));
        var third = CanaryJudge.Judge(Input(metrics, reordered));

        foreach (var other in new[] { second, third })
        {
            other.Verdict.ShouldBe(first.Verdict);
            other.Score.ShouldBe(first.Score);
            other.Summary.ShouldBe(first.Summary);
            other.Metrics.SequenceEqual(first.Metrics).ShouldBeTrue();
        }

        first.Metrics.Select(m => m.Name).ShouldBe(["latency_ms", "error_rate", "cpu"]);
    }

    [Fact]
    public void large_samples_are_judged_exactly_without_building_every_pair()
    {
        // 20,000 points a side (4e8 pairs): the shift of exactly +5 on a copy of the baseline must come
        // back as the Hodges-Lehmann estimate, since the differences are 5 + (b_i - b_j).
        var random = new Random(42);
        var baseline = Enumerable.Range(0, 20_000).Select(_ => Math.Round(100 + (random.NextDouble() * 20), 3)).ToArray();
        var canary = baseline.Select(x => x + 5).ToArray();

        var result = JudgeOne(Latency, Distribution("latency_ms", canary, baseline));

        result.Metrics[0].Effect!.Value.ShouldBe(5, 1e-9);
        result.Metrics[0].LowerBound!.Value.ShouldBeLessThan(5);
        result.Metrics[0].UpperBound!.Value.ShouldBeGreaterThan(5);
        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.Pass); // 5 is within 10% of a median near 110
    }
}
