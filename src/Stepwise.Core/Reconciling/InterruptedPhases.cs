using Stepwise.Core.Model;

namespace Stepwise.Core.Reconciling;

/// <summary>
/// What a controller does, when it starts leading, with a data phase its store shows Running but no runner of its own
/// runs: the controller that ran it stopped (a restart, a crash, a change of leader), so its outcome is unknown. It is
/// marked Failed, never started a second time by itself: an operator checks the store and runs it again (a plan waits
/// paused until then). The server and the simulator both take over through this rule.
/// </summary>
public static class InterruptedPhases
{
    public const string Reason = "the controller stopped while this phase ran, so its outcome is unknown; it is not restarted by itself. Check the store, then run the phase again";

    /// <summary>The phases to record Failed (with <see cref="Reason"/>): Running in <paramref name="phases"/> and not run here.</summary>
    public static IReadOnlyList<DataPhaseStatus> Of(IEnumerable<DataPhaseStatus> phases, Func<DataPhaseStatus, bool> runsHere) =>
        [.. phases.Where(p => p.State == DataPhaseState.Running && !runsHere(p)).Select(p => p with { State = DataPhaseState.Failed })];
}
