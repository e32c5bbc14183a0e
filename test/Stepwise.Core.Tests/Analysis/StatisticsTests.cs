using Stepwise.Core.Analysis;
using static Stepwise.Core.Tests.Analysis.WorkedExamples;

namespace Stepwise.Core.Tests.Analysis;

public class StatisticsTests
{
    private static void ShouldBeRelativelyClose(double actual, double expected, double relative = 1e-12) =>
        Math.Abs(actual - expected).ShouldBeLessThanOrEqualTo(Math.Abs(expected) * relative, $"actual {actual:R}, expected {expected:R}");

    private static double[] Sorted(double[] values)
    {
        var copy = values.ToArray();
        Array.Sort(copy);
        return copy;
    }

    // Expected values: Python 3.11 math.erfc.
    [Theory]
    [InlineData(0.1, 0.8875370839817152)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(1.5, 0.033894853524689274)]
    [InlineData(2.0, 0.004677734981047265)]
    [InlineData(2.4999, 0.0004071699003334514)]
    [InlineData(2.5, 0.0004069520174449589)]
    [InlineData(3.0, 2.2090496998585438e-05)]
    [InlineData(5.0, 1.5374597944280351e-12)]
    [InlineData(10.0, 2.088487583762545e-45)]
    [InlineData(-1.0, 1.842700792949715)]
    public void erfc_matches_the_python_standard_library(double x, double expected) =>
        ShouldBeRelativelyClose(NormalDistribution.Erfc(x), expected, 1e-12);

    // Expected values: Python 3.11 -statistics.NormalDist().inv_cdf(tail) (not inv_cdf(1 - tail):
    // 1 - 1e-9 is not exact in binary and moves the quantile by 5e-9).
    [Theory]
    [InlineData(0.025, 1.9599639845400538)]
    [InlineData(0.005, 2.5758293035489)]
    [InlineData(0.05, 1.6448536269514726)]
    [InlineData(1e-9, 5.9978070150076865)]
    public void upper_normal_quantile_matches_the_python_standard_library(double tail, double expected) =>
        ShouldBeRelativelyClose(NormalDistribution.UpperQuantile(tail), expected, 1e-12);

    [Fact]
    public void exact_null_distribution_of_u_for_three_and_four_points_is_the_textbook_table()
    {
        // The 35 orderings of 3 against 4 points by U: the Mann-Whitney null distribution table for
        // n1 = 3, n2 = 4 (any table of it, e.g. the Gaussian binomial [7 choose 3]_q; reproduced by
        // reference_statistics.py in exact integers).
        MannWhitney.ExactCounts(3, 4).ShouldBe([1, 1, 2, 3, 4, 4, 5, 4, 4, 3, 2, 1, 1]);
    }

    [Fact]
    public void exact_null_distribution_of_u_for_twenty_and_twenty_points_sums_to_the_binomial_coefficient()
    {
        var counts = MannWhitney.ExactCounts(20, 20);
        counts.Length.ShouldBe(401);
        counts.Sum().ShouldBe(137846528820d); // C(40, 20), math.comb(40, 20)
        counts.Take(5).ShouldBe([1, 1, 2, 3, 5]); // partitions of u into at most 20 parts of size at most 20
    }

    [Fact]
    public void complete_separation_of_twenty_against_twenty_has_the_closed_form_exact_p_value()
    {
        var test = MannWhitney.Run(Sorted(Regressed20), Sorted(Baseline20), 0.95);

        test.Exact.ShouldBeTrue();
        test.U.ShouldBe(400); // every one of the 20 x 20 pairs has canary > baseline
        // Only 1 of the C(40, 20) orderings reaches U = 400 (and 1 reaches U = 0): p = 2 / C(40, 20).
        ShouldBeRelativelyClose(test.PValue, 2 / 137846528820d);
        // Largest u with P(U <= u) <= 0.025 is 127: the two-tailed 0.05 critical value for n1 = n2 = 20
        // in standard Mann-Whitney tables; reference_statistics.py gives k = 128.
        test.IntervalRank.ShouldBe(128);
    }

