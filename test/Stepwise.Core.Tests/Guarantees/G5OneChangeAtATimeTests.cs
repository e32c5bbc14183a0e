using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Guarantees;

public class G5OneChangeAtATimeTests
{
    private static World ReadyForOrders13() =>
        new World()
            .Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete)
            .Phase("contact-email", DataPhaseKind.Backfill, DataPhaseState.Complete)
            .Nodes("orders", "1.2.0", 3).Current("orders", "1.2.0");

    [Fact]
    public void releasing_a_caller_of_a_new_operation_is_refused_while_a_live_callee_release_lacks_it()
    {
        // payments is mid-rollout: 3 nodes on 1.1.0 (provides POST /refunds), 1 still on 1.0.0 (does not).
        var world = ReadyForOrders13().Nodes("payments", "1.1.0", 3).Nodes("payments", "1.0.0", 1, prefix: "pay-old").Current("payments", "1.0.0");
        world.State.Rollouts.Add(new Rollout("payments-1.1.0-1", "payments", "1.0.0", "1.1.0", RolloutPhase.Waves, world.Now, 1, ["payments-1"]));
        world.StartRollout("orders", "1.3.0");

        var decisions = world.Decide();

        var refusal = decisions.Refusals.Single(r => r.Guarantee == GuaranteeId.G5 && r.Message.Contains("do not provide"));
        refusal.Blockers.Single().Id.ShouldBe("payments@1.0.0");
        refusal.Message.ShouldContain("POST /refunds");
        refusal.Unblock.ShouldContain("payments@1.1.0");
        decisions.Started("orders").ShouldBeFalse();
    }

    [Fact]
    public void releasing_a_caller_is_allowed_once_every_callee_release_provides_the_operation()
    {
        var world = ReadyForOrders13().Nodes("payments", "1.1.0", 4).Current("payments", "1.1.0");
        world.StartRollout("orders", "1.3.0");

        var decisions = world.Decide();

        decisions.Refusals.ShouldBeEmpty();
        decisions.Started("orders").ShouldBeTrue();
    }

    [Fact]
    public void an_offline_callee_node_on_an_old_release_still_blocks_the_caller()
    {
        var world = ReadyForOrders13().Nodes("payments", "1.1.0", 3).Nodes("payments", "1.0.0", 1, prefix: "pay-away").Current("payments", "1.1.0");
        world.Offline("pay-away-4");
        world.StartRollout("orders", "1.3.0");

        world.Decide().Refusal(GuaranteeId.G5).ShouldNotBeNull().Blockers.Single().Id.ShouldBe("payments@1.0.0");
    }

    [Fact]
    public void dependent_services_never_roll_out_together()
    {
        var world = new World().Nodes("payments", "1.0.0", 2).Current("payments", "1.0.0")
            .Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete)
            .Phase("contact-email", DataPhaseKind.Backfill, DataPhaseState.Complete)
            .Nodes("orders", "1.1.0", 2).Current("orders", "1.1.0");
        world.StartRollout("payments", "1.1.0");
        world.StartRollout("orders", "1.2.0");

        var decisions = world.Decide();

        decisions.Started("payments").ShouldBeTrue();
        decisions.Started("orders").ShouldBeFalse();
        var refusal = decisions.Refusal(GuaranteeId.G5).ShouldNotBeNull();
        refusal.Blockers.Single().Kind.ShouldBe(BlockerKind.Rollout);
        refusal.Blockers.Single().Detail.ShouldContain("orders depends on payments");
    }

    [Fact]
    public void an_unrelated_service_may_roll_out_beside_another()
    {
        var world = new World().Nodes("payments", "1.0.0", 2).Current("payments", "1.0.0").Nodes("catalog", "1.0.0", 2).Current("catalog", "1.0.0");
        world.StartRollout("payments", "1.1.0");
        world.StartRollout("catalog", "1.1.0");

        var decisions = world.Decide();

        decisions.Refusals.ShouldBeEmpty();
        decisions.Of<StartRollout>().Count().ShouldBe(2);
    }

    [Fact]
    public void removing_an_operation_a_live_caller_uses_is_refused()
    {
        var world = new World().Nodes("orders", "1.3.0", 2).Current("orders", "1.3.0").Nodes("payments", "1.1.0", 2).Current("payments", "1.1.0");
        world.StartRollout("payments", "1.0.0");

        var refusal = world.Decide().Refusal(GuaranteeId.G5).ShouldNotBeNull();

        refusal.Blockers.Single().Kind.ShouldBe(BlockerKind.Caller);
        refusal.Blockers.Single().Id.ShouldBe("orders@1.3.0");
    }

    [Fact]
    public void data_phase_is_refused_while_a_related_rollout_is_in_flight()
    {
        var world = new World().Nodes("orders", "1.0.0", 2).Current("orders", "1.0.0").Nodes("payments", "1.0.0", 1).Current("payments", "1.0.0")
            .Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete);
        world.State.Rollouts.Add(new Rollout("orders-1.1.0-1", "orders", "1.0.0", "1.1.0", RolloutPhase.Baking, world.Now, 0, ["orders-1"]));
        world.RunPhase("contact-email", DataPhaseKind.Backfill);

        var decisions = world.Decide();

        decisions.Refusal(GuaranteeId.G5).ShouldNotBeNull().Blockers.Single().Id.ShouldBe("orders-1.1.0-1");
        decisions.Of<RunDataPhase>().ShouldBeEmpty();
    }

    [Fact]
    public void two_phases_never_run_on_one_store_at_once()
    {
        var world = new World().Nodes("orders", "1.0.0", 1).Current("orders", "1.0.0")
            .Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Running);
        world.RunPhase("contact-email", DataPhaseKind.Backfill);

        var decisions = world.Decide();

        decisions.Refusal(GuaranteeId.G5).ShouldNotBeNull().Blockers.Single().Detail.ShouldContain("expand is running on orders-db");
    }
}
