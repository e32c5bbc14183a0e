using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>One broken invariant, found by the independent checker.</summary>
/// <param name="Guarantee">"G1".."G8", or "progress" when the run did not settle.</param>
/// <param name="At">Simulated time of the check that found it.</param>
/// <param name="Trail">The last events before it, oldest first.</param>
public sealed record Violation(string Guarantee, string Name, DateTimeOffset At, string Message, IReadOnlyList<string> Trail)
{
    public static Violation Of(GuaranteeId id, DateTimeOffset at, string message, IReadOnlyList<string> trail) =>
        new(id.ToString(), id.Name(), at, message, trail);
}

/// <summary>What a simulation did and found. Deterministic: the same options give the same result.</summary>
/// <param name="Events">Simulated events processed (ticks, installs, crashes, partitions, operator moves...).</param>
/// <param name="Decisions">Decide calls (controller ticks).</param>
/// <param name="Actions">Actions those calls returned.</param>
/// <param name="Refusals">Distinct refusals (guarantee, subject, request or plan) by guarantee id, e.g. "G1" → 2.</param>
/// <param name="SimulatedSeconds">Simulated time the run covered.</param>
/// <param name="PlanState">State of the expand/contract plan at the end.</param>
/// <param name="PlanStep">Steps of the plan completed.</param>
/// <param name="Notes">What happened, for the reader: rollouts that rolled back, quarantines, restarts.</param>
public sealed record SimulationResult(
    SimulationOptions Options,
    IReadOnlyList<Violation> Violations,
    long Events,
    long Decisions,
    long Actions,
    IReadOnlyDictionary<string, int> Refusals,
    double SimulatedSeconds,
    string PlanState,
    int PlanStep,
    int PlanSteps,
    IReadOnlyDictionary<string, int> Counters)
{
    public bool Ok => Violations.Count == 0;
}
