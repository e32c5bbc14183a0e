using Stepwise.Core;
using Stepwise.Core.Model;

namespace Stepwise.Simulation.Tests;

/// <summary>
/// Runs whose analysis reads its metrics from the simulated Prometheus: Core plans the queries and assembles the
/// answers, as on the server; the checker holds them to the same guarantees as runs on heartbeat metrics.
/// </summary>
public class PrometheusSimulationTests
{
    private static SimulationResult Run(int seed, FaultProfile faults, int nodes = 30, int services = 3) =>
        Simulation.Run(new SimulationOptions(nodes, services, seed, faults) { Prometheus = true });

    private static string Explain(SimulationResult result) =>
        string.Join("\n", result.Violations.Select(v => $"{v.Guarantee}: {v.Message}\n  " + string.Join("\n  ", v.Trail)));

    [Fact]
    public void a_fault_free_run_judges_every_canary_on_prometheus_answers_and_completes_the_plan()
    {
        var result = Run(1, FaultProfile.None, nodes: 60);

        result.Violations.ShouldBeEmpty(Explain(result));
        result.PlanState.ShouldBe(Names.Of(PlanState.Complete));
        result.Counters["prometheus queries answered"].ShouldBeGreaterThan(100);
        result.Counters.ContainsKey("prometheus queries failed").ShouldBeFalse();
    }

    [Fact]
    public void a_bad_canary_is_rolled_back_by_the_prometheus_sourced_analysis()
    {
        var result = Run(5, FaultProfile.BadCanary, nodes: 60);

        result.Violations.ShouldBeEmpty(Explain(result));
        result.Counters["bad canary rollout ended rolledBack"].ShouldBe(1);
        result.PlanState.ShouldBe(Names.Of(PlanState.Complete));
    }

    [Fact]
    public void a_failing_prometheus_never_lets_the_bad_canary_through()
    {
        var result = Run(3, FaultProfile.BadCanary | FaultProfile.QueryFailures, nodes: 60);

        result.Violations.ShouldBeEmpty(Explain(result));
        result.Counters["bad canary rollout ended rolledBack"].ShouldBe(1);
        result.Counters["prometheus queries failed"].ShouldBeGreaterThan(0);
    }

    [Fact]
    public void the_same_seed_replays_the_same_run()
    {
        var first = Run(7, FaultProfile.All);
        var second = Run(7, FaultProfile.All);

        Replays.ShouldReplay(first, second);
        first.Counters["prometheus queries answered"].ShouldBe(second.Counters["prometheus queries answered"]);
    }

    [Fact]
    public void sixty_seeds_with_every_fault_and_a_failing_prometheus_complete_the_plan_with_no_violation()
    {
        var results = new SimulationResult[60];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, seed =>
            results[seed] = Run(seed + 1, FaultProfile.All));

        var failed = results.Where(r => !r.Ok || r.PlanState != Names.Of(PlanState.Complete)).ToList();
        failed.ShouldBeEmpty(string.Join("\n\n", failed.Select(r => $"seed {r.Options.Seed}: plan {r.PlanState}\n{Explain(r)}")));
        results.ShouldAllBe(r => r.Counters.GetValueOrDefault("bad canary rollout ended rolledBack") == 1);
        // The simulated Prometheus really failed and really lost series across the seeds.
        results.Sum(r => r.Counters.GetValueOrDefault("prometheus queries failed")).ShouldBeGreaterThan(60);
        results.Sum(r => r.Counters.GetValueOrDefault("prometheus answers with fewer nodes")).ShouldBeGreaterThan(60);
    }

    [Fact]
    public void prometheus_without_the_analysis_is_rejected()
    {
        new SimulationOptions(30, 3, 1, FaultProfile.None) { Prometheus = true, Analysis = false }.Validate().ShouldNotBeNull();
    }
}
