using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Guarantees;

public class G7RollbackRehearsedTests
{
    private static World Catalog(int nodes = 10)
    {
        var world = new World().Nodes("catalog", "1.0.0", nodes).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");
        return world;
    }

    private static List<RolloutPhase> Phases(IEnumerable<Decisions.Decisions> all) =>
        all.Of<AdvanceRollout>().Select(a => a.To).ToList();

    [Fact]
    public void rollout_walks_canary_bake_rehearsal_rerelease_waves_complete()
    {
        var world = Catalog();

        var all = world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.Complete });

        Phases(all).ShouldBe([
            RolloutPhase.Baking, RolloutPhase.Rehearsing, RolloutPhase.RehearsalBake, RolloutPhase.Rereleasing,
            RolloutPhase.Waves, RolloutPhase.Waves, RolloutPhase.Complete]);
        world.State.Nodes.ShouldAllBe(n => n.ActualRelease == "1.1.0");
        world.State.Services.Single(s => s.Service == "catalog").Current.ShouldBe("1.1.0");
        // The canary went to 1.1.0, back to 1.0.0 (rehearsal), and to 1.1.0 again; nobody else moved before the waves.
        var canary = world.Rollout("catalog")!.CanaryNodes.Single();
        all.Of<SetDesiredRelease>().Where(s => s.Nodes.Contains(canary)).Select(s => s.Release).ShouldBe(["1.1.0", "1.0.0", "1.1.0"]);
        var firstWave = all.TakeWhile(d => !d.Of<AdvanceRollout>().Any(a => a.To == RolloutPhase.Waves)).Of<SetDesiredRelease>().SelectMany(s => s.Nodes).Distinct();
        firstWave.ShouldBe([canary]);
    }

    [Fact]
    public void no_node_is_told_the_same_release_twice()
    {
        var world = Catalog();

        var all = world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.Complete });

        // Consecutive instructions to one node always differ.
        foreach (var group in all.Of<SetDesiredRelease>().SelectMany(s => s.Nodes.Select(n => (Node: n, s.Release))).GroupBy(x => x.Node))
        {
            var releases = group.Select(x => x.Release).ToList();
            releases.Zip(releases.Skip(1)).ShouldAllBe(p => p.First != p.Second);
        }
    }

    [Fact]
    public void unhealthy_canary_rolls_back_by_itself()
    {
        var world = Catalog();
        world.Step();
        world.Converge();
        var canary = world.Rollout("catalog")!.CanaryNodes.Single();
        world.State.Update(canary, n => n with { Health = NodeHealth.Unhealthy });

        var decisions = world.Step();

        decisions.Of<RollBackRollout>().Single().Reason.ShouldContain("unhealthy");
        decisions.Of<SetDesiredRelease>().ShouldContain(s => s.Nodes.Contains(canary) && s.Release == "1.0.0");
        decisions.Of<RaiseAlert>().ShouldContain(a => a.Alert.Key.StartsWith("rolled-back:"));
        world.State.Update(canary, n => n with { Health = NodeHealth.Healthy });
        world.Converge();
        world.Step().Of<AdvanceRollout>().Single().To.ShouldBe(RolloutPhase.RolledBack);
        world.State.Nodes.ShouldAllBe(n => n.ActualRelease == "1.0.0");
    }

    [Fact]
    public void promotion_past_the_canary_is_refused_without_an_override()
    {
        var world = Catalog();
        world.Step();
        world.Converge();
        world.Request(RequestKind.PromoteRollout, rollout: world.Rollout("catalog")!.Id);

        var decisions = world.Step();

        var refusal = decisions.Refusal(GuaranteeId.G7).ShouldNotBeNull();
        refusal.Subject.ShouldBe($"rehearsal {world.Rollout("catalog")!.Id}");
        refusal.Unblock.ShouldContain("override");
        decisions.Of<AdvanceRollout>().ShouldNotContain(a => a.To == RolloutPhase.Waves);
    }

    [Fact]
    public void the_rehearsal_is_skipped_only_with_a_recorded_override()
    {
        var world = Catalog();
        world.Step();
        var id = world.Rollout("catalog")!.Id;
        world.State.Overrides.Add(new Override("ovr-1", GuaranteeId.G7, $"rehearsal {id}", "hotfix for an outage; rehearsed on staging", "alice", world.Now));

        var all = world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.Complete });

        Phases(all).ShouldNotContain(RolloutPhase.Rehearsing);
        var used = all.Of<UseOverride>().Single();
        used.Override.ShouldBe("ovr-1");
        used.Reason.ShouldContain("alice");
        used.Reason.ShouldContain("hotfix");
    }

    [Fact]
    public void the_final_wave_waits_for_an_offline_node()
    {
        var world = Catalog(4);
        world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.Waves, Wave: 2 });
        var straggler = world.State.Nodes.First(n => n.DesiredRelease == "1.0.0");
        world.Offline(straggler.Id, since: TimeSpan.Zero);

        world.RunUntil(w => false, maxSteps: 30);

        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Waves);
        world.Node(straggler.Id).DesiredRelease.ShouldBe("1.1.0"); // told, and it will get it when it returns

        world.State.Update(straggler.Id, n => n with { LastHeartbeat = world.Now, ActualRelease = "1.1.0" });
        world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.Complete }, maxSteps: 10);
        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Complete);
    }

    [Fact]
    public void a_stuck_rollout_raises_an_alert_naming_the_nodes_it_waits_for()
    {
        var world = Catalog(4);
        world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.Waves, Wave: 2 });
        var straggler = world.State.Nodes.First(n => n.DesiredRelease == "1.0.0");
        world.Offline(straggler.Id, since: TimeSpan.Zero);

        var all = world.RunUntil(w => false, maxSteps: 90);

        all.Of<RaiseAlert>().ShouldContain(a => a.Alert.Key.StartsWith("stuck:") && a.Alert.Message.Contains(straggler.Id));
    }

    [Fact]
    public void unhealthy_canary_back_on_n_fails_the_rehearsal()
    {
        var world = Catalog();
        world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.RehearsalBake });
        var canary = world.Rollout("catalog")!.CanaryNodes.Single();
        world.State.Update(canary, n => n with { Health = NodeHealth.Unhealthy });

        var decisions = world.Step();

        decisions.Of<AdvanceRollout>().Single().To.ShouldBe(RolloutPhase.Failed);
        decisions.Of<RaiseAlert>().ShouldContain(a => a.Alert.Key.StartsWith("rehearsal-failed:") && a.Alert.Severity == AlertSeverity.Critical);
        world.State.Nodes.ShouldAllBe(n => n.DesiredRelease == "1.0.0");
    }

    [Fact]
    public void an_operator_pause_holds_the_rollout_and_resume_continues_it()
    {
        var world = Catalog();
        world.Step();
        var id = world.Rollout("catalog")!.Id;
        world.Request(RequestKind.PauseRollout, rollout: id);
        world.Step();
        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Paused);

        var held = world.RunUntil(w => false, maxSteps: 20);
        held.Of<AdvanceRollout>().ShouldBeEmpty();

        world.Request(RequestKind.ResumeRollout, rollout: id);
        world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.Complete });
        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Complete);
    }

    [Fact]
    public void abort_rolls_back_and_ends_aborted()
    {
        var world = Catalog();
        world.RunUntil(w => w.Rollout("catalog") is { Phase: RolloutPhase.Waves });
        world.Request(RequestKind.AbortRollout, rollout: world.Rollout("catalog")!.Id);

        world.RunUntil(w => w.Rollout("catalog")!.IsTerminal);

        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Aborted);
        world.State.Nodes.ShouldAllBe(n => n.ActualRelease == "1.0.0");
    }
}

