namespace Stepwise.Agent;

/// <summary>The unit of a latency histogram's bucket bounds (<c>le</c>).</summary>
public enum LatencyUnit
{
    Milliseconds,
    Seconds,
}

/// <summary>
/// Which of the app's Prometheus series the agent reads: the requests counter, the errors counter (both summed over
/// every sample the selector matches) and the latency histogram (its <c>_bucket</c> samples that the selector's
/// matchers pass, summed per <c>le</c>), with the unit of its bucket bounds. Heartbeats carry latency in
/// milliseconds, so bounds in seconds are multiplied by 1000. <see cref="Default"/> reads
/// <see cref="AppMetricNames"/> in milliseconds.
/// </summary>
public sealed record AppMetricsSpec(MetricSelector Requests, MetricSelector Errors, MetricSelector Latency, LatencyUnit LatencyUnit)
{
    public const string RequestsOption = "--metric-requests";
    public const string ErrorsOption = "--metric-errors";
    public const string LatencyOption = "--metric-latency";
    public const string LatencyUnitOption = "--latency-unit";

    /// <summary>How a unit is written in <see cref="LatencyUnitOption"/>: "seconds", "milliseconds".</summary>
    public static IReadOnlyList<string> UnitNames { get; } = [.. Enum.GetValues<LatencyUnit>().Select(UnitName)];

    /// <summary>The series an app exposes for Stepwise unless told otherwise (<see cref="AppMetricNames"/>).</summary>
    public static AppMetricsSpec Default { get; } = Create(null, null, null, null);

    /// <summary>
    /// The spec from the options as given (null: the default). With no unit, the histogram's name says it:
    /// <c>_seconds</c> is seconds; <c>_ms</c> or <c>_milliseconds</c> is milliseconds; any other name needs
    /// <see cref="LatencyUnitOption"/>. A malformed value is a <see cref="FormatException"/> naming its option.
    /// </summary>
    public static AppMetricsSpec Create(string? requests, string? errors, string? latency, string? unit)
    {
        var requestsSelector = MetricSelector.Parse(requests ?? AppMetricNames.Requests, RequestsOption);
        var errorsSelector = MetricSelector.Parse(errors ?? AppMetricNames.Errors, ErrorsOption);
        var histogram = MetricSelector.Parse(latency ?? AppMetricNames.LatencyHistogram, LatencyOption, histogram: true);
        LatencyUnit latencyUnit;
        if (unit is not null)
        {
            latencyUnit = ParseUnit(unit);
        }
        else if (InferUnit(histogram.Name) is { } inferred)
        {
            latencyUnit = inferred;
        }
        else
        {
            throw new FormatException($"{LatencyOption} {histogram.Name}: the name does not say the unit of its buckets (_seconds, _ms or _milliseconds); " +
                $"give {LatencyUnitOption} {string.Join(" or ", UnitNames)}");
        }
        return new AppMetricsSpec(requestsSelector, errorsSelector, histogram, latencyUnit);
    }

    /// <summary>The unit a histogram's name ends in, or null when the name does not say.</summary>
    public static LatencyUnit? InferUnit(string histogramName) =>
        histogramName.EndsWith("_seconds", StringComparison.Ordinal) ? LatencyUnit.Seconds
        : histogramName.EndsWith("_ms", StringComparison.Ordinal) || histogramName.EndsWith("_milliseconds", StringComparison.Ordinal) ? LatencyUnit.Milliseconds
        : null;

    public static LatencyUnit ParseUnit(string text) =>
        Enum.GetValues<LatencyUnit>().Where(u => UnitName(u) == text).Cast<LatencyUnit?>().FirstOrDefault()
        ?? throw new FormatException($"{LatencyUnitOption} {MetricSelector.Shorten(text)}: write {string.Join(" or ", UnitNames)}");

    public static string UnitName(LatencyUnit unit) => unit.ToString().ToLowerInvariant();

    /// <summary>A bucket bound of the histogram in milliseconds.</summary>
    public double ToMilliseconds(double bound) => LatencyUnit == LatencyUnit.Seconds ? bound * 1000 : bound;

    public override string ToString() =>
        $"requests {Requests}, errors {Errors}, latency histogram {Latency} in {UnitName(LatencyUnit)}";
}
