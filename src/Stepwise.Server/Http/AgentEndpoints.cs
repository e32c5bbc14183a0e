using Stepwise.Api;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>The agent endpoint: a node reports (only for itself) and is told what to run and whether it may serve.</summary>
internal static class AgentEndpoints
{
    public const int MaxLatencySamples = 1_000;

    public static async Task<IResult> Heartbeat(HttpContext context, ServerRuntime rt)
    {
        var (hb, error) = await Bodies.ReadJsonAsync<Heartbeat>(context, rt.Options.MaxHeartbeatBytes);
        if (error is not null)
        {
            return error;
        }
        if (Check(hb!) is { } problem)
        {
            return Problems.BadRequest($"heartbeat: {problem}");
        }
        var token = AccessMiddleware.TokenOf(context);
        if (!string.Equals(token.Node, hb!.Node, StringComparison.Ordinal))
        {
            return Problems.Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "forbidden",
                token.Node is null
                    ? $"token '{token.Name}' reports client telemetry for service '{token.Service}' only; a node's heartbeats need an agent token for that node"
                    : $"token '{token.Name}' reports for node '{token.Node}' only, not for '{hb.Node}'");
        }
        var config = rt.Config;
        if (config.Config.FindService(hb.Service) is null)
        {
            return Problems.BadRequest($"heartbeat: service '{hb.Service}' is not declared; declare it in stepwise.yaml (PUT {Routes.Config})");
        }
        if (rt.Nodes.Find(hb.Node) is { } known && known.Service != hb.Service)
        {
            return Problems.Conflict($"node '{hb.Node}' belongs to service '{known.Service}', not '{hb.Service}'; a node serves one service");
        }
        var node = rt.Nodes.Report(hb.Node, hb.Service, hb.Release, hb.Health, rt.Time.GetUtcNow());
        var mayServe = rt.Planner.MayServe(node);
        if (mayServe)
        {
            // Only traffic a node was allowed to serve is analysed (the simulator's agents follow the same rule).
            rt.Samples.Add(hb.Node, hb.Service, hb.Release, hb.Requests, hb.Errors, hb.LatencyMs);
        }
        Interlocked.Increment(ref rt.Counters.Heartbeats);
        rt.Metrics.Heartbeats.WithLabels(hb.Service).Inc();
        var reply = new HeartbeatReply(node.Id, node.DesiredRelease, mayServe, node.State, config.ArtifactOf(node.Service, node.DesiredRelease ?? node.ActualRelease), rt.Options.HeartbeatSeconds,
            config.Config.FindService(node.Service)?.App);
        return Results.Json(reply, SnapshotJson.Options);
    }

    /// <summary>Every field within its grammar and bounds: ids, a semantic version, sane counts (0 ≤ errors ≤ requests ≤ the cap), finite latencies.</summary>
    public static string? Check(Heartbeat hb) =>
        Identifiers.CheckId(hb.Node, "node")
        ?? Identifiers.CheckId(hb.Service, "service")
        ?? (hb.Release is not null ? Identifiers.CheckVersion(hb.Release, "release") : null)
        ?? (!SampleCollector.Sane(hb.Requests, hb.Errors)
            ? $"requests and errors must be counts with 0 <= errors <= requests <= {SampleCollector.MaxRequestsPerHeartbeat:N0} (got requests={hb.Requests}, errors={hb.Errors})"
            : null)
        ?? (hb.LatencyMs is null ? "latencyMs is required (an empty list when nothing was served)" : null)
        ?? (hb.LatencyMs!.Count > MaxLatencySamples ? $"latencyMs has {hb.LatencyMs.Count} samples; send at most {MaxLatencySamples} per heartbeat" : null)
        ?? (hb.LatencyMs.Any(v => !double.IsFinite(v) || v < 0) ? "latencyMs holds a negative or non-finite value" : null)
        ?? (!Enum.IsDefined(hb.Health) ? "health must be unknown, healthy or unhealthy" : null)
        ?? (hb.AgentVersion is { } v ? Identifiers.CheckText(v, "agentVersion", 64) : null);
}
