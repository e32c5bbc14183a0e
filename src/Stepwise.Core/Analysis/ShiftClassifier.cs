namespace Stepwise.Core.Analysis;

/// <summary>How a shift compares with the tolerance band, and what that means under FailOn.</summary>
internal readonly record struct ShiftClassification(MetricVerdict Verdict, MetricOutcome Outcome, string Conclusion);

/// <summary>
/// Classifies an estimated shift (canary minus baseline) with its confidence interval against a
/// tolerance band [-band, +band]. Shared by distributions and rates.
/// </summary>
internal static class ShiftClassifier
{
    /// <param name="pValue">Two-sided p-value of the test for any shift.</param>
    /// <param name="alpha">1 - confidence.</param>
    /// <param name="effect">Point estimate of the shift.</param>
    /// <param name="lower">Lower confidence bound, or null when unbounded.</param>
    /// <param name="upper">Upper confidence bound, or null when unbounded.</param>
    /// <param name="band">Half-width of the tolerance band, &gt;= 0.</param>
    /// <param name="failOn">Which direction fails.</param>
    public static ShiftClassification Classify(
        double pValue, double alpha, double effect, double? lower, double? upper, double band, FailOn failOn)
    {
        if (pValue >= alpha || lower is not { } lo || upper is not { } hi || (lo <= 0 && hi >= 0))
        {
            return new(MetricVerdict.Pass, MetricOutcome.Passing, "No significant difference: Pass.");
        }

        var increased = lo > 0;
        var failing = failOn == FailOn.Either || failOn == (increased ? FailOn.Increase : FailOn.Decrease);
        var word = increased ? "higher" : "lower";
        var edge = increased ? band : -band;

        // Distance beyond the band edge in the direction of the shift (positive = outside the band).
        double Beyond(double value) => increased ? value - band : -band - value;

        var verdict = Beyond(effect) > 0 ? (increased ? MetricVerdict.High : MetricVerdict.Low) : MetricVerdict.Pass;
        var nearEnd = increased ? lo : hi;
        var farEnd = increased ? hi : lo;

        if (Beyond(nearEnd) > 0)
        {
            return failing
                ? new(verdict, MetricOutcome.Failing, $"The canary is {word} beyond the tolerance over the whole interval: {verdict}, and FailOn {failOn} fails it.")
                : new(verdict, MetricOutcome.Passing, $"The canary is {word} beyond the tolerance: {verdict}, which FailOn {failOn} does not count as a failure.");
        }

        if (Beyond(farEnd) <= 0)
        {
            return new(MetricVerdict.Pass, MetricOutcome.Passing, $"The canary is significantly {word}, but the whole interval lies within the tolerance: Pass.");
        }

        return failing
            ? new(verdict, MetricOutcome.Undecided, $"The canary is significantly {word}, but the interval straddles the tolerance edge {Text.Signed(edge)}: these samples cannot tell whether it exceeds the tolerance (undecided).")
            : new(verdict, MetricOutcome.Passing, $"The canary is significantly {word}, which FailOn {failOn} does not count as a failure: {verdict}.");
    }
}
