namespace Stepwise.Simulation.Tests;

/// <summary>Determinism: two runs of the same options are the same run, event for event.</summary>
internal static class Replays
{
    public static void ShouldReplay(SimulationResult first, SimulationResult second)
    {
        second.Events.ShouldBe(first.Events);
        second.Decisions.ShouldBe(first.Decisions);
        second.Actions.ShouldBe(first.Actions);
        second.SimulatedSeconds.ShouldBe(first.SimulatedSeconds);
        second.Refusals.ShouldBe(first.Refusals);
        second.Counters.ShouldBe(first.Counters);
        second.Violations.Select(v => v.Message).ShouldBe(first.Violations.Select(v => v.Message));
    }
}
