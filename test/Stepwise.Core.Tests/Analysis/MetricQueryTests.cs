using System.Text.RegularExpressions;
using Shouldly;
using Stepwise.Core.Analysis;
using Stepwise.Core.Config;
using Stepwise.Core.Model;
using Xunit;

namespace Stepwise.Core.Tests.Analysis;

public class MetricQueryTests
{
    private const string Rate = "sum(increase(http_requests_total{service=\"{{service}}\",release=\"{{release}}\",node=~\"{{nodes}}\"}[{{range}}]))";

    [Fact]
    public void placeholders_are_filled_and_escaped_for_a_promql_string()
    {
        var text = MetricQuery.Fill(Rate, "orders", "1.1.0+build.7", ["n1", "a.b"], TimeSpan.FromSeconds(90.2));
        text.ShouldBe("sum(increase(http_requests_total{service=\"orders\",release=\"1.1.0+build.7\",node=~\"n1|a\\\\.b\"}[91s]))");
    }

    [Fact]
    public void the_nodes_regex_matches_exactly_the_side_as_prometheus_anchors_it()
    {
        string[] side = ["web-1", "web.2", "db(3)", "x+y"];
        var filled = MetricQuery.Fill("{{nodes}}", "s", "1.0.0", side, TimeSpan.FromSeconds(1));
        // Undo the PromQL string escaping, then anchor as Prometheus does for =~.
        var regex = new Regex("^(?:" + filled.Replace("\\\\", "\\", StringComparison.Ordinal) + ")$", RegexOptions.None, TimeSpan.FromSeconds(1));
        foreach (var node in side)
        {
            regex.IsMatch(node).ShouldBeTrue(node);
        }
        foreach (var stranger in new[] { "web-10", "webX2", "db3", "xxy", "", "web-1|web.2" })
        {
            regex.IsMatch(stranger).ShouldBeFalse(stranger);
        }
        var none = MetricQuery.Fill("{{nodes}}", "s", "1.0.0", [], TimeSpan.FromSeconds(1));
        var nothing = new Regex("^(?:" + none.Replace("\\\\", "\\", StringComparison.Ordinal) + ")$");
        nothing.IsMatch("").ShouldBeFalse();
        nothing.IsMatch("n1").ShouldBeFalse();
    }

    [Fact]
    public void a_quote_or_backslash_in_a_value_cannot_end_the_string()
    {
        var text = MetricQuery.Fill("x{a=\"{{service}}\"}", "a\"} or vector(1) #\\", "1.0.0", [], TimeSpan.Zero);
        text.ShouldBe("x{a=\"a\\\"} or vector(1) #\\\\\"}");
    }

