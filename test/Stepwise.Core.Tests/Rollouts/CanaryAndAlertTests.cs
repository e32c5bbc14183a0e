using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Rollouts;

/// <summary>Rollouts never hang silently: lost canaries are replaced, what cannot progress is reported, alerts have hysteresis.</summary>
public class CanaryAndAlertTests
{
    private static (World World, Rollout Rollout) CatalogCanary()
    {
        var world = new World().Nodes("catalog", "1.0.0", 4).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");
        world.Step();
        return (world, world.Rollout("catalog")!);
    }

    [Fact]
    public void a_decommissioned_canary_is_replaced_and_the_canary_stage_starts_again()
    {
        var (world, rollout) = CatalogCanary();
        var canary = rollout.CanaryNodes.Single();
        world.Converge();
        world.Step(); // baking
        world.Decommissioned(canary);

        var replaced = world.Step().Of<ReplaceCanary>().ShouldHaveSingleItem();

        replaced.Replaced.ShouldBe([canary]);
        var now = world.Rollout("catalog")!;
        now.Phase.ShouldBe(RolloutPhase.Canary);
        now.CanaryNodes.ShouldHaveSingleItem().ShouldNotBe(canary);
        world.Node(now.CanaryNodes[0]).DesiredRelease.ShouldBe("1.1.0");
    }

    [Fact]
    public void a_lost_canary_is_replaced_by_a_node_that_joined_by_heartbeat_and_never_had_a_release_named()
    {
        var world = new World().Nodes("catalog", "1.0.0", 4, admitted: true).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");
        world.Step();
        var canary = world.Rollout("catalog")!.CanaryNodes.Single();
        world.Converge();
        world.Step(); // baking
        world.Decommissioned(canary);

        world.Step().Of<ReplaceCanary>().ShouldHaveSingleItem().Replaced.ShouldBe([canary]);
        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Canary);
    }

    [Fact]
    public void an_offline_canary_is_replaced_by_a_live_node_on_n_and_told_to_go_back_to_n()
    {
        var (world, rollout) = CatalogCanary();
        var canary = rollout.CanaryNodes.Single();
        world.Offline(canary);

        world.Step().Of<ReplaceCanary>().ShouldHaveSingleItem().Replaced.ShouldBe([canary]);

        world.Node(canary).DesiredRelease.ShouldBe("1.0.0");
    }

    [Fact]
    public void a_rollout_with_no_canary_left_and_no_spare_raises_one_stuck_alert_after_stuck_after()
    {
        var world = new World().Nodes("catalog", "1.0.0", 1).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");
        world.Step();
        world.Offline("catalog-1");

        world.Step().Of<ReplaceCanary>().ShouldBeEmpty();
        world.Advance(world.State.Config.Policy.StuckAfter + TimeSpan.FromMinutes(1));
        var alerts = world.Step().Of<RaiseAlert>().Where(a => a.Alert.Key.StartsWith("stuck:", StringComparison.Ordinal)).ToList();

        alerts.ShouldHaveSingleItem().Alert.Message.ShouldContain("catalog-1 (offline)");
        world.Step().Of<RaiseAlert>().ShouldNotContain(a => a.Alert.Key.StartsWith("stuck:", StringComparison.Ordinal) && !a.Update);
    }

    [Fact]
    public void an_alert_that_flickers_within_the_quiet_period_is_one_incident_raised_once_and_cleared_once()
    {
        var world = new World().Nodes("catalog", "1.2.0", 3).Current("catalog", "1.2.0");
        var raised = 0;
        var cleared = 0;
        void Count(Decisions.Decisions d)
        {
            raised += d.Of<RaiseAlert>().Count(a => a.Alert.Key == "offline:catalog" && !a.Update);
            cleared += d.Of<ClearAlert>().Count(a => a.Key == "offline:catalog");
        }
        for (var flicker = 0; flicker < 3; flicker++)
        {
            world.Offline("catalog-3");
            Count(world.Step());
            world.Advance(TimeSpan.FromSeconds(20));
            world.State.Update("catalog-3", n => n with { LastHeartbeat = world.Now });
            Count(world.Step()); // back: admitted
            world.Advance(TimeSpan.FromSeconds(20));
        }
        raised.ShouldBe(1);
        cleared.ShouldBe(0);

        Count(world.Step()); // gone: the quiet period starts
        cleared.ShouldBe(0);
        world.Advance(world.State.Config.Policy.QuietPeriod);
        Count(world.Step());
        cleared.ShouldBe(1);
    }

    [Fact]
    public void after_a_controller_start_heartbeats_it_could_not_receive_do_not_mark_nodes_offline()
    {
        var world = new World().Nodes("catalog", "1.2.0", 3).Current("catalog", "1.2.0");
        // The controller was down for three heartbeat timeouts: the stored heartbeats are stale.
        world.Now += world.State.Config.Policy.HeartbeatTimeout * 3;
        var snapshot = world.State.CopySnapshot() with { LivenessFrom = world.Now };

        Decider.Decide(snapshot, world.Now).Of<MarkNodeOffline>().ShouldBeEmpty();
        Decider.Decide(snapshot, world.Now + world.State.Config.Policy.HeartbeatTimeout + TimeSpan.FromSeconds(1)).Of<MarkNodeOffline>().Count().ShouldBe(3);
    }
}
