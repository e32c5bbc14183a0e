using Stepwise.Core.Config;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Rollouts;

/// <summary>Operator gates: a rollout waits at each gate the policy names until an operator approves, and only an approval moves it on.</summary>
public class ApprovalGateTests
{
    private const string Services = "services:\n  - name: a\n    releases:\n      - version: 1.0.0\n";

    private static World Gated(string gates)
    {
        var world = new World(World.ShopYaml.Replace("  stuckAfter: 1h\n", $"  stuckAfter: 1h\n  approve: [{gates}]\n", StringComparison.Ordinal))
            .Nodes("catalog", "1.0.0", 4).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");
        return world;
    }

    private static bool Waiting(World w) => w.Rollout("catalog") is { Phase: RolloutPhase.Paused, WaitsFor: not null } or { InFlight: false };

    [Theory]
    [InlineData(ApprovalGate.AfterCanary, RolloutPhase.Rehearsing)]
    [InlineData(ApprovalGate.AfterRehearsal, RolloutPhase.Rereleasing)]
    [InlineData(ApprovalGate.BeforeWaves, RolloutPhase.Waves)]
    public void a_rollout_waits_at_its_gate_until_approved_then_goes_on_to_the_next_step_and_completes(ApprovalGate gate, RolloutPhase next)
    {
        var world = Gated(Names.Of(gate));
        world.RunUntil(Waiting);
        var waiting = world.Rollout("catalog")!;
        waiting.Phase.ShouldBe(RolloutPhase.Paused);
        waiting.WaitsFor.ShouldBe(gate);
        waiting.PausedFrom.ShouldBe(next);
        waiting.Reason.ShouldNotBeNull().ShouldContain(Names.Of(gate));
        var onTo = world.State.Nodes.Count(n => n.DesiredRelease == "1.1.0");

        // Hours pass: it still waits, no node beyond the canary set moves, and whoever watches is told.
        var meanwhile = world.RunUntil(_ => false, maxSteps: 30, tick: TimeSpan.FromMinutes(10));
        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Paused);
        world.State.Nodes.Count(n => n.DesiredRelease == "1.1.0").ShouldBe(onTo);
        meanwhile.Of<RaiseAlert>().ShouldContain(a => a.Alert.Key == $"approval:{waiting.Id}" && a.Alert.Severity == AlertSeverity.Info);

        // A resume is not an approval.
        var resume = world.Request(RequestKind.ResumeRollout, rollout: waiting.Id);
        world.Step().Of<CompleteRequest>().Single(c => c.Request == resume).Accepted.ShouldBeFalse();
        world.Rollout("catalog")!.WaitsFor.ShouldBe(gate);

        var approve = world.Request(RequestKind.ApproveRollout, rollout: waiting.Id);
        var decided = world.Step();
        decided.Of<CompleteRequest>().Single(c => c.Request == approve).Accepted.ShouldBeTrue();
        var approved = decided.Of<ApproveRollout>().ShouldHaveSingleItem();
        approved.Gate.ShouldBe(gate);
        approved.ResumeAt.ShouldBe(next);
        world.Rollout("catalog")!.WaitsFor.ShouldBeNull();

