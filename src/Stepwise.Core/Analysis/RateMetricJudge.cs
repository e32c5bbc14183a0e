namespace Stepwise.Core.Analysis;

/// <summary>
/// Judges a Rate metric: the canary rate against the absolute ceiling MaxRate (Wilson score interval)
/// and against the baseline rate with a tolerance of Tolerance × baseline rate (two-proportion test
/// with Yates' correction, Newcombe interval for the difference).
/// </summary>
internal static class RateMetricJudge
{
    public static MetricResult Judge(MetricSpec spec, MetricSamples samples, double confidence)
    {
        if (samples.CanaryTotal < spec.MinSamples || samples.BaselineTotal < spec.MinSamples)
        {
            return new MetricResult(
                spec.Name,
                MetricVerdict.NoData,
                $"Too few events counted: canary total {samples.CanaryTotal}, baseline total {samples.BaselineTotal}; at least {spec.MinSamples} are needed on each side.");
        }

        var alpha = 1 - confidence;
        var z = NormalDistribution.UpperQuantile(alpha / 2);
        var canaryRate = samples.CanaryEvents / (double)samples.CanaryTotal;
        var baselineRate = samples.BaselineEvents / (double)samples.BaselineTotal;
        var effect = canaryRate - baselineRate;
        var pValue = Proportions.TwoProportionPValue(samples.CanaryEvents, samples.CanaryTotal, samples.BaselineEvents, samples.BaselineTotal);
        var (lower, upper) = Proportions.DifferenceInterval(samples.CanaryEvents, samples.CanaryTotal, samples.BaselineEvents, samples.BaselineTotal, z);
        var band = spec.Tolerance * baselineRate;

        var numbers =
            $"Canary rate {Text.Percent(canaryRate)} ({samples.CanaryEvents} of {samples.CanaryTotal}) vs baseline {Text.Percent(baselineRate)} " +
            $"({samples.BaselineEvents} of {samples.BaselineTotal}); difference {Text.Signed(effect * 100)} points, " +
            $"{Text.Percent(confidence)} CI [{Text.Signed(lower * 100)}, {Text.Signed(upper * 100)}], p = {Text.PValue(pValue)}; " +
            $"tolerance ±{Text.Number(band * 100)} points ({Text.Percent(spec.Tolerance)} of the baseline rate).";

        string ceilingNote = string.Empty;
        if (spec.MaxRate is { } maxRate)
        {
            var (wilsonLower, _) = Proportions.WilsonInterval(samples.CanaryEvents, samples.CanaryTotal, z);
            if (wilsonLower > maxRate)
            {
                return new MetricResult(
                    spec.Name,
                    MetricVerdict.High,
                    $"{numbers} The canary rate is above the ceiling {Text.Percent(maxRate)} even at the low end of its {Text.Percent(confidence)} interval ({Text.Percent(wilsonLower)}): High, and exceeding MaxRate fails.",
                    pValue,
                    effect,
                    lower,
                    upper,
                    canaryRate,
                    baselineRate)
                {
                    Outcome = MetricOutcome.Failing,
                    ToleranceBand = band,
                };
            }

            if (canaryRate > maxRate)
            {
                ceilingNote = $" The canary rate is above the ceiling {Text.Percent(maxRate)}, but the low end of its {Text.Percent(confidence)} interval ({Text.Percent(wilsonLower)}) is not: too few events to call it.";
            }
        }

        var classification = ShiftClassifier.Classify(pValue, alpha, effect, lower, upper, band, spec.FailOn);
        return new MetricResult(
            spec.Name,
            classification.Verdict,
            $"{numbers}{ceilingNote} {classification.Conclusion}",
            pValue,
            effect,
            lower,
            upper,
            canaryRate,
            baselineRate)
        {
            Outcome = classification.Outcome,
            ToleranceBand = band,
        };
    }
}
