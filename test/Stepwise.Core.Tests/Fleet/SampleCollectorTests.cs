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
