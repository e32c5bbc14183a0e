using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Stepwise.Api;
using Stepwise.Core.Model;

/// <summary>
/// From a failed analysis to every canary back on N: a real server (tick 1 s, analysis interval 10 s), 10 agents
/// heartbeating every 2 s, release N+1 failing a fifth of its requests. Measures, per run, the time from the
/// failed-analysis event to the moment the last canary reports N again, in seconds and in analysis intervals.
/// </summary>
internal static class RollbackTiming
{
    private const string Admin = "sw_bench-admin-secret-0123456789abcdef"; // at least 24 characters, as the server requires
    private static readonly TimeSpan AnalysisInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(int runs = 3)
    {
        var results = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            results.Add(await OnceAsync());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run + 1}: {results[^1]:0.00} s = {results[^1] / AnalysisInterval.TotalSeconds:0.00} analysis intervals"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"failed analysis -> every canary back on N: max {results.Max():0.00} s = {results.Max() / AnalysisInterval.TotalSeconds:0.00} intervals of {AnalysisInterval.TotalSeconds:0} s (heartbeats every {HeartbeatEvery.TotalSeconds:0} s, tick 1 s)"));
    }

    private static async Task<double> OnceAsync()
    {
        await using var server = await BenchServer.StartAsync("rollback", $$"""
            version: 1
            policy:
              canary: { nodes: 2 }
              bake: 5m
              heartbeatTimeout: 30s
              analysis:
                interval: {{AnalysisInterval.TotalSeconds}}s
                timeout: 10m
                metrics:
                  - { name: error_rate, kind: rate, critical: true, maxRate: 0.05, tolerance: 0.5, minSamples: 50 }
            services:
              - name: orders
                releases:
                  - version: 1.0.0
            """, Admin, TimeSpan.FromSeconds(30));
        var http = server.Admin;
        var nodes = Enumerable.Range(1, 10).Select(i => $"n{i:D2}").ToList();
        var release = nodes.ToDictionary(n => n, _ => "1.0.0");
        var tokens = new Dictionary<string, string>();
        foreach (var node in nodes)
        {
            using var created = await http.PostAsJsonAsync("api/v1/tokens", new TokenBody(TokenKind.Agent, "agent-" + node, node), SnapshotJson.Options);
            tokens[node] = (await created.Content.ReadFromJsonAsync<TokenCreated>(SnapshotJson.Options))!.Token;
        }
        var backOnN = new Dictionary<string, DateTimeOffset>();
        using var stop = new CancellationTokenSource();
        var agents = nodes.Select(node => Task.Run(async () =>
        {
            using var agent = new HttpClient { BaseAddress = http.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens[node]);
            while (!stop.IsCancellationRequested)
            {
                var errors = release[node] == "1.1.0" ? 40 : 0;
                using var response = await agent.PostAsJsonAsync("api/v1/agent/heartbeat", new Heartbeat(node, "orders", release[node], NodeHealth.Healthy, true, 200, errors, []), SnapshotJson.Options);
                var reply = (await response.Content.ReadFromJsonAsync<HeartbeatReply>(SnapshotJson.Options))!;
                if (reply.DesiredRelease is { } desired && desired != release[node])
                {
                    release[node] = desired; // the agent restarts on the desired release; the next heartbeat reports it
                    if (desired == "1.0.0")
                    {
                        lock (backOnN)
                        {
                            backOnN[node] = DateTimeOffset.UtcNow;
                        }
                    }
                }
                try
                {
                    await Task.Delay(HeartbeatEvery, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        })).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(4)); // admission
        (await http.PostAsJsonAsync("api/v1/services/orders/releases", new ReleaseRegistration("1.1.0", new Artifact("app", [])), SnapshotJson.Options)).EnsureSuccessStatusCode();
        using var start = await http.PostAsJsonAsync("api/v1/rollouts", new StartRolloutBody("orders", "1.1.0"), SnapshotJson.Options);
        var rollout = (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Rollout!;
        RolloutView view;
        do
        {
            await Task.Delay(200);
            view = (await http.GetFromJsonAsync<RolloutView>($"api/v1/rollouts/{rollout}", SnapshotJson.Options))!;
        }
        while (view.Phase != RolloutPhase.RolledBack);
        await stop.CancelAsync();
        await Task.WhenAll(agents);
        var events = (await http.GetFromJsonAsync<List<EventView>>("api/v1/events?limit=1000", SnapshotJson.Options))!;
        var failed = events.First(e => e.Kind == "record-analysis" && e.Data!.Value.GetProperty("verdict").GetString() == "fail").At;
        // The canary is back on N when its agent has switched and reported N (at the next heartbeat).
        var last = view.CanaryNodes.Max(n => backOnN[n]) + HeartbeatEvery;
        return (last - failed).TotalSeconds;
    }
}
