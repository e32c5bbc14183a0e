using System.Net;
using System.Net.Http.Json;
using Stepwise.Api;
using Stepwise.Core.Analysis;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

/// <summary>With replicas, analysis samples reach the leader wherever the heartbeats arrived (each replica flushes its stage aggregates to the store).</summary>
public sealed class ReplicaAnalysisTests
{
    private const string Yaml = """
        version: 1
        policy:
          canary: { nodes: 1 }
          bake: 3s
          rehearsalBake: 1s
          waveBake: 1s
          waves: [50, 100]
          heartbeatTimeout: 30s
          analysis:
            interval: 1s
            timeout: 60s
            metrics:
              - { name: error_rate, kind: rate, critical: true, maxRate: 0.05, tolerance: 0.5, minSamples: 50 }
        services:
          - name: orders
            releases:
              - version: 1.0.0
        """;

    [Fact]
    public async Task the_leader_judges_a_canary_whose_heartbeats_reach_only_the_other_replica()
    {
        var store = await Postgres.NewDatabaseUrlAsync();
        await using var a = await TestServer.StartAsync(Yaml, store: store);
        await using var b = await TestServer.StartAsync(Yaml, store: store);
        var leader = await TestServer.EventuallyAsync(() => Task.FromResult(a.Host.Leads ? a : b.Host.Leads ? b : null), s => s is not null, "a leader");
        var follower = leader == a ? b : a;

        // 1.1.0 fails a fifth of its requests; 1.0.0 none.
        static (long, long, double[]) Metrics(string node, string? release) => release == "1.1.0" ? (100, 20, []) : (100, 0, []);
        var admission = new FakeFleet(leader!) { Metrics = Metrics };
        foreach (var n in new[] { "n1", "n2", "n3", "n4" })
        {
            await admission.AddAsync(n, "1.0.0");
        }
        await admission.RunUntilAsync(admission.BeatAsync, replies => replies.All(r => r.MayServe), "admission");
        (await leader!.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var start = await leader.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.1.0"), SnapshotJson.Options);
        var id = (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Rollout!;
        var canary = (await leader.GetAsync<RolloutView>($"api/v1/rollouts/{id}")).CanaryNodes.Single();

        // The canary reports only to the follower; the baseline only to the leader.
        var canaryFleet = new FakeFleet(follower) { Metrics = Metrics };
        var baselineFleet = new FakeFleet(leader) { Metrics = Metrics };
        canaryFleet.Adopt(admission, canary);
        foreach (var n in new[] { "n1", "n2", "n3", "n4" }.Where(n => n != canary))
        {
            baselineFleet.Adopt(admission, n);
        }
        var deadline = DateTime.UtcNow.AddSeconds(90);
        RolloutView view;
        do
        {
            await canaryFleet.BeatAsync();
            await baselineFleet.BeatAsync();
            view = await leader.GetAsync<RolloutView>($"api/v1/rollouts/{id}");
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        while (!RolloutPhases.IsTerminal(view.Phase) && DateTime.UtcNow < deadline);

        // Judged on both sides' samples: a failed canary, rolled back (not paused for want of data).
        view.Phase.ShouldBe(RolloutPhase.RolledBack, view.Reason);
        var events = await leader.GetAsync<List<EventView>>(Routes.Events + "?limit=1000");
        var judged = events.Where(e => e.Kind == "record-analysis").Select(e => e.Data!.Value).ToList();
        judged.ShouldContain(d => d.GetProperty("verdict").GetString() == "fail");
        var metric = judged.Last(d => d.GetProperty("verdict").GetString() == "fail").GetProperty("metrics")[0];
        metric.GetProperty("canaryCount").GetInt64().ShouldBeGreaterThan(0);
        metric.GetProperty("baselineCount").GetInt64().ShouldBeGreaterThan(0);
    }
}
