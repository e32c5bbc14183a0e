using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests.Analysis;

/// <summary>
/// The server's Prometheus source against a stand-in Prometheus API: what it asks (each side's nodes and release),
/// what a failed query shows, and a canary judged on the answers rather than on the heartbeats.
/// </summary>
public sealed class PrometheusSamplerTests
{
    private const string Yaml = """
        version: 1
        policy:
          canary: { nodes: 1 }
          bake: 4s
          rehearsalBake: 1s
          waveBake: 1s
          waves: [50, 100]
          heartbeatTimeout: 30s
          analysis:
            interval: 1s
            timeout: 60s
            metrics:
              - name: http_errors
                kind: rate
                critical: true
                maxRate: 0.05
                minSamples: 50
                prometheus:
                  events: sum(increase(errors_total{service="{{service}}", release="{{release}}", node=~"{{nodes}}"}[{{range}}]))
                  total: sum(increase(requests_total{service="{{service}}", release="{{release}}", node=~"{{nodes}}"}[{{range}}]))
        services:
          - name: orders
            releases:
              - version: 1.0.0
        """;

    /// <summary>
    /// Answers /api/v1/query like Prometheus: failing until <see cref="Healthy"/>, then <see cref="CanaryErrors"/> errors
    /// in 1,000 requests on 1.1.0 and <see cref="BaselineErrors"/> on 1.0.0.
    /// </summary>
    private sealed class FakePrometheus : IDisposable
    {
        private readonly LoopbackListener listener;

        public FakePrometheus() => listener = new LoopbackListener("/", Answer);

        public Uri Url => listener.Url;

        public volatile bool Healthy;

        public int CanaryErrors { get; init; } = 200;

        public int BaselineErrors { get; init; }

        public ConcurrentQueue<string> Queries { get; } = new();

        private (int, string?) Answer(string path, string body)
        {
            var form = System.Web.HttpUtility.ParseQueryString(body);
            var query = form["query"] ?? "";
            Queries.Enqueue(query);
            var bad = query.Contains("release=\"1.1.0\"", StringComparison.Ordinal);
            var value = query.StartsWith("sum(increase(errors_total", StringComparison.Ordinal) ? (bad ? CanaryErrors : BaselineErrors) : 1000;
            var json = path != "/api/v1/query" || form["time"] is null
                ? """{"status":"error","errorType":"bad_data","error":"not an instant query"}"""
                : Healthy
                    ? $$$"""{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"{{{value}}}"]}]}}"""
                    : """{"status":"error","errorType":"execution","error":"query timed out in expression evaluation"}""";
            return (json.Contains("\"error\"", StringComparison.Ordinal) ? 422 : 200, json);
        }

        public void Dispose() => listener.Dispose();
    }

    [Fact]
    public async Task a_canary_is_judged_on_prometheus_answers_for_each_side_and_a_failed_query_says_why()
    {
        using var prometheus = new FakePrometheus();
        await using var server = await TestServer.StartAsync(Yaml, tweak: o => o with { Prometheus = prometheus.Url });
        // The heartbeats say nothing fails: only Prometheus can fail this canary.
        var fleet = new FakeFleet(server) { Metrics = (_, _) => (100, 0, []) };
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await fleet.AddAsync(n, "1.0.0");
        }
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission");
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var start = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.1.0"), SnapshotJson.Options);
        var id = (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Rollout!;

        // While Prometheus fails, the metric has no data and its reason says what Prometheus answered.
        var baking = await fleet.RunUntilAsync(() => server.GetAsync<RolloutView>($"api/v1/rollouts/{id}"),
            r => r.Analysis?.Metrics.SingleOrDefault()?.Reason.Contains("prometheus:", StringComparison.Ordinal) == true, "the failed query in the analysis");
        var metric = baking.Analysis!.Metrics.ShouldHaveSingleItem();
        metric.Verdict.ShouldBe(Stepwise.Core.Analysis.MetricVerdict.NoData);
        metric.Reason.ShouldContain("execution: query timed out");
        baking.Phase.ShouldBe(RolloutPhase.Baking);

        prometheus.Healthy = true;
        var rolledBack = await fleet.RunUntilAsync(() => server.GetAsync<RolloutView>($"api/v1/rollouts/{id}"), r => r.Phase == RolloutPhase.RolledBack, "the rollback");
        rolledBack.Phase.ShouldBe(RolloutPhase.RolledBack);
        var canary = baking.CanaryNodes.ShouldHaveSingleItem();
        var baseline = new[] { "n1", "n2", "n3" }.Where(n => n != canary).ToList();
        // Each side was asked for by its release and exactly its nodes.
        prometheus.Queries.ShouldContain(q => q.Contains($"release=\"1.1.0\", node=~\"{canary}\"", StringComparison.Ordinal) && q.Contains("service=\"orders\"", StringComparison.Ordinal));
        prometheus.Queries.ShouldContain(q => q.Contains($"release=\"1.0.0\", node=~\"{string.Join('|', baseline.Order(StringComparer.Ordinal))}\"", StringComparison.Ordinal));
        var events = await server.GetAsync<List<EventView>>(Routes.Events + "?limit=1000");
        events.ShouldContain(e => e.Kind == "record-analysis" && e.Data!.Value.GetProperty("verdict").GetString() == "fail");
    }

    [Fact]
    public async Task with_two_replicas_the_one_that_does_not_lead_shows_the_prometheus_metric_with_its_numbers()
    {
        // 2% errors on both sides, under the 5% ceiling: the canary passes, so the leader does not roll it back while the
        // follower is asked (with a failing canary, the rollback could come before the follower's first look).
        using var prometheus = new FakePrometheus { Healthy = true, CanaryErrors = 20, BaselineErrors = 20 };
        var store = await Postgres.NewDatabaseUrlAsync();
        // A long bake: the rollout stays in analysis while both replicas are asked.
        var yaml = Yaml.Replace("bake: 4s", "bake: 10m", StringComparison.Ordinal).Replace("timeout: 60s", "timeout: 20m", StringComparison.Ordinal);
        await using var a = await TestServer.StartAsync(yaml, store: store, tweak: o => o with { Prometheus = prometheus.Url });
        await using var b = await TestServer.StartAsync(yaml, store: store, tweak: o => o with { Prometheus = prometheus.Url });
        var leader = await TestServer.EventuallyAsync(() => Task.FromResult(a.Host.Leads ? a : b.Host.Leads ? b : null), s => s is not null, "a leader");
        var follower = leader == a ? b : a;
        var fleet = new FakeFleet(leader!) { Metrics = (_, _) => (100, 0, []) };
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await fleet.AddAsync(n, "1.0.0");
        }
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission");
        (await leader!.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var start = await leader.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.1.0"), SnapshotJson.Options);
        var id = (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Rollout!;

        // The follower's own view judges the same answers: 2% errors on each side.
        var seen = await fleet.RunUntilAsync(() => follower.GetAsync<RolloutView>($"api/v1/rollouts/{id}"),
            r => r.Analysis?.Metrics.SingleOrDefault() is { Verdict: not Stepwise.Core.Analysis.MetricVerdict.NoData }, "the follower's analysis with data");
        var metric = seen.Analysis!.Metrics.ShouldHaveSingleItem();
        metric.Verdict.ShouldBe(Stepwise.Core.Analysis.MetricVerdict.Pass);
        metric.CanaryValue.ShouldNotBeNull().ShouldBe(0.02, 1e-9);
        metric.BaselineValue.ShouldNotBeNull().ShouldBe(0.02, 1e-9);
        follower.Host.Leads.ShouldBeFalse();
    }
}
