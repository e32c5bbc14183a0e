using Stepwise.Core;
using Stepwise.Core.Model;

namespace Stepwise.Simulation.Tests;

/// <summary>The simulator runs the policy's approval gates through the same Core rule the server runs, with an operator who approves after a delay.</summary>
public class ApprovalGateSimulationTests
{
    private static string Explain(SimulationResult result) =>
        string.Join("\n", result.Violations.Select(v => $"{v.Guarantee}: {v.Message}\n  " + string.Join("\n  ", v.Trail)));

    [Fact]
    public void with_every_gate_each_rollout_waits_for_the_operator_and_the_plan_still_completes_with_no_violation()
    {
        var gates = Enum.GetValues<ApprovalGate>();
        var gated = Simulation.Run(new SimulationOptions(60, 3, 1, FaultProfile.None) { Approve = gates, ApproveAfter = TimeSpan.FromMinutes(7) });
        var free = Simulation.Run(new SimulationOptions(60, 3, 1, FaultProfile.None));

        gated.Violations.ShouldBeEmpty(Explain(gated));
        gated.PlanState.ShouldBe(Names.Of(PlanState.Complete));
        // Every gate was waited at (and approved), the same number of times: once per rollout that got that far.
        var approvals = gates.Select(g => gated.Counters.GetValueOrDefault($"approved at {Names.Of(g)}")).ToList();
        approvals.ShouldAllBe(n => n > 0);
        approvals.Distinct().Count().ShouldBe(1);
        free.Counters.Keys.ShouldNotContain(k => k.StartsWith("approved at", StringComparison.Ordinal));
        // Waiting for a person takes time: at least the approval delay at each gate of each rollout.
        (gated.SimulatedSeconds - free.SimulatedSeconds).ShouldBeGreaterThanOrEqualTo(approvals.Sum() * 7 * 60 * 0.5);
    }

    [Fact]
    public void gates_with_every_fault_keep_the_guarantees()
    {
        for (var seed = 1; seed <= 5; seed++)
        {
            var result = Simulation.Run(new SimulationOptions(30, 3, seed, FaultProfile.All) { Approve = [ApprovalGate.AfterCanary, ApprovalGate.BeforeWaves], ApproveAfter = TimeSpan.FromMinutes(3) });
            result.Violations.ShouldBeEmpty($"seed {seed}:\n{Explain(result)}");
            result.PlanState.ShouldBe(Names.Of(PlanState.Complete), $"seed {seed}");
        }
    }

    [Fact]
    public void a_negative_approval_delay_is_bad_input()
    {
        new SimulationOptions(60, 3, 1, FaultProfile.None) { ApproveAfter = TimeSpan.FromMinutes(-1) }.Validate().ShouldNotBeNull().ShouldContain("approval delay");
    }
}
