using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Guarantees;

public class G2StaleNodeTests
{
    private static World FleetOnCatalog12WithReturningNode()
    {
        var world = new World().Nodes("catalog", "1.2.0", 3).Nodes("catalog", "1.0.0", 1, prefix: "back").Current("catalog", "1.2.0");
        // back-4 was decommissioned while away and now heartbeats again on its old release.
        world.State.Update("back-4", n => n with { State = NodeState.Decommissioned, StateSince = world.Now - TimeSpan.FromHours(1), LastHeartbeat = world.Now });
        return world;
    }

    [Fact]
    public void returning_stale_node_is_quarantined_before_it_serves()
    {
        var world = FleetOnCatalog12WithReturningNode();

        var decisions = world.Step();

        var q = decisions.Of<QuarantineNode>().Single();
        q.Node.ShouldBe("back-4");
        q.Reported.ShouldBe("1.0.0");
        decisions.Of<AdmitNode>().ShouldBeEmpty();
        decisions.Of<SetDesiredRelease>().ShouldContain(s => s.Nodes.Contains("back-4") && s.Release == "1.2.0");
        decisions.Of<RaiseAlert>().ShouldContain(a => a.Alert.Key == "quarantine:back-4" && a.Alert.Guarantee == GuaranteeId.G2);
        world.Node("back-4").State.ShouldBe(NodeState.Quarantined);
    }

    [Fact]
    public void quarantined_node_is_released_only_once_it_runs_the_current_release()
    {
        var world = FleetOnCatalog12WithReturningNode();
        world.Step();

        world.Advance(TimeSpan.FromSeconds(10));
        world.Step().Of<ReleaseNode>().ShouldBeEmpty(); // still on 1.0.0

        world.Converge();
        var decisions = world.Step();

        decisions.Of<ReleaseNode>().Single().Node.ShouldBe("back-4");
        world.Node("back-4").State.ShouldBe(NodeState.Active);
        world.Node("back-4").ActualRelease.ShouldBe("1.2.0");
        decisions.Of<ClearAlert>().ShouldContain(c => c.Key == "quarantine:back-4");
    }

    [Fact]
    public void returning_node_inside_the_window_is_admitted()
    {
        var world = new World().Nodes("catalog", "1.1.0", 3).Current("catalog", "1.1.0");
        world.Offline("catalog-2");
        world.State.Update("catalog-2", n => n with { LastHeartbeat = world.Now });

        var decisions = world.Step();

        decisions.Of<AdmitNode>().Single().Node.ShouldBe("catalog-2");
        decisions.Of<QuarantineNode>().ShouldBeEmpty();
    }

    [Fact]
    public void returning_node_one_release_behind_after_a_contract_is_quarantined()
    {
        var world = new World().Nodes("orders", "1.3.0", 3).Nodes("orders", "1.2.0", 1, prefix: "late").Current("orders", "1.3.0")
            .Nodes("payments", "1.1.0", 1).Current("payments", "1.1.0")
            .Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete)
            .Phase("contact-email", DataPhaseKind.Backfill, DataPhaseState.Complete)
            .Phase("contact-email", DataPhaseKind.Contract, DataPhaseState.Complete);
        // late-4 is one release behind (inside G1's bound) but 1.2.0 still writes the dropped column.
        world.Offline("late-4");
        world.State.Update("late-4", n => n with { LastHeartbeat = world.Now });

        var decisions = world.Step();

        var q = decisions.Of<QuarantineNode>().Single();
        q.Node.ShouldBe("late-4");
        q.Reported.ShouldBe("1.2.0");
        decisions.Of<AdmitNode>().ShouldBeEmpty();
    }

    [Fact]
    public void node_without_heartbeat_is_marked_offline()
    {
        var world = new World().Nodes("catalog", "1.0.0", 2).Current("catalog", "1.0.0");
        world.State.Update("catalog-1", n => n with { LastHeartbeat = world.Now - TimeSpan.FromMinutes(2) });

        var decisions = world.Step();

        decisions.Of<MarkNodeOffline>().Single().Node.ShouldBe("catalog-1");
        world.Node("catalog-1").State.ShouldBe(NodeState.Offline);
    }

    [Fact]
    public void long_offline_node_is_decommissioned_only_when_the_policy_says_so()
    {
        var yaml = World.ShopYaml.Replace("stuckAfter: 1h", "stuckAfter: 1h\n  retention:\n    decommissionOfflineAfter: 2h");
        var world = new World(yaml).Nodes("catalog", "1.0.0", 2).Current("catalog", "1.0.0");
        world.Offline("catalog-1", since: TimeSpan.FromHours(3));

        world.Step().Of<DecommissionNode>().Single().Node.ShouldBe("catalog-1");

        var keep = new World().Nodes("catalog", "1.0.0", 2).Current("catalog", "1.0.0");
        keep.Offline("catalog-1", since: TimeSpan.FromDays(3));
        keep.Step().Of<DecommissionNode>().ShouldBeEmpty();
    }
}
