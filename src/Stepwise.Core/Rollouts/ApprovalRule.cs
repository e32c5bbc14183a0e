using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Rollouts;

/// <summary>
/// Operator gates (the policy's <c>approve: [after-canary | after-rehearsal | before-waves]</c>): at a gate the policy
/// names, the rollout pauses and waits for an operator's approval; the approval moves it on to the step after the
/// gate. Only an approval does: resume is refused while a rollout waits at a gate, so a gate is never passed by a
/// request meant for an analysis pause. Abort works as ever. Shared by the server and the simulator.
/// </summary>
public static class ApprovalRule
{
    /// <summary>
    /// At <paramref name="gate"/>, before moving to <paramref name="next"/>: when the policy gates it, the rollout pauses
    /// waiting for an approval and this returns true (the caller does not advance).
    /// </summary>
    public static bool Hold(DecisionBuilder builder, Rollout rollout, ApprovalGate gate, RolloutPhase next, string why)
    {
        if (!builder.Context.Policy.Gates(gate))
        {
            return false;
        }
        builder.Add(new PauseRollout(rollout.Id, next, $"{why}; waits for an operator's approval ({Names.Of(gate)}) before {Names.Of(next)}: stepwise rollout approve {rollout.Id}", gate));
        return true;
    }

    /// <summary>The alert of a rollout waiting at a gate: information for whoever watches, not an incident.</summary>
    public static Alert Waiting(Rollout rollout, ApprovalGate gate) =>
        new($"approval:{rollout.Id}", AlertSeverity.Info, null,
            $"rollout {rollout.Id} ({rollout.Service} {rollout.From} -> {rollout.To}) waits for an operator's approval ({Names.Of(gate)}): stepwise rollout approve {rollout.Id}");

    /// <summary>An approve request: accepted only while the rollout waits at a gate.</summary>
    public static void Approve(DecisionBuilder builder, Rollout rollout, OperatorRequest request)
    {
        if (rollout is not { Phase: RolloutPhase.Paused, WaitsFor: { } gate })
        {
            builder.Add(new CompleteRequest(request.Id, false,
                $"rollout {rollout.Id} is {Names.Of(rollout.Phase)} and waits for no approval; approve a rollout the policy's 'approve' holds at a gate"));
            return;
        }
        var resumeAt = rollout.PausedFrom ?? RolloutPhase.Canary;
        var wave = resumeAt == RolloutPhase.Waves ? Math.Max(1, rollout.Wave) : rollout.Wave;
        builder.Add(new ApproveRollout(rollout.Id, gate, resumeAt, wave, $"approved ({Names.Of(gate)}) by an operator: {request.Reason ?? "no reason given"}; going on to {Names.Of(resumeAt)}"));
        builder.Add(new CompleteRequest(request.Id, true, $"approved: {rollout.Id} goes on to {Names.Of(resumeAt)}"));
    }

    /// <summary>A resume request while the rollout waits at a gate is refused: a gate needs an approval.</summary>
    public static bool RefuseResume(DecisionBuilder builder, Rollout rollout, OperatorRequest request)
    {
        if (rollout is not { Phase: RolloutPhase.Paused, WaitsFor: { } gate })
        {
            return false;
        }
        builder.Add(new CompleteRequest(request.Id, false, $"rollout {rollout.Id} waits for an operator's approval ({Names.Of(gate)}), not a resume: stepwise rollout approve {rollout.Id}"));
        return true;
    }
}