public class CanaryAnalysisInDecideTests
{
    private static readonly string Yaml = AnalysedApi.Yaml(interval: "1m", waves: "[100]");

    private static (World World, string Rollout) Baking() => AnalysedApi.Baking(Yaml, nodes: 5);

    private static RolloutSamples Latency(string rollout, double canaryShift, RolloutPhase stage = RolloutPhase.Baking, double? poison = null) =>
        AnalysedApi.Latency(rollout, canaryShift, stage, poison);

    [Fact]
    public void a_failed_canary_analysis_rolls_back_at_once_without_waiting_for_the_bake()
    {
        var (world, id) = Baking();
        world.State.Samples.Add(Latency(id, canaryShift: 60));
        world.Advance(TimeSpan.FromMinutes(1));

        var decisions = world.Step();

        decisions.Of<RecordAnalysis>().Single().Verdict.ShouldBe(Core.Analysis.AnalysisVerdict.Fail);
        decisions.Of<RollBackRollout>().Single().Reason.ShouldStartWith("canary analysis failed");
        world.Rollout("api")!.Phase.ShouldBe(RolloutPhase.RollingBack);
    }

    [Fact]
    public void a_passing_canary_analysis_moves_on_to_the_rehearsal_after_the_bake()
    {
        var (world, id) = Baking();
        world.State.Samples.Add(Latency(id, canaryShift: 0));

        world.Advance(TimeSpan.FromMinutes(5));
        world.Step().Of<AdvanceRollout>().ShouldBeEmpty(); // still baking
        world.Advance(TimeSpan.FromMinutes(6));
        var decisions = world.Step();

        decisions.Of<RecordAnalysis>().Single().Verdict.ShouldBe(Core.Analysis.AnalysisVerdict.Pass);
        decisions.Of<AdvanceRollout>().Single().To.ShouldBe(RolloutPhase.Rehearsing);
    }

    [Fact]
    public void no_analysis_data_pauses_for_a_human_after_the_timeout()
    {
        var (world, _) = Baking();

        world.Advance(TimeSpan.FromMinutes(15));
        world.Step().Of<PauseRollout>().ShouldBeEmpty();
        world.Advance(TimeSpan.FromMinutes(6));
        var decisions = world.Step();

        decisions.Of<PauseRollout>().Single().Reason.ShouldContain("no analysis data");
        world.Rollout("api")!.Phase.ShouldBe(RolloutPhase.Paused);
        world.Step().Of<RaiseAlert>().ShouldContain(a => a.Alert.Key.StartsWith("paused:"));
    }

    [Fact]
    public void a_non_finite_sample_from_an_agent_does_not_stop_decide()
    {
        var (world, id) = Baking();
        world.State.Samples.Add(Latency(id, canaryShift: 60, poison: double.NaN));
        world.Advance(TimeSpan.FromMinutes(1));

        world.Step().Of<RollBackRollout>().ShouldHaveSingleItem();
    }
}
