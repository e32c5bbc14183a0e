using Stepwise.Core.Config;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Core.Tests.Fleet;

public class FleetSummaryTests
{
    private const string Yaml = "version: 1\nservices:\n  - name: orders\n    releases:\n      - version: 1.0.0\n      - version: 1.1.0\n      - version: 1.2.0\n";

    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Node N(string id, string? release, NodeState state = NodeState.Active) => new(id, "orders", release, null, Now, NodeHealth.Healthy, state);

    [Fact]
    public void before_any_rollout_the_current_release_is_what_most_nodes_run_as_decide_has_it()
    {
        var config = ConfigLoader.Parse(Yaml, "stepwise.yaml");
        var fleet = new[] { N("a", "1.0.0"), N("b", "1.0.0"), N("c", "1.1.0"), N("d", "1.1.0", NodeState.Decommissioned), N("e", null) };

        var orders = FleetSummary.Of(config, ControlState.Empty, fleet).ShouldHaveSingleItem();

        orders.Current.ShouldBe("1.0.0", "two counted nodes run 1.0.0, one 1.1.0 (a decommissioned node does not count)");
        orders.OffCurrent.ShouldHaveSingleItem().ShouldBe(new OffCurrentNode(fleet[2], "1.0.0", "ahead"));
        orders.Span.ShouldBe(2);
        orders.Releases.ShouldBe(2);
        orders.Counts[("1.1.0", NodeState.Decommissioned)].ShouldBe(1);
        orders.Counts[(FleetSummary.NoRelease, NodeState.Active)].ShouldBe(1);
    }

    [Fact]
    public void a_tie_goes_to_the_newer_release_and_a_completed_rollout_decides_the_current_one()
    {
        var config = ConfigLoader.Parse(Yaml, "stepwise.yaml");
        var fleet = new[] { N("a", "1.0.0"), N("b", "1.1.0") };
        FleetSummary.Of(config, ControlState.Empty, fleet).Single().Current.ShouldBe("1.1.0");

        var settled = ControlState.Empty with { Services = [new ServiceStatus("orders", "1.0.0")] };
        var orders = FleetSummary.Of(config, settled, fleet).Single();
        orders.Current.ShouldBe("1.0.0");
        orders.OffCurrent.Single().Position.ShouldBe("ahead");
    }

    [Fact]
    public void a_node_on_its_rollouts_target_is_not_off_the_current_release()
    {
        var config = ConfigLoader.Parse(Yaml, "stepwise.yaml");
        var rolling = ControlState.Empty with
        {
            Services = [new ServiceStatus("orders", "1.1.0")],
            Rollouts = [new Rollout("orders-1.2.0-1", "orders", "1.1.0", "1.2.0", RolloutPhase.Waves, Now, 1, ["b"])],
        };
        var orders = FleetSummary.Of(config, rolling, [N("a", "1.0.0"), N("b", "1.2.0"), N("c", "1.1.0")]).Single();
        orders.Target.ShouldBe("1.2.0");
        orders.OffCurrent.ShouldHaveSingleItem().Node.Id.ShouldBe("a");
        orders.OffCurrent.Single().Position.ShouldBe("behind");
        orders.Span.ShouldBe(3);
    }
}
