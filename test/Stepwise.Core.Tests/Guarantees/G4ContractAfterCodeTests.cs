using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Guarantees;

public class G4ContractAfterCodeTests
{
    private static World AfterBackfill() =>
        new World().Nodes("payments", "1.1.0", 2).Current("payments", "1.1.0")
            .Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete)
            .Phase("contact-email", DataPhaseKind.Backfill, DataPhaseState.Complete);

    [Fact]
    public void contract_is_refused_while_a_live_node_runs_a_release_using_the_old_shape()
    {
        var world = AfterBackfill().Nodes("orders", "1.3.0", 3).Nodes("orders", "1.1.0", 1, prefix: "lag").Current("orders", "1.3.0");
        world.RunPhase("contact-email", DataPhaseKind.Contract);

        var decisions = world.Decide();

        var refusal = decisions.Refusal(GuaranteeId.G4).ShouldNotBeNull();
        refusal.Blockers.Single().Id.ShouldBe("lag-4");
        refusal.Message.ShouldContain("orders@1.1.0 on lag-4");
        decisions.Of<RunDataPhase>().ShouldBeEmpty();
    }

    [Fact]
    public void contract_is_refused_while_an_offline_node_runs_a_release_using_the_old_shape()
    {
        var world = AfterBackfill().Nodes("orders", "1.3.0", 3).Nodes("orders", "1.1.0", 1, prefix: "away").Current("orders", "1.3.0");
        world.Offline("away-4", since: TimeSpan.FromDays(2));
        world.RunPhase("contact-email", DataPhaseKind.Contract);

        var refusal = world.Decide().Refusal(GuaranteeId.G4).ShouldNotBeNull();

        refusal.Blockers.Single().Detail.ShouldBe("orders@1.1.0, offline");
        refusal.Unblock.ShouldContain("decommission");
    }

    [Fact]
    public void contract_is_refused_while_a_node_is_told_to_run_a_release_using_the_old_shape()
    {
        var world = AfterBackfill().Nodes("orders", "1.3.0", 2).Current("orders", "1.3.0");
        world.State.Update("orders-1", n => n with { DesiredRelease = "1.1.0" });
        world.RunPhase("contact-email", DataPhaseKind.Contract);

        world.Decide().Refusal(GuaranteeId.G4).ShouldNotBeNull().Blockers.Single().Id.ShouldBe("orders-1");
    }

    [Fact]
    public void contract_runs_once_only_decommissioned_nodes_use_the_old_shape()
    {
        var world = AfterBackfill().Nodes("orders", "1.3.0", 3).Nodes("orders", "1.1.0", 1, prefix: "gone").Current("orders", "1.3.0");
        world.Decommissioned("gone-4");
        world.RunPhase("contact-email", DataPhaseKind.Contract);

        var decisions = world.Decide();

        decisions.Refusals.ShouldBeEmpty();
        decisions.Of<RunDataPhase>().Single().Phase.ShouldBe(DataPhaseKind.Contract);
    }

    [Fact]
    public void contract_is_refused_before_the_backfill_completes()
    {
        var world = new World().Nodes("orders", "1.3.0", 2).Current("orders", "1.3.0").Nodes("payments", "1.1.0", 1).Current("payments", "1.1.0")
            .Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete);
        world.RunPhase("contact-email", DataPhaseKind.Contract);

        world.Decide().Refusal(GuaranteeId.G4).ShouldNotBeNull().Blockers.Single().Detail.ShouldBe("contact-email backfill is not complete");
    }

    [Fact]
    public void rolling_back_below_a_contracted_release_is_refused()
    {
        var world = AfterBackfill().Phase("contact-email", DataPhaseKind.Contract, DataPhaseState.Complete)
            .Nodes("orders", "1.3.0", 3).Current("orders", "1.3.0");
        world.StartRollout("orders", "1.2.0");

        var decisions = world.Decide();

        var refusal = decisions.Refusal(GuaranteeId.G4).ShouldNotBeNull();
        refusal.Message.ShouldContain("contact-email");
        refusal.Unblock.ShouldContain("roll forward");
        decisions.Started("orders").ShouldBeFalse();
    }
}
