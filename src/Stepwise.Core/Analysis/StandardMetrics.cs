namespace Stepwise.Core.Analysis;

/// <summary>
/// The metrics every Stepwise agent reports with its heartbeats, by the names the analysis policy uses for them.
/// One place: the policy's defaults, the sample collector, the simulator and the docs all use these names.
/// </summary>
public static class StandardMetrics
{
    /// <summary>Failed requests over all requests (a rate): heartbeat "errors" over "requests".</summary>
    public const string ErrorRate = "error_rate";

    /// <summary>Request latency in milliseconds (a distribution): heartbeat "latencyMs" samples.</summary>
    public const string LatencyMs = "latency_ms";
}
