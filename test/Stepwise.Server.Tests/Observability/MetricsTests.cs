using System.Reflection;
using System.Text.RegularExpressions;
using Stepwise.Server.Observability;
using Stepwise.Testing;

namespace Stepwise.Server.Tests.Observability;

/// <summary>/metrics read by real parsers (promtool, and Prometheus itself scraping the server) and the shipped alert rules.</summary>
public sealed partial class MetricsTests(StaleNodeFleet fleet) : IClassFixture<StaleNodeFleet>
{
    private static string RulesFolder => Path.Combine(Scratch.RepoRoot(), "deploy", "prometheus");

    [Fact]
    public async Task metrics_pass_promtool_and_show_the_fleet_in_aggregates_with_a_series_only_for_the_node_off_the_current_release()
    {
        var promtool = Tools.Promtool();
        var text = await fleet.ScrapeAsync();
        var (exit, output) = await Tools.RunAsync(promtool, ["check", "metrics"], input: text);
        exit.ShouldBe(0, $"promtool check metrics:\n{output}\n--- scraped:\n{text}");

        text.ShouldContain("stepwise_nodes{service=\"orders\",release=\"1.1.0\",state=\"active\"} 3");
        text.ShouldContain("stepwise_nodes{service=\"orders\",release=\"1.0.0\",state=\"quarantined\"} 1");
        text.ShouldContain("stepwise_service_current_release{service=\"orders\",release=\"1.1.0\"} 1");
        text.ShouldContain("stepwise_service_release_span{service=\"orders\"} 2");
        var perNode = text.Split('\n').Where(l => l.StartsWith(MetricNames.NodeOffCurrentRelease + "{", StringComparison.Ordinal)).ToList();
        perNode.ShouldHaveSingleItem().ShouldContain($"node=\"{StaleNodeFleet.StaleNode}\"");
        perNode[0].ShouldContain("position=\"behind\"");
        text.ShouldContain("stepwise_analysis_verdicts_total{service=\"orders\",stage=\"baking\"");
        text.ShouldContain(MetricNames.DecideDuration + "_bucket{le=");
        text.ShouldContain(MetricNames.TickDuration + "_count");
        text.Split('\n').ShouldContain("stepwise_leader 1");
        text.ShouldContain("stepwise_heartbeats_total{service=\"orders\"}");
        // The rollout is over: no phase series is left behind.
        text.ShouldNotContain(MetricNames.RolloutPhase + "{");
    }

    [Fact]
    public async Task the_shipped_rules_pass_promtool_check_and_their_unit_tests()
    {
        var promtool = Tools.Promtool();
        var (checkExit, checkOutput) = await Tools.RunAsync(promtool, ["check", "rules", "stepwise-rules.yml"], RulesFolder);
        checkExit.ShouldBe(0, checkOutput);
        var (testExit, testOutput) = await Tools.RunAsync(promtool, ["test", "rules", "stepwise-rules.test.yml"], RulesFolder);
        testExit.ShouldBe(0, testOutput);
    }

    [Fact]
    public async Task every_series_the_rules_use_is_one_the_server_exports()
    {
        var exported = typeof(MetricNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetValue(null)!).ToHashSet();
        var text = await fleet.ScrapeAsync();
        foreach (var name in exported)
        {
            text.ShouldContain($"# TYPE {name} ", customMessage: $"{name} is named in MetricNames but not served");
        }
        var rules = await File.ReadAllTextAsync(Path.Combine(RulesFolder, "stepwise-rules.yml"));
        var used = SeriesName().Matches(rules).Select(m => m.Value).ToHashSet();
        used.ShouldNotBeEmpty();
        foreach (var name in used)
        {
            exported.ShouldContain(name, $"the rules use {name}, which the server does not export");
        }
    }

    [Fact]
    public async Task prometheus_scraping_the_server_finds_the_node_on_an_old_release()
    {
        var prometheus = Tools.Prometheus();
        var dir = Scratch.Directory("stepwise-prometheus-");
        var port = Scratch.FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir, "token"), fleet.ReadToken);
        await File.WriteAllTextAsync(Path.Combine(dir, "prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - {Path.Combine(RulesFolder, "stepwise-rules.yml")}
            scrape_configs:
              - job_name: stepwise
                authorization:
                  credentials_file: {Path.Combine(dir, "token")}
                static_configs:
                  - targets: ["{fleet.Server.BaseAddress.Authority}"]
            """);
        await using var process = new BackgroundProcess(prometheus,
            ["--config.file=" + Path.Combine(dir, "prometheus.yml"), "--storage.tsdb.path=" + Path.Combine(dir, "data"), $"--web.listen-address=127.0.0.1:{port}"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        var query = Uri.EscapeDataString("max by (node, release, current) (stepwise_node_off_current_release{position=\"behind\"})");
        var answer = await TestServer.EventuallyAsync(async () =>
        {
            process.Exited.ShouldBeFalse($"prometheus exited:\n{process.Output}");
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"api/v1/query?query={query}"));
                return doc.RootElement.GetProperty("data").GetProperty("result").Clone();
            }
            catch (HttpRequestException)
            {
                return default;
            }
        }, r => r.ValueKind == System.Text.Json.JsonValueKind.Array && r.GetArrayLength() > 0, "prometheus returning the node on an old release", 60);
        answer.GetArrayLength().ShouldBe(1);
        var metric = answer[0].GetProperty("metric");
        metric.GetProperty("node").GetString().ShouldBe(StaleNodeFleet.StaleNode);
        metric.GetProperty("release").GetString().ShouldBe("1.0.0");
        metric.GetProperty("current").GetString().ShouldBe("1.1.0");
        // The scrape itself is healthy, and the shipped rules loaded beside it.
        using var targets = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("api/v1/targets"));
        targets.RootElement.GetProperty("data").GetProperty("activeTargets")[0].GetProperty("health").GetString().ShouldBe("up");
        using var rules = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("api/v1/rules"));
        rules.RootElement.GetProperty("data").GetProperty("groups")[0].GetProperty("rules").GetArrayLength().ShouldBe(5);
    }

    [GeneratedRegex(@"\bstepwise_[a-z_]+[a-z]\b")]
    private static partial Regex SeriesName();
}
