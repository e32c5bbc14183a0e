using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Guarantees;

public class G1VersionWindowTests
{
    [Fact]
    public void rollout_to_n_plus_1_is_allowed_when_every_node_runs_n()
    {
        var world = new World().Nodes("catalog", "1.0.0", 4).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");

        var decisions = world.Decide();

        decisions.Refusals.ShouldBeEmpty();
        decisions.Started("catalog").ShouldBeTrue();
    }

    [Fact]
    public void rollout_to_n_plus_2_is_refused_while_a_node_runs_n()
    {
        var world = new World().Nodes("catalog", "1.0.0", 4).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.2.0");

        var decisions = world.Decide();

        var refusal = decisions.Refusal(GuaranteeId.G1).ShouldNotBeNull();
        refusal.BlockerCount.ShouldBe(4);
        refusal.Blockers.ShouldAllBe(b => b.Kind == BlockerKind.Node && b.Detail.StartsWith("1.0.0"));
        refusal.Describe().ShouldStartWith("refused (G1 version-window): catalog 1.2.0");
        refusal.Unblock.ShouldContain("1.1.0");
        decisions.Started("catalog").ShouldBeFalse();
        decisions.Of<CompleteRequest>().Single().Accepted.ShouldBeFalse();
    }

    [Fact]
    public void an_offline_node_still_blocks_n_plus_2()
    {
        var world = new World().Nodes("catalog", "1.1.0", 3).Nodes("catalog", "1.0.0", 1, prefix: "old").Current("catalog", "1.1.0");
        world.Offline("old-4", since: TimeSpan.FromHours(3));
        world.StartRollout("catalog", "1.2.0");

        var decisions = world.Decide();

        var refusal = decisions.Refusal(GuaranteeId.G1).ShouldNotBeNull();
        refusal.Blockers.Single().Id.ShouldBe("old-4");
        refusal.Blockers.Single().Detail.ShouldBe("1.0.0, offline");
        refusal.Unblock.ShouldContain("offline");
        decisions.Started("catalog").ShouldBeFalse();
    }

    [Fact]
    public void a_decommissioned_node_no_longer_blocks_n_plus_1_of_the_rest()
    {
        var world = new World().Nodes("catalog", "1.1.0", 3).Nodes("catalog", "1.0.0", 1, prefix: "old").Current("catalog", "1.1.0");
        world.Decommissioned("old-4");
        world.StartRollout("catalog", "1.2.0");

        var decisions = world.Decide();

        decisions.Refusal(GuaranteeId.G1).ShouldBeNull();
        decisions.Started("catalog").ShouldBeTrue();
    }

    [Fact]
    public void a_second_rollout_while_one_is_in_flight_names_the_rollout_to_finish()
    {
        var world = new World().Nodes("catalog", "1.0.0", 4).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");
        world.Step();
        world.Converge();
        world.StartRollout("catalog", "1.2.0");

        var decisions = world.Decide();

        decisions.Refusal(GuaranteeId.G1).ShouldNotBeNull().Unblock.ShouldContain("finish or roll back the 1.0.0 -> 1.1.0 rollout");
        decisions.Refusal(GuaranteeId.G5).ShouldNotBeNull();
    }

    [Fact]
    public void skew_across_three_releases_raises_an_alert_and_clears_once_gone_for_the_quiet_period()
    {
        var world = new World().Nodes("catalog", "1.2.0", 2).Nodes("catalog", "1.0.0", 1, prefix: "old").Current("catalog", "1.2.0");
        world.State.Update("old-3", n => n with { State = NodeState.Active });

        var first = world.Step();

        first.Of<RaiseAlert>().ShouldContain(a => a.Alert.Key == "skew:catalog" && a.Alert.Guarantee == GuaranteeId.G1);
        // The stale node is quarantined and moved forward; once it runs 1.2.0 the skew is gone.
        world.Converge();
        var quiet = world.Step();
        quiet.Of<ClearAlert>().ShouldNotContain(c => c.Key == "skew:catalog");
        quiet.Of<RaiseAlert>().ShouldContain(a => a.Alert.Key == "skew:catalog" && a.Update && a.Alert.QuietSince == world.Now);
        world.Advance(world.State.Config.Policy.QuietPeriod);
        var cleared = world.Step().Of<ClearAlert>().Where(c => c.Key == "skew:catalog").ShouldHaveSingleItem();
        cleared.Alert.ShouldNotBeNull().Severity.ShouldBe(AlertSeverity.Critical);
    }

    [Fact]
    public void a_node_decommissioned_in_the_same_call_no_longer_counts_for_the_skew_alert()
    {
        var world = new World().Nodes("catalog", "1.2.0", 2).Nodes("catalog", "1.0.0", 1, prefix: "old").Current("catalog", "1.2.0");
        world.State.Update("old-3", n => n with { State = NodeState.Active });
        world.Request(RequestKind.DecommissionNode, node: "old-3");

        var decisions = world.Decide();

        decisions.Of<DecommissionNode>().ShouldContain(d => d.Node == "old-3");
        decisions.Of<RaiseAlert>().ShouldNotContain(a => a.Alert.Key == "skew:catalog");
    }

    [Fact]
    public void a_decommissioned_node_enabled_in_the_same_call_counts_for_the_skew_alert_again()
    {
        var world = new World().Nodes("catalog", "1.2.0", 2).Nodes("catalog", "1.0.0", 1, prefix: "old").Current("catalog", "1.2.0");
        world.State.Update("old-3", n => n with { State = NodeState.Decommissioned });
        world.Decide().Of<RaiseAlert>().ShouldNotContain(a => a.Alert.Key == "skew:catalog");
        world.Request(RequestKind.EnableNode, node: "old-3");

        var decisions = world.Decide();

        decisions.Of<RaiseAlert>().ShouldContain(a => a.Alert.Key == "skew:catalog");
    }
}
