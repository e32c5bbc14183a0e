namespace Stepwise.Core.Analysis;

/// <summary>
/// Order statistics of the n*m pairwise differences canary[i] - baseline[j] without building them:
/// the k-th smallest is found by bisecting over the ordered bit patterns of doubles and counting
/// differences at or below a candidate in O(n + m). Exact at any sample size, O(n + m) memory.
/// </summary>
internal static class PairwiseDifferences
{
    /// <summary>Hodges-Lehmann estimate of the shift: the median of all pairwise differences.</summary>
    public static double Median(double[] canary, double[] baseline)
    {
        var pairs = (long)canary.Length * baseline.Length;
        if (pairs % 2 == 1)
        {
            return KthSmallest(canary, baseline, (pairs + 1) / 2);
        }

        var lower = KthSmallest(canary, baseline, pairs / 2);
        var upper = KthSmallest(canary, baseline, (pairs / 2) + 1);
        return lower + ((upper - lower) / 2);
    }

    /// <summary>The k-th smallest (1-based) of canary[i] - baseline[j]; both arrays sorted ascending.</summary>
    public static double KthSmallest(double[] canary, double[] baseline, long k)
    {
        var pairs = (long)canary.Length * baseline.Length;
        if (k < 1 || k > pairs)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"must be in 1..{pairs}");
        }

        // Smallest key whose value has at least k differences at or below it. That value is
        // always one of the (floating-point) differences, so the answer is exact.
        Int128 lo = OrderedKey(canary[0] - baseline[^1]);
        Int128 hi = OrderedKey(canary[^1] - baseline[0]);
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (CountAtMost(canary, baseline, FromOrderedKey((long)mid)) >= k)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return FromOrderedKey((long)lo);
    }

    /// <summary>
    /// Number of pairs with canary[i] - baseline[j] &lt;= t. Floating-point subtraction is monotone
    /// in each operand, so for each i the qualifying j form a suffix of the sorted baseline whose
    /// start only moves right as i grows.
    /// </summary>
    internal static long CountAtMost(double[] canary, double[] baseline, double t)
    {
        long count = 0;
        var start = 0;
        foreach (var c in canary)
        {
            while (start < baseline.Length && c - baseline[start] > t)
            {
                start++;
            }

            count += baseline.Length - start;
        }

        return count;
    }

    // Maps doubles to longs with the same order (negative doubles' bit patterns run backwards).
    internal static long OrderedKey(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        return bits >= 0 ? bits : long.MinValue - bits;
    }

    internal static double FromOrderedKey(long key) =>
        BitConverter.Int64BitsToDouble(key >= 0 ? key : long.MinValue - key);
}
