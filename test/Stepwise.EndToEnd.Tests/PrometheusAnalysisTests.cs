using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Testing;

namespace Stepwise.EndToEnd.Tests;

/// <summary>
/// The canary analysis judged by Prometheus: a real Prometheus scrapes the orders apps, and the server
/// (<c>--prometheus</c>) reads the error rate of each side through PromQL templates, not from heartbeats.
/// </summary>
public class PrometheusAnalysisTests
{
    private const string Metric = "http_error_rate";

    [Fact]
    public async Task a_good_canary_passes_and_a_bad_one_is_rolled_back_on_a_promql_error_rate()
    {
        var prometheus = Tools.Prometheus();
        var port = Scratch.FreePort();
        var yaml = (await File.ReadAllTextAsync(Path.Combine(Fleet.RepoRoot(), "samples", "orders", "stepwise.yaml"), TestContext.Current.CancellationToken)).ReplaceLineEndings("\n");
        var start = yaml.IndexOf("    metrics:\n", StringComparison.Ordinal);
        var end = yaml.IndexOf("  retention:", StringComparison.Ordinal);
        start.ShouldBeGreaterThan(0);
        // The error rate of each side over the stage so far, from the apps' own counters as Prometheus scraped them;
        // the heartbeats' error_rate and latency_ms are not in the policy.
        yaml = yaml[..start] + $$$"""
                metrics:
                  - name: {{{Metric}}}
                    kind: rate
                    critical: true
                    maxRate: 0.05
                    tolerance: 0.5
                    minSamples: 30
                    prometheus:
                      events: sum(increase(http_request_errors_total{node=~"{{nodes}}", release="{{release}}"}[{{range}}]))
                      total: sum(increase(http_requests_total{node=~"{{nodes}}", release="{{release}}"}[{{range}}]))

            """ + yaml[end..];
        await using var fleet = await Fleet.StartAsync(3, yaml, serverArguments: ["--prometheus", $"http://127.0.0.1:{port}"]);
        var dir = Scratch.Directory("stepwise-prometheus-");
        var targets = string.Join(", ", new[] { "n1", "n2", "n3" }.Select(n => $"\"127.0.0.1:{fleet.AppPort(n)}\""));
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: orders
                static_configs:
                  - targets: [{targets}]
            """, TestContext.Current.CancellationToken);
        await using var process = new BackgroundProcess(prometheus,
            ["--config.file=" + Path.Combine(dir, "prometheus.yml"), "--storage.tsdb.path=" + Path.Combine(dir, "data"), $"--web.listen-address=127.0.0.1:{port}"]);

        // 1.1.0 is good: its canary passes on the numbers Prometheus gave, and the rollout completes.
        await fleet.RegisterAsync("1.1.0", usesOldShape: ["contact-email"]);
        var good = await fleet.StartRolloutAsync("1.1.0");
        var phases = await fleet.FollowAsync(good);
        phases[^1].ShouldBe(RolloutPhase.Complete, $"{fleet.Diagnostics()}\nprometheus:\n{process.Output}");
        var passed = await AnalysesAsync(fleet, good);
        passed.ShouldContain(m => m.Verdict == "pass" && m.CanaryCount >= 30 && m.BaselineCount >= 30,
            $"a passing {Metric} judged on Prometheus' counts: {string.Join("; ", passed)}");

        // 1.3.0 fails a quarter of its requests: the same query fails its canary, and it is rolled back by itself.
        await fleet.RegisterAsync("1.3.0");
        var bad = await fleet.StartRolloutAsync("1.3.0");
        phases = await fleet.FollowAsync(bad);
        phases[^1].ShouldBe(RolloutPhase.RolledBack, $"{fleet.Diagnostics()}\nprometheus:\n{process.Output}");
        var failed = await AnalysesAsync(fleet, bad);
        failed.ShouldContain(m => m.Outcome == "failing" && m.CanaryValue > 0.05, $"a failing {Metric}: {string.Join("; ", failed)}");
        await fleet.WaitAsync("every node back on 1.1.0", async () => (await fleet.NodesAsync()).All(n => n.ActualRelease == "1.1.0" && n.MayServe) ? "yes" : null);
    }

    private sealed record Judged(string Verdict, string Outcome, long CanaryCount, long BaselineCount, double? CanaryValue);

    /// <summary>Every judgement of <see cref="Metric"/> recorded for <paramref name="rollout"/>, from the event log.</summary>
    private static async Task<List<Judged>> AnalysesAsync(Fleet fleet, string rollout)
    {
        var events = (await fleet.Api.GetAsync<List<EventView>>(Routes.Events + "?limit=1000", TestContext.Current.CancellationToken)).Value!;
        var judged = new List<Judged>();
        foreach (var e in events.Where(e => e.Kind == "record-analysis" && e.Data is { } d && d.GetProperty("rollout").GetString() == rollout))
        {
            if (!e.Data!.Value.TryGetProperty("metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Array)
            {
                continue;
            }
            foreach (var m in metrics.EnumerateArray().Where(m => m.GetProperty("name").GetString() == Metric))
            {
                judged.Add(new Judged(m.GetProperty("verdict").GetString()!, m.GetProperty("outcome").GetString()!,
                    m.GetProperty("canaryCount").GetInt64(), m.GetProperty("baselineCount").GetInt64(),
                    m.TryGetProperty("canaryValue", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null));
            }
        }
        return judged;
    }
}
