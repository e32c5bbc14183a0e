using System.Globalization;

namespace Stepwise.Core.Analysis;

/// <summary>
/// Rejects malformed analysis input before anything is judged, with a message that says what is
/// wrong, where, and how to fix it.
/// </summary>
internal static class AnalysisInputValidator
{
    /// <summary>Validates the input and returns the samples by metric name.</summary>
    public static Dictionary<string, MetricSamples> Validate(AnalysisInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Metrics is null || input.Metrics.Count == 0)
        {
            throw Bad("Metrics", "no metrics are configured; give at least one MetricSpec");
        }

        if (input.Samples is null)
        {
            throw Bad("Samples", "is null; pass an empty list when nothing was collected");
        }

        if (input.Thresholds is null)
        {
            throw Bad("Thresholds", "is null; use ScoreThresholds.Default");
        }

        if (!(input.Confidence > 0 && input.Confidence < 1))
        {
            throw Bad("Confidence", $"is {Format(input.Confidence)}; it must be strictly between 0 and 1, e.g. 0.95");
        }

        ValidateThresholds(input.Thresholds);

        var names = new HashSet<string>(StringComparer.Ordinal);
        var totalWeight = 0.0;
        for (var i = 0; i < input.Metrics.Count; i++)
        {
            var spec = input.Metrics[i] ?? throw Bad($"Metrics[{i}]", "is null");
            ValidateSpec(spec, i);
            if (!names.Add(spec.Name))
            {
                throw Bad($"Metrics[{i}]", $"repeats the metric name '{spec.Name}'; each metric must be configured once");
            }

            totalWeight += spec.Weight;
        }

        if (!(totalWeight > 0))
        {
            throw Bad("Metrics", "every metric has weight 0; give at least one metric a positive weight");
        }

        var specs = input.Metrics.ToDictionary(spec => spec.Name, StringComparer.Ordinal);
        var byName = new Dictionary<string, MetricSamples>(StringComparer.Ordinal);
        for (var i = 0; i < input.Samples.Count; i++)
        {
            var samples = input.Samples[i] ?? throw Bad($"Samples[{i}]", "is null");
            if (samples.Name is null || !specs.TryGetValue(samples.Name, out var spec))
            {
                throw Bad(
                    $"Samples[{i}]",
                    $"is for metric '{samples.Name}', which is not configured; configured metrics: {string.Join(", ", specs.Keys.Select(n => $"'{n}'"))}");
            }

            if (!byName.TryAdd(samples.Name, samples))
            {
                throw Bad($"Samples[{i}]", $"repeats samples for metric '{samples.Name}'; merge them into one MetricSamples");
            }

            ValidateSamples(spec, samples, i);
        }

        return byName;
    }

    private static void ValidateThresholds(ScoreThresholds thresholds)
    {
        if (!double.IsFinite(thresholds.Pass) || !double.IsFinite(thresholds.Marginal)
            || thresholds.Marginal < 0 || thresholds.Pass > 100 || thresholds.Marginal > thresholds.Pass)
        {
            throw Bad(
                "Thresholds",
                $"are Pass {Format(thresholds.Pass)}, Marginal {Format(thresholds.Marginal)}; they must satisfy 0 <= Marginal <= Pass <= 100");
        }
    }

    private static void ValidateSpec(MetricSpec spec, int index)
    {
        var where = $"Metrics[{index}]";
        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            throw Bad(where, "has no name; give every metric a non-empty name");
        }

        where = $"{where} '{spec.Name}'";
        if (!Enum.IsDefined(spec.Kind))
        {
            throw Bad(where, $"has Kind {(int)spec.Kind}, which is not a MetricKind; use Distribution or Rate");
        }

        if (!Enum.IsDefined(spec.FailOn))
        {
            throw Bad(where, $"has FailOn {(int)spec.FailOn}, which is not a FailOn; use Increase, Decrease or Either");
        }

        if (!double.IsFinite(spec.Weight) || spec.Weight < 0)
        {
            throw Bad(where, $"has Weight {Format(spec.Weight)}; weights must be finite and not negative (0 keeps a metric out of the score)");
        }

        if (!double.IsFinite(spec.Tolerance) || spec.Tolerance < 0)
        {
            throw Bad(where, $"has Tolerance {Format(spec.Tolerance)}; it must be a finite fraction >= 0, e.g. 0.10 for 10%");
        }

        if (spec.MinSamples < 1)
        {
            throw Bad(where, $"has MinSamples {spec.MinSamples}; it must be at least 1");
        }

        if (spec.MaxRate is { } maxRate)
        {
            if (spec.Kind != MetricKind.Rate)
            {
                throw Bad(where, "sets MaxRate but is a Distribution metric; MaxRate applies to Rate metrics only");
            }

            if (!(maxRate >= 0 && maxRate <= 1))
            {
                throw Bad(where, $"has MaxRate {Format(maxRate)}; it must be a fraction in [0, 1], e.g. 0.01 for 1%");
            }
        }
    }

    private static void ValidateSamples(MetricSpec spec, MetricSamples samples, int index)
    {
        var where = $"Samples[{index}] '{samples.Name}'";
        if (samples.Canary is null || samples.Baseline is null)
        {
            throw Bad(where, "has a null Canary or Baseline list; pass an empty list instead");
        }

        if (spec.Kind == MetricKind.Distribution)
        {
            if (samples.CanaryEvents != 0 || samples.CanaryTotal != 0 || samples.BaselineEvents != 0 || samples.BaselineTotal != 0)
            {
                throw Bad(where, "has Events/Total counts, but the metric is a Distribution; put the values in Canary and Baseline");
            }

            CheckFinite(samples.Canary, where, "Canary");
            CheckFinite(samples.Baseline, where, "Baseline");
            return;
        }

        if (samples.Canary.Count != 0 || samples.Baseline.Count != 0)
        {
            throw Bad(where, "has sample values, but the metric is a Rate; give CanaryEvents/CanaryTotal and BaselineEvents/BaselineTotal");
        }

        CheckCounts(samples.CanaryEvents, samples.CanaryTotal, where, "Canary");
        CheckCounts(samples.BaselineEvents, samples.BaselineTotal, where, "Baseline");
    }

    private static void CheckFinite(IReadOnlyList<double> values, string where, string side)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw Bad(where, $"{side}[{i}] is {Format(values[i])}; samples must be finite numbers (drop missing points before judging)");
            }
        }
    }

    private static void CheckCounts(long events, long total, string where, string side)
    {
        if (total < 0 || events < 0 || events > total)
        {
            throw Bad(where, $"has {side}Events {events} and {side}Total {total}; they must satisfy 0 <= events <= total");
        }
    }

    private static ArgumentException Bad(string where, string problem) =>
        new($"invalid analysis input: {where} {problem}.", "input");

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
