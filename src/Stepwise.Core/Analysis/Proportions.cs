namespace Stepwise.Core.Analysis;

/// <summary>Tests and intervals for rates (events out of a total).</summary>
internal static class Proportions
{
    /// <summary>Wilson score interval for events/total at the two-sided critical value z.</summary>
    public static (double Lower, double Upper) WilsonInterval(long events, long total, double z)
    {
        var n = (double)total;
        var p = events / n;
        var z2 = z * z;
        var denominator = 1 + (z2 / n);
        var centre = (p + (z2 / (2 * n))) / denominator;
        var halfWidth = z / denominator * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n)));
        return (Math.Max(0, centre - halfWidth), Math.Min(1, centre + halfWidth));
    }

    /// <summary>
    /// Two-sided p-value of the pooled two-proportion z test with Yates' continuity correction
    /// (the same as the 2x2 chi-square test with Yates' correction, 1 degree of freedom). The
    /// correction keeps a handful of events in a small total from looking significant.
    /// </summary>
    public static double TwoProportionPValue(long events1, long total1, long events2, long total2)
    {
        double n1 = total1, n2 = total2;
        var p1 = events1 / n1;
        var p2 = events2 / n2;
        var pooled = (events1 + (double)events2) / (n1 + n2);
        var variance = pooled * (1 - pooled) * ((1 / n1) + (1 / n2));
        if (!(variance > 0))
        {
            return 1;
        }

        var corrected = Math.Max(0, Math.Abs(p1 - p2) - (0.5 * ((1 / n1) + (1 / n2))));
        return NormalDistribution.TwoSidedPValue(corrected / Math.Sqrt(variance));
    }

    /// <summary>
    /// Newcombe's hybrid score interval (his method 10) for the difference p1 - p2, built from the two
    /// Wilson intervals; unlike the Wald interval it stays sensible with zero events.
    /// </summary>
    public static (double Lower, double Upper) DifferenceInterval(long events1, long total1, long events2, long total2, double z)
    {
        var p1 = events1 / (double)total1;
        var p2 = events2 / (double)total2;
        var (l1, u1) = WilsonInterval(events1, total1, z);
        var (l2, u2) = WilsonInterval(events2, total2, z);
        var difference = p1 - p2;
        var lower = difference - Math.Sqrt(((p1 - l1) * (p1 - l1)) + ((u2 - p2) * (u2 - p2)));
        var upper = difference + Math.Sqrt(((u1 - p1) * (u1 - p1)) + ((p2 - l2) * (p2 - l2)));
        return (lower, upper);
    }
}
