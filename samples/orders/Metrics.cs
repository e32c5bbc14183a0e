using System.Globalization;
using System.Text;

namespace Stepwise.Samples.Orders;

/// <summary>
/// Request metrics in Prometheus text: http_requests_total, http_request_errors_total (5xx) and the
/// http_request_duration_ms histogram — the series the Stepwise agent reads.
/// </summary>
public sealed class RequestMetrics
{
    private static readonly double[] Bounds = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 150, 250, 500, 1000];
    private readonly long[] buckets = new long[Bounds.Length + 1];
    private long requests;
    private long errors;
    private double sumMs;
    private readonly Lock gate = new();

    public void Record(int status, double ms)
    {
        lock (gate)
        {
            requests++;
            if (status >= 500)
            {
                errors++;
            }
            sumMs += ms;
            var i = Array.FindIndex(Bounds, b => ms <= b);
            buckets[i < 0 ? Bounds.Length : i]++;
        }
    }

    public string Render(string release, string node)
    {
        var text = new StringBuilder();
        var labels = $"release=\"{release}\",node=\"{node}\"";
        lock (gate)
        {
            text.AppendLine("# HELP http_requests_total Requests served.");
            text.AppendLine("# TYPE http_requests_total counter");
            text.AppendLine(CultureInfo.InvariantCulture, $"http_requests_total{{{labels}}} {requests}");
            text.AppendLine("# HELP http_request_errors_total Requests that failed with a 5xx status.");
            text.AppendLine("# TYPE http_request_errors_total counter");
            text.AppendLine(CultureInfo.InvariantCulture, $"http_request_errors_total{{{labels}}} {errors}");
            text.AppendLine("# HELP http_request_duration_ms Request latency in milliseconds.");
            text.AppendLine("# TYPE http_request_duration_ms histogram");
            long cumulative = 0;
            for (var i = 0; i < Bounds.Length; i++)
            {
                cumulative += buckets[i];
                text.AppendLine(CultureInfo.InvariantCulture, $"http_request_duration_ms_bucket{{{labels},le=\"{Bounds[i]}\"}} {cumulative}");
            }
            cumulative += buckets[Bounds.Length];
            text.AppendLine(CultureInfo.InvariantCulture, $"http_request_duration_ms_bucket{{{labels},le=\"+Inf\"}} {cumulative}");
            text.AppendLine(CultureInfo.InvariantCulture, $"http_request_duration_ms_sum{{{labels}}} {sumMs}");
            text.AppendLine(CultureInfo.InvariantCulture, $"http_request_duration_ms_count{{{labels}}} {cumulative}");
        }
        return text.ToString();
    }
}
