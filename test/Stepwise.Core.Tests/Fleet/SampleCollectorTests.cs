using Shouldly;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;
using Xunit;

namespace Stepwise.Core.Tests.Fleet;

public class SampleCollectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Rollout InPhase(RolloutPhase phase) => new("svc-1.1.0-1", "svc", "1.0.0", "1.1.0", phase, T0, phase == RolloutPhase.Waves ? 1 : 0, ["c1"]);

    private static SideSamples Side(SampleCollector c, bool canary)
    {
        var stage = c.Local().ShouldHaveSingleItem();
        return canary ? stage.Canary : stage.Baseline;
    }

    [Theory]
    [InlineData(RolloutPhase.Baking, "1.1.0")]
    [InlineData(RolloutPhase.Waves, "1.1.0")]
    [InlineData(RolloutPhase.RehearsalBake, "1.0.0")]
    public void a_canary_counts_only_while_it_runs_the_release_the_phase_gives_it(RolloutPhase phase, string canaryRelease)
    {
        var c = new SampleCollector();
        c.Track([InPhase(phase)]);
        var other = canaryRelease == "1.1.0" ? "1.0.0" : "1.1.0";

        c.Add("c1", "svc", other, 100, 50, [900]).ShouldBeTrue(); // crashed back onto another build: measures nothing
        Side(c, canary: true).Requests.ShouldBe(0);

        c.Add("c1", "svc", canaryRelease, 100, 1, [10]).ShouldBeTrue();
        Side(c, canary: true).Requests.ShouldBe(100);
        Side(c, canary: true).Errors.ShouldBe(1);
    }

    [Fact]
    public void baseline_counts_only_non_canary_nodes_on_the_old_release()
    {
        var c = new SampleCollector();
        c.Track([InPhase(RolloutPhase.Baking)]);
        c.Add("b1", "svc", "1.0.0", 10, 0, [5]);
        c.Add("b2", "svc", "0.9.0", 10, 0, [5]);
        c.Add("b3", "svc", null, 10, 0, [5]);
        Side(c, canary: false).Requests.ShouldBe(10);
    }
}

public class AnalysisSidesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Node At(string id, string? release, NodeState state = NodeState.Active, string service = "svc") =>
        new(id, service, release, release, T0, NodeHealth.Healthy, state);

    [Theory]
    [InlineData(RolloutPhase.Baking, "1.1.0")]
    [InlineData(RolloutPhase.Waves, "1.1.0")]
    [InlineData(RolloutPhase.RehearsalBake, "1.0.0")]
    public void the_sides_a_query_names_are_the_nodes_a_heartbeat_would_count_for(RolloutPhase phase, string canaryRelease)
    {
        var rollout = new Rollout("svc-1.1.0-1", "svc", "1.0.0", "1.1.0", phase, T0, phase == RolloutPhase.Waves ? 1 : 0, ["c1", "c2"]);
        var other = canaryRelease == "1.1.0" ? "1.0.0" : "1.1.0";
        Node[] nodes =
        [
            At("c1", canaryRelease), At("c2", other), At("b1", "1.0.0"), At("b2", "1.1.0"), At("b3", "1.0.0", NodeState.Offline),
            At("b4", "1.0.0", NodeState.Decommissioned), At("x1", "1.0.0", service: "other"), At("b5", null),
        ];
        var (canary, baseline) = SampleCollector.Sides(rollout, nodes);

        // The same rule as a heartbeat's: each node that reports lands on the side SideOf gives it.
        var collector = new SampleCollector();
        collector.Track([rollout]);
        foreach (var n in nodes.Where(n => n.Service == "svc" && n.State is not (NodeState.Offline or NodeState.Decommissioned)))
        {
            collector.Add(n.Id, "svc", n.ActualRelease, 1, 0, []);
        }
        var stage = collector.Local().ShouldHaveSingleItem();
        canary.Count.ShouldBe((int)stage.Canary.Requests);
        baseline.Count.ShouldBe((int)stage.Baseline.Requests);
        canary.ShouldBe(["c1"]);
        baseline.ShouldBe(["b1"]); // b2 is on N+1, b3 offline, b4 decommissioned, b5 reports no release
        collector.Tracked().ShouldHaveSingleItem().Id.ShouldBe(rollout.Id);
    }
}
