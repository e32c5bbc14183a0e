using Stepwise.Core.Analysis;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Analysis;

/// <summary>What the server's sampler and the simulator ask Prometheus for a stage, and what the answers mean.</summary>
public class PrometheusPlanTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly MetricSpec Errors = new("errors", MetricKind.Rate, Critical: true,
        Prometheus: new MetricQuery(Events: "sum(e{s=\"{{service}}\",r=\"{{release}}\",n=~\"{{nodes}}\"}[{{range}}])", Total: "sum(t{n=~\"{{nodes}}\"}[{{range}}])"));

    private static readonly MetricSpec Latency = new("latency", MetricKind.Distribution,
        Prometheus: new MetricQuery(Query: "lat{r=\"{{release}}\",n=~\"{{nodes}}\"}", Step: TimeSpan.FromSeconds(5)));

    private static readonly MetricSpec FromHeartbeats = new("error_rate", MetricKind.Rate);

    private static readonly Rollout Baking = new("orders-1.1.0-1", "orders", "1.0.0", "1.1.0", RolloutPhase.Baking, T0, 0, ["c1"]);

    private static Node At(string id, string release, string service = "orders") => new(id, service, release, release, T0, NodeHealth.Healthy, NodeState.Active);

    private static readonly Node[] Fleet = [At("c1", "1.1.0"), At("b1", "1.0.0"), At("b2", "1.0.0"), At("x1", "1.0.0", "other")];

    [Fact]
    public void each_metric_is_asked_for_each_side_with_its_release_nodes_and_range()
    {
        var plan = PrometheusPlan.Plan(Baking, [FromHeartbeats, Errors, Latency], Fleet, T0.AddMinutes(2));

        plan.Metrics.Select(m => m.Name).ShouldBe(["errors", "latency"]);
        plan.Queries.Select(q => (q.Metric, q.Side, q.Role)).ShouldBe(
        [
            ("errors", AnalysisSide.Canary, QueryRole.Events), ("errors", AnalysisSide.Canary, QueryRole.Total),
            ("errors", AnalysisSide.Baseline, QueryRole.Events), ("errors", AnalysisSide.Baseline, QueryRole.Total),
            ("latency", AnalysisSide.Canary, QueryRole.Query), ("latency", AnalysisSide.Baseline, QueryRole.Query),
        ]);
        var canaryEvents = plan.Queries[0];
        canaryEvents.PromQL.ShouldBe("sum(e{s=\"orders\",r=\"1.1.0\",n=~\"c1\"}[120s])");
        canaryEvents.Instant.ShouldBeTrue();
        canaryEvents.End.ShouldBe(T0.AddMinutes(2));
        canaryEvents.Range.ShouldBe(TimeSpan.FromMinutes(2));
        (canaryEvents.Service, canaryEvents.Release).ShouldBe(("orders", "1.1.0"));
        canaryEvents.Nodes.ShouldBe(["c1"]);
        var baseline = plan.Queries[5];
        baseline.PromQL.ShouldBe("lat{r=\"1.0.0\",n=~\"b1|b2\"}");
        (baseline.Start, baseline.End, baseline.Step).ShouldBe((T0, T0.AddMinutes(2), TimeSpan.FromSeconds(5)));
        baseline.MaxPoints.ShouldBe(SampleCollector.MaxLatencySamples);
    }

    [Fact]
    public void a_side_without_nodes_is_not_asked_and_has_no_samples()
    {
        var plan = PrometheusPlan.Plan(Baking, [Errors], [At("c1", "1.1.0")], T0.AddMinutes(1));
        plan.Queries.ShouldAllBe(q => q.Side == AnalysisSide.Canary);

        var samples = PrometheusPlan.Assemble(plan, [QueryAnswer.Of([3]), QueryAnswer.Of([100])]).Samples.Single();

        (samples.CanaryEvents, samples.CanaryTotal, samples.BaselineEvents, samples.BaselineTotal, samples.Problem).ShouldBe((3L, 100L, 0L, 0L, (string?)null));
    }

    [Fact]
    public void a_long_stage_grows_the_step_to_stay_within_the_points_prometheus_allows()
    {
        var now = T0.AddDays(2);
        var plan = PrometheusPlan.Plan(Baking, [Latency], Fleet, now);

        plan.Queries[0].Step.ShouldBe(TimeSpan.FromDays(2) / PrometheusPlan.MaxRangePoints);
        PrometheusPlan.Plan(Baking with { PhaseSince = now.AddMinutes(1) }, [Latency], Fleet, now).Queries[0].Start.ShouldBe(now);
    }

    [Fact]
    public void rate_answers_are_summed_rounded_and_kept_whole_and_sane()
    {
        var plan = PrometheusPlan.Plan(Baking, [Errors], Fleet, T0.AddMinutes(2));

        var samples = PrometheusPlan.Assemble(plan, [QueryAnswer.Of([1.4, 1.2]), QueryAnswer.Of([50, 49.6]), QueryAnswer.Of([-5, double.NaN]), QueryAnswer.Of([200])]).Samples.Single();

        (samples.CanaryEvents, samples.CanaryTotal, samples.BaselineEvents, samples.BaselineTotal, samples.Problem).ShouldBe((3L, 100L, 0L, 200L, (string?)null));
        PrometheusPlan.Whole(1e30).ShouldBe(long.MaxValue);
    }

    [Fact]
    public void failed_queries_and_events_above_the_total_leave_the_metric_without_data_and_say_why()
    {
        var plan = PrometheusPlan.Plan(Baking, [Errors, Latency], Fleet, T0.AddMinutes(2));

        var samples = PrometheusPlan.Assemble(plan,
        [
            QueryAnswer.Of([10]), QueryAnswer.Failed("execution: timed out"), QueryAnswer.Of([30]), QueryAnswer.Of([20]),
            QueryAnswer.Of([101, 102]), QueryAnswer.Failed("HTTP 503"),
        ]).Samples;

        samples[0].Problem.ShouldBe("prometheus: canary: total: execution: timed out; baseline: events (30) above total (20): check that both queries count the same requests");
        (samples[0].CanaryTotal, samples[0].BaselineTotal).ShouldBe((0L, 0L));
        samples[1].Canary.ShouldBe([101, 102]);
        samples[1].Baseline.ShouldBeEmpty();
        samples[1].Problem.ShouldBe("prometheus: baseline: HTTP 503");
    }

    [Fact]
    public void without_a_prometheus_every_metric_says_so_and_answers_must_match_the_queries()
    {
        var plan = PrometheusPlan.Plan(Baking, [Errors, Latency], Fleet, T0.AddMinutes(2));

        var unavailable = PrometheusPlan.Unavailable(plan);
        (unavailable.Rollout, unavailable.Stage).ShouldBe((Baking.Id, RolloutPhase.Baking));
        unavailable.Samples.ShouldAllBe(s => s.Problem == PrometheusPlan.NotConfigured && s.CanaryTotal == 0 && s.Canary.Count == 0);
        Should.Throw<ArgumentException>(() => PrometheusPlan.Assemble(plan, [QueryAnswer.Of([1])]));
    }

    [Fact]
    public void results_are_refreshed_every_half_interval_and_never_from_the_future()
    {
        var analysis = new AnalysisPolicy([Errors], ScoreThresholds.Default, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), MarginalAction.Pause);

        PrometheusPlan.RefreshEvery(analysis).ShouldBe(TimeSpan.FromSeconds(30));
        PrometheusPlan.RefreshEvery(analysis with { Interval = TimeSpan.FromSeconds(1) }).ShouldBe(TimeSpan.FromSeconds(1));
        PrometheusPlan.Fresh(analysis, T0, T0.AddSeconds(29)).ShouldBeTrue();
        PrometheusPlan.Fresh(analysis, T0, T0.AddSeconds(30)).ShouldBeFalse();
        PrometheusPlan.Fresh(analysis, T0, T0.AddSeconds(-1)).ShouldBeFalse();
    }
}