        world.RunUntil(w => !w.Rollout("catalog")!.InFlight);
        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Complete);
        world.State.Nodes.ShouldAllBe(n => n.ActualRelease == "1.1.0");
    }

    [Fact]
    public void with_every_gate_a_rollout_needs_three_approvals_in_order_and_still_rehearses_its_rollback()
    {
        var world = Gated("after-canary, after-rehearsal, before-waves");
        var seen = new List<ApprovalGate>();
        var all = new List<Decisions.Decisions>();
        for (var i = 0; i < 3; i++)
        {
            all.AddRange(world.RunUntil(Waiting));
            var rollout = world.Rollout("catalog")!;
            rollout.WaitsFor.ShouldNotBeNull();
            seen.Add(rollout.WaitsFor.Value);
            world.Request(RequestKind.ApproveRollout, rollout: rollout.Id);
            all.Add(world.Step());
        }
        seen.ShouldBe([ApprovalGate.AfterCanary, ApprovalGate.AfterRehearsal, ApprovalGate.BeforeWaves]);
        all.AddRange(world.RunUntil(w => !w.Rollout("catalog")!.InFlight));
        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Complete);
        var phases = all.Of<AdvanceRollout>().Select(a => a.To).Concat(all.Of<ApproveRollout>().Select(a => a.ResumeAt)).ToList();
        phases.ShouldContain(RolloutPhase.RehearsalBake);
        phases.ShouldContain(RolloutPhase.Rereleasing);
    }

    [Fact]
    public void an_approval_for_a_rollout_that_waits_for_none_is_not_accepted_and_changes_nothing()
    {
        var world = new World().Nodes("catalog", "1.0.0", 4).Current("catalog", "1.0.0");
        world.StartRollout("catalog", "1.1.0");
        world.Step();
        var before = world.Rollout("catalog")!;
        var approve = world.Request(RequestKind.ApproveRollout, rollout: before.Id);
        var decided = world.Step();
        var done = decided.Of<CompleteRequest>().Single(c => c.Request == approve);
        done.Accepted.ShouldBeFalse();
        done.Reason.ShouldContain("waits for no approval");
        decided.Of<ApproveRollout>().ShouldBeEmpty();
    }

    [Fact]
    public void an_abort_while_waiting_at_a_gate_rolls_back_as_ever()
    {
        var world = Gated("after-canary");
        world.RunUntil(Waiting);
        world.Request(RequestKind.AbortRollout, rollout: world.Rollout("catalog")!.Id);
        world.RunUntil(w => !w.Rollout("catalog")!.InFlight);
        world.Rollout("catalog")!.Phase.ShouldBe(RolloutPhase.Aborted);
        world.Rollout("catalog")!.WaitsFor.ShouldBeNull();
    }

    [Fact]
    public void the_policy_reads_the_gates_in_the_one_spelling_stepwise_uses_everywhere()
    {
        var config = ConfigLoader.Parse("policy:\n  approve: [before-waves, after-canary]\n" + Services, "stepwise.yaml");
        config.Policy.Approve.ShouldBe([ApprovalGate.BeforeWaves, ApprovalGate.AfterCanary]);
        config.Policy.Gates(ApprovalGate.AfterRehearsal).ShouldBeFalse();
        ConfigLoader.Parse("policy:\n  bake: 1m\n" + Services, "stepwise.yaml").Policy.Approve.ShouldBeNull();
        System.Text.Json.JsonSerializer.Serialize(ApprovalGate.AfterRehearsal, SnapshotJson.Options).ShouldBe("\"after-rehearsal\"");
        System.Text.Json.JsonSerializer.Deserialize<ApprovalGate>("\"before-waves\"", SnapshotJson.Options).ShouldBe(ApprovalGate.BeforeWaves);
    }

    [Theory]
    [InlineData("policy:\n  approve: [after-canery]\n", "did you mean 'after-canary'?")]
    [InlineData("policy:\n  approve: [after-canary, after-canary]\n", "twice")]
    [InlineData("policy:\n  approve: after-canary\n", "policy.approve")]
    [InlineData("policy:\n  approve: [{ gate: after-canary }]\n", "approval gate")]
    [InlineData("policy:\n  approve: [afterCanary]\n", "not a gate")]
    public void a_bad_gate_list_is_refused_with_the_line_and_a_fix(string yaml, string expected)
    {
        var e = Should.Throw<ConfigException>(() => ConfigLoader.Parse(yaml + Services, "stepwise.yaml"));
        e.Errors.ShouldContain(x => x.Message.Contains(expected, StringComparison.Ordinal) || x.Fix.Contains(expected, StringComparison.Ordinal), $"got: {e.Message}");
        e.Errors.ShouldAllBe(x => x.Line >= 2 && x.Fix.Length > 0);
    }

    [Fact]
    public void a_hostile_gate_list_is_refused_quickly_without_echoing_it_whole()
    {
        var huge = new string('x', 200_000);
        var many = string.Join(", ", Enumerable.Repeat("before-waves", 5_000));
        var e1 = Should.Throw<ConfigException>(() => ConfigLoader.Parse($"policy:\n  approve: [\"{huge}\"]\n" + Services, "stepwise.yaml"));
        e1.Message.Length.ShouldBeLessThan(5_000);
        var e2 = Should.Throw<ConfigException>(() => ConfigLoader.Parse($"policy:\n  approve: [{many}]\n" + Services, "stepwise.yaml"));
        e2.Errors.ShouldNotBeEmpty();
    }
}