    [Theory]
    [InlineData("{{nodez}}", "unknown placeholder '{{nodez}}'")]
    [InlineData("rate(x[{{range}]", "never closed")]
    [InlineData("   ", "empty")]
    public void a_bad_template_is_refused_with_where_and_how(string template, string expected)
    {
        var problem = new MetricQuery(Query: template).Problems(MetricKind.Distribution).ShouldHaveSingleItem();
        problem.Problem.ShouldContain(expected);
        problem.Fix.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void the_kind_decides_which_templates_are_needed()
    {
        new MetricQuery(Query: "up").Problems(MetricKind.Distribution).ShouldBeEmpty();
        new MetricQuery(Events: "a", Total: "b").Problems(MetricKind.Rate).ShouldBeEmpty();
        new MetricQuery(Query: "up").Problems(MetricKind.Rate).ShouldHaveSingleItem().Problem.ShouldContain("'events' and 'total'");
        new MetricQuery(Events: "a").Problems(MetricKind.Rate).ShouldHaveSingleItem();
        new MetricQuery(Events: "a", Total: "b").Problems(MetricKind.Distribution).ShouldHaveSingleItem().Problem.ShouldContain("one 'query'");
        new MetricQuery(Query: "up", Step: TimeSpan.FromMilliseconds(10)).Problems(MetricKind.Distribution).ShouldHaveSingleItem().Problem.ShouldContain("step");
        new MetricQuery(Query: new string('x', MetricQuery.MaxTemplateLength + 1)).Problems(MetricKind.Distribution).ShouldHaveSingleItem().Problem.ShouldContain("characters long");
    }

    [Fact]
    public void a_large_side_is_sampled_evenly_and_deterministically()
    {
        var nodes = Enumerable.Range(0, 10_000).Select(i => $"n{i:D5}").Reverse().ToList();
        var sample = MetricQuery.Sample(nodes);
        sample.Count.ShouldBe(MetricQuery.MaxNodes);
        sample.ShouldBe(sample.Order(StringComparer.Ordinal));
        sample.Distinct().Count().ShouldBe(MetricQuery.MaxNodes);
        sample[0].ShouldBe("n00000");
        sample[^1].ShouldBeGreaterThan("n09900");
        MetricQuery.Sample(nodes).ShouldBe(sample);
        MetricQuery.Sample(["b", "a"]).ShouldBe(["a", "b"]);
    }

    [Fact]
    public void stepwise_yaml_reads_a_metric_from_prometheus_and_refuses_a_wrong_shape_at_its_line()
    {
        const string yaml = """
            version: 1
            policy:
              analysis:
                metrics:
                  - name: errors
                    kind: rate
                    prometheus:
                      events: sum(increase(errors_total{node=~"{{nodes}}"}[{{range}}]))
                      total: sum(increase(requests_total{node=~"{{nodes}}"}[{{range}}]))
                  - name: p99
                    kind: distribution
                    prometheus: { query: 'histogram_quantile(0.99, rate(d_bucket{node=~"{{nodes}}"}[30s]))', step: 15s }
            services:
              - name: orders
                releases: [{ version: 1.0.0 }]
            """;
        var metrics = ConfigLoader.Parse(yaml, "stepwise.yaml").Policy.Analysis.Metrics;
        metrics[0].Prometheus.ShouldNotBeNull().Events.ShouldStartWith("sum(increase(errors_total");
        metrics[1].Prometheus.ShouldNotBeNull().StepOrDefault.ShouldBe(TimeSpan.FromSeconds(15));

        var e = Should.Throw<ConfigException>(() => ConfigLoader.Parse(yaml.Replace("{{range}}]))\n          total", "{{window}}]))\n          total", StringComparison.Ordinal), "stepwise.yaml"));
        var error = e.Errors.ShouldHaveSingleItem();
        error.Line.ShouldBe(8);
        error.Message.ShouldContain("metric 'errors'");
        error.Message.ShouldContain("{{window}}");
        error.Fix.ShouldContain("{{range}}");

        e = Should.Throw<ConfigException>(() => ConfigLoader.Parse(yaml.Replace("step: 15s", "steps: 15s", StringComparison.Ordinal), "stepwise.yaml"));
        e.Errors.ShouldHaveSingleItem().Message.ShouldContain("unknown key 'steps'");
    }

    [Fact]
    public void a_queried_metric_reads_only_the_query_and_a_failed_query_says_why()
    {
        var policy = new AnalysisPolicy(
            [
                new MetricSpec("error_rate", MetricKind.Rate, MinSamples: 10, Prometheus: new MetricQuery(Events: "e", Total: "t")),
                new MetricSpec("latency_ms", MetricKind.Distribution, MinSamples: 3),
            ],
            ScoreThresholds.Default, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), MarginalAction.Pause);
        RolloutSamples[] collected =
        [
            new("r1", RolloutPhase.Baking,
            [
                new MetricSamples("error_rate", [], [], 0, 1000, 0, 1000),
                new MetricSamples("latency_ms", [1, 2, 3, 4], [1, 2, 3, 4]),
            ]),
        ];

        // No query has answered yet: the heartbeats' error_rate does not stand in for it.
        var combined = StageAnalysis.Combine(policy, collected, null);
        var result = StageAnalysis.Judge(policy, combined, "r1", RolloutPhase.Baking);
        result.Metrics[0].Verdict.ShouldBe(MetricVerdict.NoData);
        result.Metrics[1].Verdict.ShouldNotBe(MetricVerdict.NoData);

        // A failed query: still no data, and the reason names the failure.
        RolloutSamples[] failed = [new("r1", RolloutPhase.Baking, [new MetricSamples("error_rate", [], [], Problem: "prometheus: canary: bad_data: parse error")])];
        result = StageAnalysis.Judge(policy, StageAnalysis.Combine(policy, collected, failed), "r1", RolloutPhase.Baking);
        result.Metrics[0].Reason.ShouldStartWith("prometheus: canary: bad_data: parse error; ");

        // The query answered for this stage (not for another): its counts are judged.
        RolloutSamples[] answered =
        [
            new("r1", RolloutPhase.Baking, [new MetricSamples("error_rate", [], [], 300, 1000, 0, 1000), new MetricSamples("latency_ms", [900], [900])]),
            new("r1", RolloutPhase.Waves, [new MetricSamples("error_rate", [], [], 0, 1000, 0, 1000)]),
        ];
        result = StageAnalysis.Judge(policy, StageAnalysis.Combine(policy, collected, answered), "r1", RolloutPhase.Baking);
        result.Metrics[0].Outcome.ShouldBe(MetricOutcome.Failing);
        result.Metrics[0].CanaryCount.ShouldBe(1000);
        result.Metrics[1].CanaryCount.ShouldBe(4); // a queried sample of a heartbeat metric is ignored
    }
}
