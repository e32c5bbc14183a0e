using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Guarantees;

public class G3DataBeforeCodeTests
{
    private static World Orders() =>
        new World().Nodes("orders", "1.0.0", 4).Current("orders", "1.0.0").Nodes("payments", "1.0.0", 2).Current("payments", "1.0.0");

    /// <summary>orders on 1.2.0 (reads both shapes), payments on 1.1.0 (provides refunds): ready for 1.3.0 but for the data.</summary>
    private static World OrdersOn12() =>
        new World().Nodes("orders", "1.2.0", 4).Current("orders", "1.2.0").Nodes("payments", "1.1.0", 2).Current("payments", "1.1.0");

    [Fact]
    public void code_needing_expand_is_refused_until_expand_and_backfill_complete_and_baked()
    {
        // Nothing has run: refused, naming the store and both phases.
        var world = OrdersOn12();
        world.StartRollout("orders", "1.3.0");
        var refusal = world.Decide().Refusal(GuaranteeId.G3).ShouldNotBeNull();
        refusal.Blockers.Select(b => b.Detail).ShouldBe(["contact-email expand: pending", "contact-email backfill: pending"]);
        refusal.Blockers.ShouldAllBe(b => b.Kind == BlockerKind.Store && b.Id == "orders-db");

        // Expand done and baked, backfill still running: refused.
        world = OrdersOn12().Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete)
            .Phase("contact-email", DataPhaseKind.Backfill, DataPhaseState.Running);
        world.StartRollout("orders", "1.3.0");
        world.Decide().Refusal(GuaranteeId.G3).ShouldNotBeNull().Blockers.Single().Detail.ShouldBe("contact-email backfill: running");

        // Both complete, but the backfill finished 3 minutes ago (bake is 10 minutes): refused until it has baked.
        world = OrdersOn12().Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete)
            .Phase("contact-email", DataPhaseKind.Backfill, DataPhaseState.Complete, completedAgo: TimeSpan.FromMinutes(3));
        world.StartRollout("orders", "1.3.0");
        var baking = world.Decide().Refusal(GuaranteeId.G3).ShouldNotBeNull();
        baking.Blockers.Single().Detail.ShouldStartWith("contact-email backfill: complete, baking until");
        baking.Unblock.ShouldContain("bake");

        // Seven minutes later it has baked: the rollout starts.
        world.Advance(TimeSpan.FromMinutes(7));
        var decisions = world.Decide();
        decisions.Refusal(GuaranteeId.G3).ShouldBeNull();
        decisions.Started("orders").ShouldBeTrue();
    }

    [Fact]
    public void a_release_that_reads_both_shapes_needs_only_the_expand()
    {
        var world = Orders().Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete, completedAgo: TimeSpan.FromMinutes(30));
        world.StartRollout("orders", "1.1.0");

        var decisions = world.Decide();

        decisions.Refusal(GuaranteeId.G3).ShouldBeNull();
        decisions.Started("orders").ShouldBeTrue();
    }

    [Fact]
    public void backfill_is_refused_before_its_expand()
    {
        var world = Orders();
        world.RunPhase("contact-email", DataPhaseKind.Backfill);

        var decisions = world.Decide();

        decisions.Refusal(GuaranteeId.G3).ShouldNotBeNull().Unblock.ShouldContain("expand");
        decisions.Of<RunDataPhase>().ShouldBeEmpty();
    }

    [Fact]
    public void expand_runs_when_nothing_blocks_it()
    {
        var world = Orders();
        world.RunPhase("contact-email", DataPhaseKind.Expand);

        var decisions = world.Decide();

        decisions.Refusals.ShouldBeEmpty();
        decisions.Of<RunDataPhase>().Single().Phase.ShouldBe(DataPhaseKind.Expand);
    }
}
