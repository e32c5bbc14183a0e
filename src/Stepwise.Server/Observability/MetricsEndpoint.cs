using Prometheus;

namespace Stepwise.Server.Observability;

/// <summary>
/// GET /metrics: the server's registry in the Prometheus text format (or OpenMetrics when the scraper asks for it),
/// written by prometheus-net's exporter. Needs a read token, like every other view.
/// </summary>
internal static class MetricsEndpoint
{
    public static Task Serve(HttpContext context, ServerRuntime rt) => rt.Metrics.Exporter.Invoke(context);
}
