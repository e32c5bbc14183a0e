using Stepwise.Core.Config;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests;

public class PlanAndOverrideTests
{
    private const string PlanYaml = World.ShopYaml + """

        plans:
          - id: contact-email
            steps:
              - data: contact-email
                phase: expand
              - release: orders@1.1.0
              - release: orders@1.2.0
              - data: contact-email
                phase: backfill
              - release: payments@1.1.0
              - release: orders@1.3.0
              - data: contact-email
                phase: contract
        """;

    [Fact]
    public void plan_runs_its_steps_one_at_a_time_in_order_through_to_the_contract()
    {
        var world = new World(PlanYaml)
            .Nodes("orders", "1.0.0", 4).Current("orders", "1.0.0").Nodes("payments", "1.0.0", 2).Current("payments", "1.0.0");
        world.Request(RequestKind.StartPlan, plan: "contact-email");
        var order = new List<string>();

        for (var i = 0; i < 2000 && world.State.Plans.SingleOrDefault()?.State != PlanState.Complete; i++)
        {
            var decisions = world.Step();
            foreach (var run in decisions.Of<RunDataPhase>())
            {
                order.Add($"data {run.Phase.ToString().ToLowerInvariant()}");
                // The store runs the phase at once in this test.
                world.State.SetPhase(new DataPhaseStatus(run.Change, run.Phase, run.Store, DataPhaseState.Complete, world.Now));
            }
            foreach (var start in decisions.Of<StartRollout>())
            {
                order.Add($"release {start.Service}@{start.To}");
            }
            // At most one thing changes at a time.
            world.State.Rollouts.Count(r => r.InFlight).ShouldBeLessThanOrEqualTo(1);
            world.Converge();
            world.Advance(TimeSpan.FromMinutes(1));
        }

        world.State.Plans.Single().State.ShouldBe(PlanState.Complete);
        order.ShouldBe([
            "data expand", "release orders@1.1.0", "release orders@1.2.0", "data backfill",
            "release payments@1.1.0", "release orders@1.3.0", "data contract"]);
    }

    [Fact]
    public void resuming_a_plan_paused_by_a_failed_data_phase_runs_that_phase_again()
    {
        var world = new World(PlanYaml).Nodes("orders", "1.0.0", 2).Current("orders", "1.0.0").Nodes("payments", "1.0.0", 1).Current("payments", "1.0.0");
        world.Request(RequestKind.StartPlan, plan: "contact-email");
        world.Step();
        var run = world.Step().Of<RunDataPhase>().ShouldHaveSingleItem();
        // The phase fails (a controller stop interrupted it, or its SQL failed): the plan pauses and says how to go on.
        world.State.SetPhase(new DataPhaseStatus(run.Change, run.Phase, run.Store, DataPhaseState.Failed, null));
        world.Advance(TimeSpan.FromMinutes(1));
        world.Step();
        world.State.Plans.Single().State.ShouldBe(PlanState.Paused);
        world.Step().Of<RunDataPhase>().ShouldBeEmpty("a paused plan runs nothing by itself");

        world.Request(RequestKind.StartPlan, plan: "contact-email");
        var resumed = world.Step();

        resumed.Of<RunDataPhase>().ShouldHaveSingleItem().Phase.ShouldBe(DataPhaseKind.Expand);
        world.State.Plans.Single().State.ShouldBe(PlanState.Running);
        world.Advance(TimeSpan.FromMinutes(1));
        world.Step();
        world.State.Plans.Single().State.ShouldBe(PlanState.Running, "the phase runs again; the plan waits for it instead of pausing");
    }

    [Fact]
    public void a_blocked_plan_step_reports_its_refusal_with_the_plan_id()
    {
        var world = new World(PlanYaml).Nodes("orders", "1.0.0", 2).Current("orders", "1.0.0").Nodes("payments", "1.0.0", 1).Current("payments", "1.0.0");
        world.State.Plans.Add(new PlanProgress("contact-email", 1, PlanState.Running, world.Now));

        var refusal = world.Decide().Refusal(GuaranteeId.G3).ShouldNotBeNull();

        refusal.Plan.ShouldBe("contact-email");
        refusal.Subject.ShouldBe("rollout orders@1.1.0");
    }

    [Fact]
    public void an_override_sets_a_refusal_aside_and_is_reported_with_who_and_why()
    {
        var world = new World().Nodes("catalog", "1.0.0", 2).Current("catalog", "1.0.0");
        world.State.Overrides.Add(new Override("ovr-7", GuaranteeId.G1, "rollout catalog@1.2.0", "1.1.0 was withdrawn; 1.2.0 reads the same data", "bob", world.Now));
        world.StartRollout("catalog", "1.2.0");

        var decisions = world.Decide();

        decisions.Refusals.ShouldBeEmpty();
        decisions.Started("catalog").ShouldBeTrue();
        var used = decisions.Of<UseOverride>().Single();
        used.Override.ShouldBe("ovr-7");
        used.OverriddenRefusal.ShouldStartWith("refused (G1 version-window)");
    }

    [Fact]
    public void an_override_for_another_subject_changes_nothing()
    {
        var world = new World().Nodes("catalog", "1.0.0", 2).Current("catalog", "1.0.0");
        world.State.Overrides.Add(new Override("ovr-8", GuaranteeId.G1, "rollout orders@1.2.0", "unrelated", "bob", world.Now));
        world.StartRollout("catalog", "1.2.0");

        world.Decide().Refusal(GuaranteeId.G1).ShouldNotBeNull();
    }

    [Fact]
    public void decide_is_deterministic()
    {
        var world = new World().Nodes("catalog", "1.0.0", 50).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");
        var snapshot = world.State.CopySnapshot();

        var first = Decider.Decide(snapshot, world.Now);
        var second = Decider.Decide(snapshot, world.Now);

        System.Text.Json.JsonSerializer.Serialize(first, SnapshotJson.Options).ShouldBe(System.Text.Json.JsonSerializer.Serialize(second, SnapshotJson.Options));
    }

    [Fact]
    public void a_snapshot_survives_its_serialized_form_and_decides_the_same()
    {
        var world = new World().Nodes("catalog", "1.0.0", 20).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");
        world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.Rehearsing }, tick: TimeSpan.FromMinutes(2));
        var snapshot = world.State.CopySnapshot();

        var reloaded = SnapshotJson.Deserialize(SnapshotJson.Serialize(snapshot));

        var before = System.Text.Json.JsonSerializer.Serialize(Decider.Decide(snapshot, world.Now), SnapshotJson.Options);
        var after = System.Text.Json.JsonSerializer.Serialize(Decider.Decide(reloaded, world.Now), SnapshotJson.Options);
        after.ShouldBe(before);
        SnapshotJson.Serialize(reloaded).ShouldBe(SnapshotJson.Serialize(snapshot));
    }
}