    [Fact]
    public void tied_samples_use_the_tie_corrected_normal_approximation_as_scipy_does()
    {
        // Source: ClickHouse's test suite (01560_mann_whitney.sql) expects U = 223 and
        // p = 0.5426959774289482 for this data, produced with SciPy's mannwhitneyu (two-sided,
        // continuity and tie corrected); reference_statistics.py reproduces both.
        var test = MannWhitney.Run(Sorted(ClickHouseLeft), Sorted(ClickHouseRight), 0.95);

        test.Exact.ShouldBeFalse();
        test.U.ShouldBe(223);
        ShouldBeRelativelyClose(test.PValue, 0.5426959774289482, 1e-12);
    }

    [Fact]
    public void tied_latencies_give_the_reference_u_p_value_and_interval_rank()
    {
        // reference_statistics.py: U = 332, p = 0.0003314546966833306, k = 128.
        var test = MannWhitney.Run(Sorted(TiedCanary), Sorted(TiedBaseline), 0.95);

        test.U.ShouldBe(332);
        ShouldBeRelativelyClose(test.PValue, 0.0003314546966833306, 1e-12);
        test.IntervalRank.ShouldBe(128);
    }

    [Fact]
    public void kth_pairwise_difference_equals_sorting_every_difference()
    {
        // The expected order statistics come from materialising and sorting all n*m differences.
        var random = new Random(20261121);
        var canary = Enumerable.Range(0, 37).Select(_ => Math.Round(random.NextDouble() * 50, 1) - 10).ToArray();
        var baseline = Enumerable.Range(0, 23).Select(_ => Math.Round(random.NextDouble() * 40, 1)).ToArray();
        var all = canary.SelectMany(c => baseline.Select(b => c - b)).Order().ToArray();
        Array.Sort(canary);
        Array.Sort(baseline);

        foreach (var k in new long[] { 1, 2, 17, 425, 426, 851 - 17, 850, 851 })
        {
            PairwiseDifferences.KthSmallest(canary, baseline, k).ShouldBe(all[k - 1], $"k = {k}");
        }
    }

    [Fact]
    public void hodges_lehmann_interval_of_the_straddle_example_matches_the_reference()
    {
        // reference_statistics.py: exact test, k = 318, HL = 10.0, interval [8.299999999999997, 11.599999999999994].
        var canary = Sorted(StraddleCanary);
        var baseline = Sorted(StraddleBaseline);
        var test = MannWhitney.Run(canary, baseline, 0.95);

        test.IntervalRank.ShouldBe(318);
        PairwiseDifferences.Median(canary, baseline).ShouldBe(10.0);
        PairwiseDifferences.KthSmallest(canary, baseline, 318).ShouldBe(8.299999999999997);
        PairwiseDifferences.KthSmallest(canary, baseline, 900 + 1 - 318).ShouldBe(11.599999999999994);
    }

    [Theory]
    // Expected p: reference_statistics.py, 2x2 chi-square with Yates' correction (R's prop.test default).
    [InlineData(50, 1000, 5, 1000, 1.7849387198032091e-09)]
    [InlineData(60, 2000, 20, 2000, 1.0597874343803814e-05)]
    [InlineData(3, 20, 1, 20, 0.5981614526835282)]
    [InlineData(4, 20, 0, 20, 0.11384629800665803)]
    [InlineData(1, 20, 0, 20, 1.0)]
    public void two_proportion_p_value_matches_the_yates_corrected_chi_square(long e1, long n1, long e2, long n2, double expected) =>
        ShouldBeRelativelyClose(Proportions.TwoProportionPValue(e1, n1, e2, n2), expected, 1e-10);

    [Fact]
    public void newcombe_and_wilson_intervals_match_the_reference()
    {
        // reference_statistics.py, z = -NormalDist().inv_cdf(0.025).
        var z = NormalDistribution.UpperQuantile(0.025);
        var (lower, upper) = Proportions.DifferenceInterval(50, 1000, 5, 1000, z);
        ShouldBeRelativelyClose(lower, 0.03139390290187446, 1e-10);
        ShouldBeRelativelyClose(upper, 0.06057904982117188, 1e-10);

        var (wilsonLower, wilsonUpper) = Proportions.WilsonInterval(1, 20, z);
        ShouldBeRelativelyClose(wilsonLower, 0.008881448800795375, 1e-10);
        ShouldBeRelativelyClose(wilsonUpper, 0.236131193446742, 1e-10);
    }
}
