using Stepwise.Core.Analysis;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Rollouts;

/// <summary>A stage's analysis is judged once per <c>analysis.interval</c> and when the stage is about to end, never on every tick.</summary>
public class AnalysisIntervalTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(10);

    private static readonly string Yaml = AnalysedApi.Yaml(interval: "2m", waves: "[50, 100]");

    private static (World World, string Rollout) Baking() => AnalysedApi.Baking(Yaml, nodes: 6);

    private static void Samples(World world, string rollout, RolloutPhase stage, double canaryShift)
    {
        world.State.Samples.RemoveAll(s => s.Rollout == rollout && s.Stage == stage);
        world.State.Samples.Add(AnalysedApi.Latency(rollout, canaryShift, stage));
    }

    [Fact]
    public void a_stage_is_judged_when_it_starts_and_then_once_per_interval_not_on_every_tick()
    {
        var (world, id) = Baking();
        Samples(world, id, RolloutPhase.Baking, canaryShift: 0);

        var judged = new List<DateTimeOffset>();
        var until = world.Now + TimeSpan.FromMinutes(9);
        while (world.Now < until)
        {
            if (world.Step().Of<RecordAnalysis>().Any())
            {
                judged.Add(world.Now);
            }
            world.Advance(Tick);
        }

        judged.Count.ShouldBeGreaterThan(1);
        judged.Zip(judged.Skip(1), (a, b) => b - a).ShouldAllBe(gap => gap >= Interval && gap < Interval + Tick);
        world.Rollout("api")!.AnalysedAt.ShouldBe(judged[^1]);
    }

    [Fact]
    public void samples_that_turn_bad_between_judgments_roll_back_at_the_next_judgment_at_most_one_interval_later()
    {
        var (world, id) = Baking();
        Samples(world, id, RolloutPhase.Baking, canaryShift: 0);
        world.Step().Of<RecordAnalysis>().ShouldHaveSingleItem().Verdict.ShouldBe(AnalysisVerdict.Pass);
        var passedAt = world.Now;

        Samples(world, id, RolloutPhase.Baking, canaryShift: 60);
        world.Advance(Tick);
        while (world.Now - passedAt < Interval)
        {
            var quiet = world.Step();
            quiet.Of<RecordAnalysis>().ShouldBeEmpty();
            quiet.Of<RollBackRollout>().ShouldBeEmpty();
            world.Advance(Tick);
        }
        var decisions = world.Step();

        decisions.Of<RecordAnalysis>().ShouldHaveSingleItem().Verdict.ShouldBe(AnalysisVerdict.Fail);
        decisions.Of<RollBackRollout>().ShouldHaveSingleItem();
        world.Rollout("api")!.Phase.ShouldBe(RolloutPhase.RollingBack);
        world.Rollout("api")!.AnalysedAt.ShouldBeNull("a new phase starts without a judgment");
    }

    [Fact]
    public void the_end_of_a_bake_is_judged_even_within_an_interval_of_the_last_judgment()
    {
        var (world, id) = Baking();
        Samples(world, id, RolloutPhase.Baking, canaryShift: 0);
        var bakeStarted = world.Rollout("api")!.PhaseSince;
        world.Advance(TimeSpan.FromMinutes(10) - Tick);
        world.Step().Of<RecordAnalysis>().ShouldHaveSingleItem();

        Samples(world, id, RolloutPhase.Baking, canaryShift: 60);
        world.Advance(Tick);
        (world.Now - bakeStarted).ShouldBe(TimeSpan.FromMinutes(10));
        var decisions = world.Step();

        decisions.Of<RecordAnalysis>().ShouldHaveSingleItem().Verdict.ShouldBe(AnalysisVerdict.Fail);
        decisions.Of<AdvanceRollout>().ShouldBeEmpty("a canary never advances on a judgment older than its bake");
        world.Rollout("api")!.Phase.ShouldBe(RolloutPhase.RollingBack);
    }

    [Fact]
    public void waves_are_judged_once_per_interval_and_before_each_wave_ends()
    {
        var world = new World(Yaml).Nodes("api", "1.0.0", 6).Current("api", "1.0.0");
        world.StartRollout("api", "2.0.0");
        var id = world.Rollout("api")?.Id;
        var steps = 0;
        while (world.Rollout("api") is not { Phase: RolloutPhase.Waves } && steps++ < 500)
        {
            id = world.Rollout("api")?.Id;
            if (id is not null)
            {
                Samples(world, id, RolloutPhase.Baking, 0);
                Samples(world, id, RolloutPhase.RehearsalBake, 0);
            }
            world.Step();
            world.Converge();
            world.Advance(Tick);
        }
        id = world.Rollout("api")!.Id;
        Samples(world, id, RolloutPhase.Waves, canaryShift: 0);

        var judgedInWave = new List<(int Wave, DateTimeOffset At)>();
        steps = 0;
        while (world.Rollout("api")!.InFlight && steps++ < 500)
        {
            var wave = world.Rollout("api")!.Wave;
            var decisions = world.Step();
            if (decisions.Of<RecordAnalysis>().Any(r => r.Stage == RolloutPhase.Waves))
            {
                judgedInWave.Add((wave, world.Now));
            }
            if (decisions.Of<AdvanceRollout>().Any(a => a.From == RolloutPhase.Waves))
            {
                judgedInWave.ShouldNotBeEmpty();
                judgedInWave[^1].At.ShouldBe(world.Now, "a wave ends on a judgment taken at that tick");
            }
            world.Converge();
            world.Advance(Tick);
        }

        world.Rollout("api")!.Phase.ShouldBe(RolloutPhase.Complete);
        foreach (var wave in judgedInWave.GroupBy(j => j.Wave))
        {
            var times = wave.Select(j => j.At).ToList();
            // Within a wave, judgments are an interval apart, except the one that ends it.
            times.Zip(times.Skip(1), (a, b) => b - a).SkipLast(1).ShouldAllBe(gap => gap >= Interval);
        }
        judgedInWave.Count.ShouldBeLessThan((int)(TimeSpan.FromMinutes(10) / Tick), "far fewer judgments than ticks");
    }
}
