namespace Stepwise.Core.Analysis;

/// <summary>
/// Judges a Distribution metric: two-sided Mann-Whitney U test, Hodges-Lehmann shift with its
/// Moses/Bauer confidence interval, and a tolerance band of Tolerance × |baseline median|.
/// </summary>
internal static class DistributionMetricJudge
{
    public static MetricResult Judge(MetricSpec spec, MetricSamples samples, double confidence)
    {
        int n = samples.Canary.Count, m = samples.Baseline.Count;
        if (n < spec.MinSamples || m < spec.MinSamples)
        {
            return new MetricResult(
                spec.Name,
                MetricVerdict.NoData,
                $"Too few points: canary {n}, baseline {m}; at least {spec.MinSamples} are needed on each side.");
        }

        var canary = samples.Canary.ToArray();
        var baseline = samples.Baseline.ToArray();
        Array.Sort(canary);
        Array.Sort(baseline);

        var test = MannWhitney.Run(canary, baseline, confidence);
        var effect = PairwiseDifferences.Median(canary, baseline);
        double? lower = null, upper = null;
        if (test.IntervalRank >= 1)
        {
            var pairs = (long)n * m;
            lower = PairwiseDifferences.KthSmallest(canary, baseline, test.IntervalRank);
            upper = PairwiseDifferences.KthSmallest(canary, baseline, pairs + 1 - test.IntervalRank);
        }

        var canaryMedian = Median(canary);
        var baselineMedian = Median(baseline);
        var band = spec.Tolerance * Math.Abs(baselineMedian);
        var classification = ShiftClassifier.Classify(test.PValue, 1 - confidence, effect, lower, upper, band, spec.FailOn);

        var interval = lower is { } lo && upper is { } hi
            ? $"[{Text.Signed(lo)}, {Text.Signed(hi)}]"
            : "unbounded (too few points for this confidence)";
        var method = test.Exact ? "exact" : "normal approximation";
        var reason =
            $"Canary median {Text.Number(canaryMedian)} vs baseline median {Text.Number(baselineMedian)} (n = {n} / {m}); " +
            $"shift {Text.Signed(effect)}, {Text.Percent(confidence)} CI {interval}, p = {Text.PValue(test.PValue)} ({method}); " +
            $"tolerance ±{Text.Number(band)} ({Text.Percent(spec.Tolerance)} of the baseline median). {classification.Conclusion}";

        return new MetricResult(spec.Name, classification.Verdict, reason, test.PValue, effect, lower, upper, canaryMedian, baselineMedian)
        {
            Outcome = classification.Outcome,
            ToleranceBand = band,
        };
    }

    private static double Median(double[] sorted)
    {
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : sorted[middle - 1] + ((sorted[middle] - sorted[middle - 1]) / 2);
    }
}
