using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;
using Stepwise.Server.Reconciling;

namespace Stepwise.Server.Http;

/// <summary>
/// The dashboard's data: one aggregated view, built at most once per tick however many browsers watch, served as JSON
/// and as a server-sent event stream that sends it again whenever it changes.
/// </summary>
public sealed class DashboardFeed(ServerRuntime rt, Reconciler reconciler)
{
    public const int EventCount = 30;
    public const int PastRollouts = 10;

    /// <summary>How often a quiet stream sends a comment line, so proxies keep it open.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    /// <summary>How often a replica that does not lead works out the refusals in force itself.</summary>
    public static readonly TimeSpan FollowerRefusalsEvery = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim gate = new(1, 1);
    private Built? last;
    private (DateTimeOffset At, IReadOnlyList<Core.Decisions.Refusal> Refusals)? followerRefusals;

    /// <summary>The view, its JSON and its content without the time it was built (what a stream compares).</summary>
    public sealed record Built(DashboardView View, string Json, string Content, long Stamp);

    public async Task<Built> CurrentAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (last is { } built && rt.Time.GetElapsedTime(built.Stamp) < rt.Options.Tick)
            {
                return built;
            }
            var view = await BuildAsync(cancellationToken);
            last = new Built(view, JsonSerializer.Serialize(view, SnapshotJson.Options), JsonSerializer.Serialize(view with { At = default }, SnapshotJson.Options), rt.Time.GetTimestamp());
            return last;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<DashboardView> BuildAsync(CancellationToken cancellationToken)
    {
        var config = rt.Config.Config;
        var now = rt.Time.GetUtcNow();
        var control = await rt.Store.LoadControlStateAsync(cancellationToken);
        var nodes = rt.Nodes.All();
        var rolloutOf = control.Rollouts.Where(r => r.InFlight).GroupBy(r => r.Service).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);
        var unwell = nodes.Where(n => n.State is NodeState.Quarantined or NodeState.Offline).ToLookup(n => n.Service, StringComparer.Ordinal);
        var services = FleetSummary.Of(config, control, nodes).Select(s => Service(s, rolloutOf.GetValueOrDefault(s.Service), unwell[s.Service])).ToList();
        var rollouts = control.Rollouts.Where(r => r.InFlight)
            .Concat(control.Rollouts.Where(r => !r.InFlight).Reverse().Take(PastRollouts))
            .Select(r => Views.Rollout(r, nodes, rt)).ToList();
        var changes = config.DataChanges.Select(c =>
        {
            var states = control.DataPhases.Where(p => p.Change == c.Id).ToList();
            return new DashboardDataChange(c.Id, c.Stores, c.Phases.ToList(), states, c.ProgressOf(states));
        }).ToList();
        var refusals = await RefusalsAsync(config, control, now, cancellationToken);
        var events = await rt.Store.LatestEventsAsync(EventCount, cancellationToken);
        var calls = await rt.ClientCallLedger.LoadAsync(now - config.Policy.Retention.ClientTelemetry, null, null, cancellationToken);
        var callers = ClientsEndpoints.View(calls)
            .Select(c => new DashboardCaller(c.Service, c.Operation, Standing(config, c.Service, c.Operation), c.App, c.Version, c.Calls, c.Share, c.LastSeen))
            .OrderBy(c => c.Standing == "provided")
            .ThenByDescending(c => c.Calls)
            .Take(DashboardView.MaxCallers).ToList();
        return new DashboardView(now, rt.IsLeader, services, rollouts, changes, refusals, control.Alerts, events, callers, calls.Count);
    }

    /// <summary>What the service's newest release does to an operation: provided, deprecated or removed.</summary>
    private static string Standing(StepwiseConfig config, string service, string operation) =>
        config.FindService(service)?.Releases is { Count: > 0 } releases && releases[^1] is var newest
            ? newest.Deprecates.Contains(operation) ? "deprecated" : newest.Provides.Contains(operation) || newest.Provides.Count == 0 ? "provided" : "removed"
            : "provided";

    /// <summary>
    /// The refusals in force: the leader's last decisions hold them. A replica that does not lead asks Decide itself
    /// (a what-if over the whole fleet), at most once per <see cref="FollowerRefusalsEvery"/>, since at 100,000 nodes that
    /// costs about as much as a tick.
    /// </summary>
    private async Task<IReadOnlyList<Core.Decisions.Refusal>> RefusalsAsync(StepwiseConfig config, Core.Reconciling.ControlState control, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (rt.IsLeader && reconciler.LastDecisions is { } decided)
        {
            return decided.Refusals;
        }
        if (followerRefusals is { } cached && now - cached.At < FollowerRefusalsEvery && now >= cached.At)
        {
            return cached.Refusals;
        }
        var asked = rt.Planner.WhatIf(config, control, now, [], await rt.OtherReplicasSamplesAsync(cancellationToken),
            await rt.ClientCallLedger.LoadAsync(now - config.Policy.Retention.ClientTelemetry, null, null, cancellationToken)).Refusals;
        followerRefusals = (now, asked);
        return asked;
    }

    /// <param name="unwell">The service's quarantined and offline nodes.</param>
    private static DashboardService Service(ServiceSummary summary, Rollout? inFlight, IEnumerable<Node> unwell)
    {
        var window = inFlight is not null ? new[] { inFlight.From, inFlight.To } : summary.Current is { } current ? [current] : [];
        var byRelease = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var byState = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var ((release, state), count) in summary.Counts)
        {
            if (state != NodeState.Decommissioned)
            {
                byRelease[release] = byRelease.GetValueOrDefault(release) + count;
            }
            byState[Names.Of(state)] = byState.GetValueOrDefault(Names.Of(state)) + count;
        }
        // Nodes that need a look: off the current release first, then quarantined or offline ones.
        var off = summary.OffCurrent.Select(o => o.Node);
        var attention = off.Concat(unwell)
            .DistinctBy(n => n.Id).ToList();
        return new DashboardService(summary.Service, summary.Current, inFlight?.Id, window, summary.Span, byRelease, byState,
            attention.Take(DashboardService.MaxAttention).Select(Views.Node).ToList(), attention.Count);
    }
}

internal static class DashboardEndpoints
{
    public static async Task<IResult> Get(DashboardFeed feed, CancellationToken cancellationToken) =>
        Results.Content((await feed.CurrentAsync(cancellationToken)).Json, "application/json");

    /// <summary>
    /// Server-sent events: "dashboard" with the view when it changes, a comment line when quiet. The stream ends when
    /// the browser goes or the server stops (a stopping server does not wait for open dashboards).
    /// </summary>
    public static async Task Stream(HttpContext context, DashboardFeed feed, ServerRuntime rt, IHostApplicationLifetime lifetime)
    {
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var ct = ends.Token;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        string? sent = null;
        var quietSince = rt.Time.GetTimestamp();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var built = await feed.CurrentAsync(ct);
                if (built.Content != sent)
                {
                    await context.Response.WriteAsync($"event: dashboard\ndata: {built.Json}\n\n", ct);
                    sent = built.Content;
                    quietSince = rt.Time.GetTimestamp();
                }
                else if (rt.Time.GetElapsedTime(quietSince) >= DashboardFeed.KeepAlive)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", ct);
                    quietSince = rt.Time.GetTimestamp();
                }
                await context.Response.Body.FlushAsync(ct);
                await Task.Delay(rt.Options.Tick, rt.Time, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The browser went away, or the server stops.
        }
    }
}
