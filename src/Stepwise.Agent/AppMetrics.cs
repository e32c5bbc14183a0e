namespace Stepwise.Agent;

/// <summary>
/// The metrics an app exposes for Stepwise by default, by name (Prometheus text at the artifact's metrics path;
/// <see cref="AppMetricsSpec"/> reads other series):
/// <list type="bullet">
/// <item><c>http_requests_total</c>: counter of requests served (summed over all labels);</item>
/// <item><c>http_request_errors_total</c>: counter of failed (5xx) requests (summed over all labels);</item>
/// <item><c>http_request_duration_ms</c>: histogram of request latency in milliseconds (<c>_bucket{le=...}</c>).</item>
/// </list>
/// </summary>
public static class AppMetricNames
{
    public const string Requests = "http_requests_total";
    public const string Errors = "http_request_errors_total";
    public const string LatencyHistogram = "http_request_duration_ms";
}

/// <summary>Counter readings of one scrape: totals and the cumulative latency histogram (upper bound in ms → count).</summary>
public sealed record MetricReading(double Requests, double Errors, IReadOnlyList<(double UpperBound, double Count)> LatencyBuckets)
{
    public static MetricReading Zero { get; } = new(0, 0, []);

    /// <summary>
    /// The reading the <paramref name="spec"/> selects from one scrape (null: <see cref="AppMetricsSpec.Default"/>).
    /// A regex matcher that runs too long is a <see cref="FormatException"/>, as a malformed scrape is.
    /// </summary>
    public static MetricReading From(IReadOnlyList<PrometheusSample> samples, AppMetricsSpec? spec = null)
    {
        spec ??= AppMetricsSpec.Default;
        var bucketName = spec.Latency.Name + MetricSelector.Bucket;
        double requests = 0, errors = 0;
        var buckets = new SortedDictionary<double, double>();
        foreach (var s in samples)
        {
            // Not else-if: the requests and the errors may be read from one counter with different matchers.
            if (s.Name == spec.Requests.Name && spec.Requests.Matches(s.Labels))
            {
                requests += s.Value;
            }
            if (s.Name == spec.Errors.Name && spec.Errors.Matches(s.Labels))
            {
                errors += s.Value;
            }
            if (s.Name == bucketName && s.Labels.TryGetValue("le", out var le) && PrometheusText.TryParseValue(le, out var bound) && spec.Latency.Matches(s.Labels))
            {
                var ms = spec.ToMilliseconds(bound);
                buckets[ms] = buckets.GetValueOrDefault(ms) + s.Value;
            }
        }
        return new MetricReading(requests, errors, [.. buckets.Select(b => (b.Key, b.Value))]);
    }
}

/// <summary>What happened between two scrapes, in the shape a heartbeat carries.</summary>
public sealed record MetricDelta(long Requests, long Errors, IReadOnlyList<double> LatencyMs)
{
    public static MetricDelta None { get; } = new(0, 0, []);

    /// <summary>At most this many latency samples per heartbeat (the API's limit).</summary>
    public const int MaxLatencySamples = 1000;

    /// <summary>
    /// The change from <paramref name="previous"/> to <paramref name="current"/>. A counter that went down means the
    /// app restarted: the whole current value is new (Prometheus counter-reset semantics). Latency samples are rebuilt
    /// from the histogram: each observation in a bucket counts as the bucket's midpoint (the lower bound for +Inf),
    /// thinned evenly to at most <see cref="MaxLatencySamples"/>. Errors are at most the requests.
    /// </summary>
    public static MetricDelta Between(MetricReading previous, MetricReading current)
    {
        var requests = Counter(previous.Requests, current.Requests);
        // The API refuses a heartbeat with more errors than requests; errors read from a series the requests
        // selector does not cover must not get every heartbeat refused.
        var errors = Math.Min(Counter(previous.Errors, current.Errors), requests);
        var reset = current.Requests < previous.Requests;
        var before = reset ? [] : previous.LatencyBuckets.ToDictionary(b => b.UpperBound, b => b.Count);
        var perBucket = new List<(double Value, long Count)>();
        double lower = 0, cumulativeBefore = 0, cumulativeNow = 0;
        foreach (var (upper, count) in current.LatencyBuckets)
        {
            var inBucket = (count - cumulativeNow) - (before.GetValueOrDefault(upper, cumulativeBefore) - cumulativeBefore);
            cumulativeNow = count;
            cumulativeBefore = before.GetValueOrDefault(upper, cumulativeBefore);
            var representative = double.IsPositiveInfinity(upper) ? lower : (lower + upper) / 2;
            if (inBucket >= 1)
            {
                perBucket.Add((representative, (long)Math.Round(inBucket)));
            }
            if (!double.IsPositiveInfinity(upper))
            {
                lower = upper;
            }
        }
        var total = perBucket.Sum(b => b.Count);
        var scale = total > MaxLatencySamples ? (double)MaxLatencySamples / total : 1.0;
        var latency = new List<double>();
        foreach (var (value, count) in perBucket)
        {
            var n = (int)Math.Round(count * scale);
            for (var k = 0; k < n && latency.Count < MaxLatencySamples; k++)
            {
                latency.Add(value);
            }
        }
        return new MetricDelta(requests, errors, latency);
    }

    private static long Counter(double previous, double current) =>
        (long)Math.Round(current >= previous ? current - previous : current);
}
