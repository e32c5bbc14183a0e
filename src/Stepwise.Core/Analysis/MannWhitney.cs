namespace Stepwise.Core.Analysis;

/// <summary>The outcome of a two-sided Mann-Whitney U test of canary against baseline.</summary>
/// <param name="U">U of the canary sample: pairs with canary &gt; baseline, plus half the tied pairs.</param>
/// <param name="PValue">Two-sided p-value.</param>
/// <param name="Exact">True when the p-value comes from the exact null distribution, false for the normal approximation.</param>
/// <param name="IntervalRank">
/// k such that the confidence interval for the shift is [D(k), D(nm+1-k)] over the ordered pairwise
/// differences D; 0 when the samples are too small for the confidence level (the interval is unbounded).
/// </param>
internal readonly record struct MannWhitneyTest(double U, double PValue, bool Exact, long IntervalRank);

/// <summary>
/// Two-sided Mann-Whitney U (Wilcoxon rank-sum) test with the critical rank of the Moses/Bauer
/// distribution-free confidence interval for the shift.
/// </summary>
internal static class MannWhitney
{
    /// <summary>Below this size on both sides and without ties the exact null distribution is used.</summary>
    public const int ExactBelow = 50;

    /// <param name="canary">Canary sample, sorted ascending.</param>
    /// <param name="baseline">Baseline sample, sorted ascending.</param>
    /// <param name="confidence">Two-sided confidence level in (0, 1).</param>
    public static MannWhitneyTest Run(double[] canary, double[] baseline, double confidence)
    {
        int n = canary.Length, m = baseline.Length;
        var (rankSumCanary, tieTerm) = RankSumWithTies(canary, baseline);
        var u = rankSumCanary - (n * (n + 1.0) / 2);
        var alpha = 1 - confidence;
        var pairs = (long)n * m;

        if (tieTerm == 0 && n < ExactBelow && m < ExactBelow)
        {
            var counts = ExactCounts(n, m);
            var total = 0.0;
            foreach (var count in counts)
            {
                total += count;
            }

            var observed = (int)Math.Round(u);
            double below = 0, above = 0;
            for (var i = 0; i <= observed; i++)
            {
                below += counts[i];
            }

            for (var i = observed; i < counts.Length; i++)
            {
                above += counts[i];
            }

            var p = Math.Min(1, 2 * Math.Min(below, above) / total);

            // k = 1 + the largest u with P(U <= u) <= alpha/2; the interval [D(k), D(nm+1-k)] then
            // covers the shift with probability at least the confidence level.
            long rank = 0;
            var cumulative = 0.0;
            for (var i = 0; i < counts.Length; i++)
            {
                cumulative += counts[i];
                if (cumulative / total > alpha / 2)
                {
                    break;
                }

                rank = i + 1;
            }

            return new MannWhitneyTest(u, p, Exact: true, rank);
        }

        var total2 = n + m;
        var mean = pairs / 2.0;
        var variance = pairs / 12.0 * ((total2 + 1) - (tieTerm / ((double)total2 * (total2 - 1))));
        if (!(variance > 0))
        {
            // Every value is the same: no evidence of any shift, and every pairwise difference is 0.
            return new MannWhitneyTest(u, 1, Exact: false, IntervalRank: (pairs + 1) / 2);
        }

        var sigma = Math.Sqrt(variance);
        var deviation = u - mean;
        var continuity = Math.Sign(deviation) * 0.5;
        var z = (deviation - continuity) / sigma;
        var pValue = NormalDistribution.TwoSidedPValue(z);

        // Normal approximation of the same critical rank, with the continuity correction:
        // the largest u with Phi((u + 0.5 - nm/2) / sigma) <= alpha/2, plus one.
        var zCritical = NormalDistribution.UpperQuantile(alpha / 2);
        var intervalRank = (long)Math.Floor(mean - (zCritical * sigma) + 0.5);
        intervalRank = Math.Clamp(intervalRank, 0, (pairs + 1) / 2);
        return new MannWhitneyTest(u, pValue, Exact: false, intervalRank);
    }

    /// <summary>Sum of the canary's mid-ranks in the pooled sample, and the tie term sum(t^3 - t) over tie groups.</summary>
    internal static (double RankSumCanary, double TieTerm) RankSumWithTies(double[] canary, double[] baseline)
    {
        int i = 0, j = 0, rank = 0;
        double rankSum = 0, tieTerm = 0;
        while (i < canary.Length || j < baseline.Length)
        {
            var value = j >= baseline.Length || (i < canary.Length && canary[i] <= baseline[j]) ? canary[i] : baseline[j];
            int fromCanary = 0, fromBaseline = 0;
            while (i < canary.Length && canary[i] == value)
            {
                i++;
                fromCanary++;
            }

            while (j < baseline.Length && baseline[j] == value)
            {
                j++;
                fromBaseline++;
            }

            var tied = fromCanary + fromBaseline;
            var midRank = rank + ((tied + 1) / 2.0);
            rankSum += fromCanary * midRank;
            tieTerm += ((double)tied * tied * tied) - tied;
            rank += tied;
        }

        return (rankSum, tieTerm);
    }

    /// <summary>
    /// Number of orderings of n canary and m baseline points (no ties) giving each U = 0..nm.
    /// The largest pooled point is either a canary point above all m baseline points (adds m to U)
    /// or a baseline point (adds 0), so count(i, j, u) = count(i-1, j, u-j) + count(i, j-1, u).
    /// Counts only ever add, so doubles keep their small relative error in the tails.
    /// </summary>
    internal static double[] ExactCounts(int n, int m)
    {
        // previous[j] = distribution for (i-1, j); current[j] = for (i, j).
        var previous = new double[m + 1][];
        for (var j = 0; j <= m; j++)
        {
            previous[j] = [1];
        }

        for (var i = 1; i <= n; i++)
        {
            var current = new double[m + 1][];
            current[0] = [1];
            for (var j = 1; j <= m; j++)
            {
                var row = new double[(i * j) + 1];
                var lastBaseline = current[j - 1];
                var lastCanary = previous[j];
                for (var u = 0; u < row.Length; u++)
                {
                    var count = u < lastBaseline.Length ? lastBaseline[u] : 0;
                    var shifted = u - j;
                    if (shifted >= 0 && shifted < lastCanary.Length)
                    {
                        count += lastCanary[shifted];
                    }

                    row[u] = count;
                }

                current[j] = row;
            }

            previous = current;
        }

        return previous[m];
    }
}
