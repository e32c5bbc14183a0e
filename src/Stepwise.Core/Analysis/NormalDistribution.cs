namespace Stepwise.Core.Analysis;

/// <summary>
/// The standard normal distribution, written out because .NET has no erf/erfc. Accurate to about
/// 1e-13 relative for the tail probabilities the judge uses.
/// </summary>
internal static class NormalDistribution
{
    private static readonly double TwoOverSqrtPi = 2 / Math.Sqrt(Math.PI);
    private static readonly double OneOverSqrtPi = 1 / Math.Sqrt(Math.PI);

    /// <summary>Complementary error function erfc(x) = 1 - erf(x).</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        // Below 2.5 the all-positive series for erf converges quickly and 1 - erf keeps ~1e-13
        // relative precision (erfc(2.5) is 4e-4); above it the continued fraction converges fast.
        return x < 2.5 ? 1 - ErfBySeries(x) : ErfcByContinuedFraction(x);
    }

    /// <summary>P(Z &gt; z) for a standard normal Z.</summary>
    public static double UpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2));

    /// <summary>P(|Z| &gt;= |z|): the two-sided p-value of a z statistic.</summary>
    public static double TwoSidedPValue(double z) => Math.Min(1, Erfc(Math.Abs(z) / Math.Sqrt(2)));

    /// <summary>The z with P(Z &gt; z) = <paramref name="tailProbability"/>, for a tail in (0, 0.5].</summary>
    public static double UpperQuantile(double tailProbability)
    {
        if (!(tailProbability > 0 && tailProbability <= 0.5))
        {
            throw new ArgumentOutOfRangeException(nameof(tailProbability), tailProbability, "must be in (0, 0.5]");
        }

        // Bisection on the tail itself: it is computed with full relative precision, so the root
        // is found to the last bit without needing a rational approximation's coefficients.
        double lo = 0, hi = 40;
        for (var i = 0; i < 200 && hi - lo > 0; i++)
        {
            var mid = lo + ((hi - lo) / 2);
            if (mid <= lo || mid >= hi)
            {
                break;
            }

            if (UpperTail(mid) > tailProbability)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return lo + ((hi - lo) / 2);
    }

    // erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_{k>=0} (2x^2)^k x / (1*3*...*(2k+1)); every term is positive.
    private static double ErfBySeries(double x)
    {
        var twoXSquared = 2 * x * x;
        double term = x, sum = x;
        for (var k = 1; k < 500; k++)
        {
            term *= twoXSquared / ((2 * k) + 1);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }

        return TwoOverSqrtPi * Math.Exp(-x * x) * sum;
    }

    // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))), evaluated by
    // the modified Lentz method.
    private static double ErfcByContinuedFraction(double x)
    {
        var expTerm = Math.Exp(-x * x);
        if (expTerm == 0)
        {
            return 0;
        }

        const double tiny = 1e-300;
        var f = x;
        var c = f;
        var d = 0.0;
        for (var k = 1; k < 5000; k++)
        {
            var a = k / 2.0;
            d = x + (a * d);
            d = Math.Abs(d) < tiny ? tiny : d;
            d = 1 / d;
            c = x + (a / c);
            c = Math.Abs(c) < tiny ? tiny : c;
            var delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return expTerm * OneOverSqrtPi / f;
    }
}
