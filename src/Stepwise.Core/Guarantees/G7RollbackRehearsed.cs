using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>
/// G7 rollback-rehearsed: every rollout canaries, bakes under analysis, rolls the canary back to N and checks
/// health on N (reading what N+1 wrote), re-releases, then proceeds in waves. A failed analysis rolls back by
/// itself. The rehearsal is skipped only under a recorded override whose subject is "rehearsal ROLLOUT-ID".
/// The state machine itself is <see cref="Rollouts.RolloutMachine"/>; this class holds the rule it asks.
/// </summary>
public class G7RollbackRehearsed : Guarantee
{
    public override GuaranteeId Id => GuaranteeId.G7;

    public static string RehearsalSubject(string rollout) => $"rehearsal {rollout}";

    /// <summary>Whether the rollout must rehearse its rollback before the waves (true unless overridden, which is recorded).</summary>
    public virtual bool RequiresRehearsal(DecisionBuilder builder, Rollout rollout) =>
        !builder.Overridden(Id, RehearsalSubject(rollout.Id), $"the rollback rehearsal of {rollout.Id} ({rollout.Service} {rollout.From} -> {rollout.To})");

    /// <summary>
    /// An operator asks to promote past the canary now. Refused unless the rehearsal has passed (the rollout is at
    /// Rereleasing or later) or an override covers it.
    /// </summary>
    public virtual bool CheckPromote(DecisionBuilder builder, Rollout rollout, string? request)
    {
        if (rollout.Phase is RolloutPhase.Rereleasing or RolloutPhase.Waves)
        {
            return false;
        }
        return builder.Refuse(new Refusal(
            Id,
            RehearsalSubject(rollout.Id),
            $"promoting {rollout.Service} {rollout.To} past the canary without a passed rollback rehearsal (the rollout is {Names.Of(rollout.Phase)})",
            [new Blocker(BlockerKind.Rollout, rollout.Id, $"phase {Names.Of(rollout.Phase)}")],
            1,
            $"let the rollout bake, rehearse the rollback to {rollout.From} and re-release; or record an override (guarantee G7, subject \"{RehearsalSubject(rollout.Id)}\") with the reason",
            request));
    }
}
