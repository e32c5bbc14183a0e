using Stepwise.Core;
using Stepwise.Core.Model;

namespace Stepwise.Simulation.Tests;

public class SimulationTests
{
    private static SimulationResult Run(int seed, FaultProfile faults, SabotageRule? sabotage = null, int nodes = 60, int services = 3, bool clients = false) =>
        Simulation.Run(new SimulationOptions(nodes, services, seed, faults, sabotage) { Clients = clients ? ClientPopulation.Default : null });

    private static string Explain(SimulationResult result) =>
        string.Join("\n", result.Violations.Select(v => $"{v.Guarantee}: {v.Message}\n  " + string.Join("\n  ", v.Trail)));

    [Fact]
    public void a_fault_free_run_completes_the_six_step_plan_with_no_violation()
    {
        var result = Run(1, FaultProfile.None);

        result.Violations.ShouldBeEmpty(Explain(result));
        result.PlanState.ShouldBe(Names.Of(PlanState.Complete));
        result.PlanStep.ShouldBe(6);
        result.PlanSteps.ShouldBe(6);
        result.Decisions.ShouldBeGreaterThan(0);
        result.Counters["data phases run"].ShouldBe(3);
    }

    [Fact]
    public void the_same_seed_replays_the_same_run()
    {
        var first = Run(7, FaultProfile.All);
        var second = Run(7, FaultProfile.All);

        Replays.ShouldReplay(first, second);
    }

    [Fact]
    public void different_seeds_give_different_runs()
    {
        var runs = new[] { 1, 2, 3 }.Select(seed => Run(seed, FaultProfile.Crashes | FaultProfile.Partitions)).ToList();

        runs.Select(r => (r.Events, r.SimulatedSeconds)).Distinct().Count().ShouldBeGreaterThan(1);
    }

    [Fact]
    public void two_hundred_seeds_with_every_fault_complete_the_plan_with_no_violation()
    {
        var results = new SimulationResult[200];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 2 }, seed =>
            results[seed] = Run(seed + 1, FaultProfile.All, nodes: 30));

        var failed = results.Where(r => !r.Ok || r.PlanState != Names.Of(PlanState.Complete)).ToList();
        failed.ShouldBeEmpty(string.Join("\n\n", failed.Select(r => $"seed {r.Options.Seed}: plan {r.PlanState}\n{Explain(r)}")));
        // The faults really happened across the seeds.
        results.Sum(r => r.Counters.GetValueOrDefault("crashes")).ShouldBeGreaterThan(200);
        results.Sum(r => r.Counters.GetValueOrDefault("quarantines")).ShouldBeGreaterThan(0);
        results.ShouldAllBe(r => r.Counters.GetValueOrDefault("controller restarts") == 2);
        results.Count(r => r.Counters.GetValueOrDefault("bad canary rollout ended rolledBack") == 1).ShouldBe(200);
    }

    [Fact]
    public void a_stale_node_returning_after_the_push_is_quarantined_and_moved_forward()
    {
        var result = Run(3, FaultProfile.Stale);

        result.Violations.ShouldBeEmpty(Explain(result));
        result.Counters["nodes offline during a push"].ShouldBeGreaterThan(0);
        result.Counters["nodes decommissioned"].ShouldBe(result.Counters["nodes offline during a push"]);
        result.Counters["quarantines"].ShouldBeGreaterThanOrEqualTo(result.Counters["nodes offline during a push"]);
        result.PlanState.ShouldBe(Names.Of(PlanState.Complete));
    }

    [Fact]
    public void a_bad_canary_rolls_back_by_itself_and_the_plan_still_completes()
    {
        var result = Run(5, FaultProfile.BadCanary);

        result.Violations.ShouldBeEmpty(Explain(result));
        result.Counters["bad canary rollout ended rolledBack"].ShouldBe(1);
        result.PlanState.ShouldBe(Names.Of(PlanState.Complete));
    }

    [Fact]
    public void a_controller_restarting_from_its_serialized_snapshot_loses_nothing()
    {
        var result = Run(4, FaultProfile.ControllerRestart);

        result.Violations.ShouldBeEmpty(Explain(result));
        result.Counters["controller restarts"].ShouldBe(2);
        result.PlanState.ShouldBe(Names.Of(PlanState.Complete));
    }

    [Fact]
    public void every_forbidden_move_is_refused_under_its_guarantee()
    {
        var result = Run(1, FaultProfile.Forbidden);

        result.Violations.ShouldBeEmpty(Explain(result));
        result.Counters["forbidden moves refused"].ShouldBe(5);
        result.Counters.ContainsKey("forbidden moves accepted").ShouldBeFalse();
        foreach (var id in new[] { "G1", "G3", "G4", "G5", "G7" })
        {
            result.Refusals.Keys.ShouldContain(id);
        }
    }

    [Fact]
    public void a_single_service_fleet_completes_the_plan_with_every_fault()
    {
        var result = Run(2, FaultProfile.All, services: 1, nodes: 12);

        result.Violations.ShouldBeEmpty(Explain(result));
        result.PlanState.ShouldBe(Names.Of(PlanState.Complete));
    }

    // The fault profile (and client populations) that give each broken rule the chance to do harm.
    private static readonly (SabotageRule Rule, FaultProfile Faults, bool Clients)[] Cases =
    [
        (SabotageRule.VersionWindow, FaultProfile.Forbidden, false),
        (SabotageRule.StaleNode, FaultProfile.Stale, false),
        (SabotageRule.DataBeforeCode, FaultProfile.Forbidden, false),
        (SabotageRule.ContractAfterCode, FaultProfile.Forbidden, false),
        (SabotageRule.OneChangeAtATime, FaultProfile.Forbidden, false),
        (SabotageRule.RollbackRehearsed, FaultProfile.None, false),
        (SabotageRule.OldClients, FaultProfile.None, true),
    ];

    public static TheoryData<SabotageRule, FaultProfile, bool> Sabotages
    {
        get
        {
            var data = new TheoryData<SabotageRule, FaultProfile, bool>();
            foreach (var (rule, faults, clients) in Cases)
            {
                data.Add(rule, faults, clients);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Sabotages))]
    public void a_sabotaged_rule_is_caught_by_the_checker(SabotageRule rule, FaultProfile faults, bool clients)
    {
        var result = Run(1, faults, rule, clients: clients);

        result.Ok.ShouldBeFalse();
        result.Violations.Select(v => v.Guarantee).ShouldContain(rule.Breaks().ToString());
        var violation = result.Violations.First(v => v.Guarantee == rule.Breaks().ToString());
        violation.Name.ShouldBe(rule.Breaks().Name());
        violation.Trail.Count.ShouldBeInRange(1, 20);
    }

    [Fact]
    public void every_sabotage_rule_has_a_test_case()
    {
        Cases.Select(c => c.Rule).Order().ShouldBe(SabotageRules.All.Order());
    }

    [Fact]
    public void options_that_cannot_make_a_fleet_are_rejected()
    {
        new SimulationOptions(3, 3, 1, FaultProfile.None).Validate().ShouldNotBeNull().ShouldContain("--nodes");
        new SimulationOptions(10, 0, 1, FaultProfile.None).Validate().ShouldNotBeNull().ShouldContain("--services");
        Should.Throw<ArgumentException>(() => Simulation.Run(new SimulationOptions(1, 1, 1, FaultProfile.None)));
    }
}
