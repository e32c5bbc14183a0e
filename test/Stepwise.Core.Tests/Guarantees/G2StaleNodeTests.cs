using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Guarantees;

public class G2StaleNodeTests
{
    private static World FleetOnCatalog12WithReturningNode()
    {
        var world = new World().Nodes("catalog", "1.2.0", 3).Nodes("catalog", "1.0.0", 1, prefix: "back").Current("catalog", "1.2.0");
        // back-4 was offline during the push and now heartbeats again on its old release.
        world.State.Update("back-4", n => n with { State = NodeState.Offline, StateSince = world.Now - TimeSpan.FromHours(1), LastHeartbeat = world.Now });
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
    public void a_node_admitted_in_this_decision_raises_no_offline_alert()
    {
        // New and returning nodes wait in Offline for admission; one that reports a sanctioned release is admitted
        // in the decision that sees its heartbeat, so the fleet has no offline node to alert on.
        var world = new World().Nodes("catalog", "1.2.0", 3).Nodes("catalog", "1.2.0", 1, prefix: "back").Current("catalog", "1.2.0");
        world.State.Update("back-4", n => n with { State = NodeState.Offline, StateSince = world.Now - TimeSpan.FromHours(1), LastHeartbeat = world.Now });

        var decisions = world.Step();

        decisions.Of<AdmitNode>().ShouldHaveSingleItem().Node.ShouldBe("back-4");
        decisions.Of<RaiseAlert>().ShouldNotContain(a => a.Alert.Key == "offline:catalog");
        world.State.Alerts.ShouldNotContain(a => a.Key == "offline:catalog");
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
        // The incident ends once the node has served for the quiet period, not the moment it is released.
        decisions.Of<ClearAlert>().ShouldNotContain(c => c.Key == "quarantine:back-4");
        world.Advance(world.State.Config.Policy.QuietPeriod);
        world.Step().Of<ClearAlert>().ShouldContain(c => c.Key == "quarantine:back-4");
    }

    [Fact]
    public void a_decommissioned_node_stays_out_whatever_it_reports_until_an_operator_enables_it()
    {
        var world = new World().Nodes("catalog", "1.2.0", 3).Current("catalog", "1.2.0");
        world.State.Update("catalog-3", n => n with { State = NodeState.Decommissioned, StateSince = world.Now - TimeSpan.FromHours(1) });
        world.Advance(TimeSpan.FromSeconds(10)); // its agent still heartbeats, on a sanctioned release
        world.State.Update("catalog-3", n => n with { LastHeartbeat = world.Now });

        var decisions = world.Step();

        decisions.Of<AdmitNode>().ShouldBeEmpty();
        world.Node("catalog-3").State.ShouldBe(NodeState.Decommissioned);
        world.Node("catalog-3").MayServe.ShouldBeFalse();

        // Enabled while it heartbeats on a sanctioned release: it rejoins in the same decision.
        world.Request(RequestKind.EnableNode, node: "catalog-3");
        var enabled = world.Step();
        enabled.Of<EnableNode>().ShouldHaveSingleItem().Node.ShouldBe("catalog-3");
        enabled.Of<AdmitNode>().ShouldHaveSingleItem().Node.ShouldBe("catalog-3");
        world.Node("catalog-3").MayServe.ShouldBeTrue();
    }

    [Fact]
    public void a_node_enabled_on_a_release_outside_the_window_is_quarantined_in_the_same_decision()
    {
        var world = new World().Nodes("catalog", "1.2.0", 3).Nodes("catalog", "1.0.0", 1, prefix: "old").Current("catalog", "1.2.0");
        world.State.Update("old-4", n => n with { State = NodeState.Decommissioned, StateSince = world.Now - TimeSpan.FromHours(1) });

        world.Request(RequestKind.EnableNode, node: "old-4");
        var decisions = world.Step();

        decisions.Of<QuarantineNode>().ShouldHaveSingleItem().Node.ShouldBe("old-4");
        world.Node("old-4").State.ShouldBe(NodeState.Quarantined);
        world.Node("old-4").DesiredRelease.ShouldBe("1.2.0");
    }

    [Fact]
    public void offline_nodes_and_nodes_outside_the_window_raise_an_alert_even_when_no_rollout_runs()
    {
        var world = new World().Nodes("catalog", "1.2.0", 3).Nodes("catalog", "1.1.0", 1, prefix: "old").Current("catalog", "1.2.0");
        world.Offline("old-4");
        world.State.Update("old-4", n => n with { LastHeartbeat = world.Now - TimeSpan.FromHours(1) });

        var alerts = world.Step().Of<RaiseAlert>().Select(a => a.Alert).ToList();

        world.State.Rollouts.ShouldBeEmpty();
        alerts.ShouldContain(a => a.Key == "offline:catalog" && a.Message.Contains("old-4") && a.Guarantee == GuaranteeId.G2);
        alerts.ShouldContain(a => a.Key == "outside-window:catalog" && a.Message.Contains("old-4 (1.1.0)"));
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
