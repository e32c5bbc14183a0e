using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

/// <summary>Two real <c>stepwise server</c> processes on one PostgreSQL database: the leader is killed mid-rollout; the other takes over and finishes it.</summary>
public sealed class LeaderFailoverTests
{
    private const string Yaml = """
        version: 1
        policy:
          canary: { nodes: 1 }
          bake: 2s
          rehearsalBake: 1s
          waveBake: 1s
          waves: [50, 100]
          heartbeatTimeout: 60s
          analysis:
            interval: 1s
            timeout: 60s
            metrics: []
        services:
          - name: orders
            releases:
              - version: 1.0.0
        """;

    private sealed class Replica(Process process, Uri url) : IDisposable
    {
        public Process Process { get; } = process;
        public Uri Url { get; } = url;

        public HttpClient Client(string token)
        {
            var client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return client;
        }

        public async Task<bool> LeadsAsync()
        {
            using var client = Client(TestServer.AdminSecret);
            var metrics = await client.GetStringAsync("metrics");
            return metrics.Split('\n').Any(line => line == "stepwise_leader 1");
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(10_000);
            }
            Process.Dispose();
        }
    }

    private static async Task<Replica> StartReplicaAsync(string store, string config)
    {
        var port = Stepwise.Testing.Scratch.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Stepwise.Testing.Scratch.StepwiseDll(), "server", "--store", store, "--urls", $"http://127.0.0.1:{port}", "--config", config, "--tick", "200ms" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["STEPWISE_ADMIN_TOKEN"] = TestServer.AdminSecret;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                errors.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var replica = new Replica(process, new Uri($"http://127.0.0.1:{port}/"));
        using var probe = new HttpClient { BaseAddress = replica.Url, Timeout = TimeSpan.FromSeconds(10) };
        await TestServer.EventuallyAsync(async () =>
        {
            try
            {
                return await probe.GetStringAsync("healthz");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return process.HasExited ? throw new ShouldAssertException($"the server exited with {process.ExitCode}: {string.Join('\n', errors)}") : "";
            }
        }, body => body == "ok", "the replica listening");
        return replica;
    }

    [Fact]
    public async Task killing_the_leader_replica_lets_the_other_take_over_and_finish_the_rollout()
    {
        var store = await Postgres.NewDatabaseUrlAsync();
        var directory = TestServer.NewDirectory();
        var config = Path.Combine(directory, "stepwise.yaml");
        await File.WriteAllTextAsync(config, Yaml);

        using var first = await StartReplicaAsync(store, config);
        await TestServer.EventuallyAsync(first.LeadsAsync, leads => leads, "the first replica leading");
        using var second = await StartReplicaAsync(store, config);
        (await second.LeadsAsync()).ShouldBeFalse();

        using var admin = second.Client(TestServer.AdminSecret);
        var releases = new Dictionary<string, string> { ["n1"] = "1.0.0", ["n2"] = "1.0.0", ["n3"] = "1.0.0" };
        var tokens = new Dictionary<string, string>();
        foreach (var node in releases.Keys)
        {
            using var created = await admin.PostAsJsonAsync("api/v1/tokens", new TokenBody(TokenKind.Agent, "agent-" + node, node), SnapshotJson.Options);
            tokens[node] = (await created.Content.ReadFromJsonAsync<TokenCreated>(SnapshotJson.Options))!.Token;
        }
        // Agents report to the replica that stays; the leader sees them through the store.
        async Task<bool> BeatAsync()
        {
            var serving = true;
            foreach (var node in releases.Keys.ToList())
            {
                using var agent = second.Client(tokens[node]);
                using var response = await agent.PostAsJsonAsync("api/v1/agent/heartbeat", new Heartbeat(node, "orders", releases[node], NodeHealth.Healthy, true, 10, 0, []), SnapshotJson.Options);
                response.EnsureSuccessStatusCode();
                var reply = (await response.Content.ReadFromJsonAsync<HeartbeatReply>(SnapshotJson.Options))!;
                serving &= reply.MayServe;
                if (reply.DesiredRelease is { } desired)
                {
                    releases[node] = desired;
                }
            }
            return serving;
        }
        await TestServer.EventuallyAsync(BeatAsync, serving => serving, "every node admitted", seconds: 120);

        using (var registered = await admin.PostAsJsonAsync("api/v1/services/orders/releases", new ReleaseRegistration("1.1.0", new Artifact("app", [])), SnapshotJson.Options))
        {
            registered.StatusCode.ShouldBe(HttpStatusCode.Created);
        }
        using var start = await admin.PostAsJsonAsync("api/v1/rollouts", new StartRolloutBody("orders", "1.1.0", "failover test"), SnapshotJson.Options);
        start.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var rollout = (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Rollout!;

        async Task<RolloutView> ViewAsync()
        {
            await BeatAsync();
            return (await admin.GetFromJsonAsync<RolloutView>($"api/v1/rollouts/{rollout}", SnapshotJson.Options))!;
        }
        await TestServer.EventuallyAsync(ViewAsync, r => r.Phase is RolloutPhase.Baking or RolloutPhase.Rehearsing, "the rollout reaching the bake", seconds: 120);

        first.Process.Kill(entireProcessTree: true);
        await first.Process.WaitForExitAsync();

        var done = await TestServer.EventuallyAsync(ViewAsync, r => r.Phase == RolloutPhase.Complete, "the rollout completing under the new leader", seconds: 180);
        done.NodesOnTo.ShouldBe(3);
        (await second.LeadsAsync()).ShouldBeTrue();
        releases.Values.ShouldAllBe(r => r == "1.1.0");
        var events = (await admin.GetFromJsonAsync<List<EventView>>("api/v1/events?limit=1000", SnapshotJson.Options))!;
        events.Count(e => e.Kind == "start-rollout").ShouldBe(1);
    }
}
