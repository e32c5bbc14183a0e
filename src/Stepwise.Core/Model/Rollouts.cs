namespace Stepwise.Core.Model;

/// <summary>
/// The rollout state machine (ARCHITECTURE.md §4):
/// Canary → Baking → Rehearsing (canary back to N) → RehearsalBake → Rereleasing → Waves(k) → Complete,
/// with Paused, RollingBack, RolledBack, Aborted and Failed. Persisted: values pinned.
/// </summary>
public enum RolloutPhase
{
    Pending = 0,
    Canary = 1,
    Baking = 2,
    Rehearsing = 3,
    RehearsalBake = 4,
    Rereleasing = 5,
    Waves = 6,
    Complete = 7,
    Paused = 8,
    RollingBack = 9,
    RolledBack = 10,
    Aborted = 11,
    Failed = 12,
}

/// <summary>A rollout of one service from release N to N+1 (or back, for a deliberate downgrade).</summary>
/// <param name="PhaseSince">When the rollout entered <paramref name="Phase"/> (or its current wave).</param>
/// <param name="Wave">1-based wave index while in <see cref="RolloutPhase.Waves"/>; 0 before.</param>
/// <param name="CanaryNodes">The nodes chosen as canary when the rollout started.</param>
/// <param name="PausedFrom">The phase to resume when <paramref name="Phase"/> is Paused.</param>
/// <param name="AbortRequested">An abort was requested: the rollback ends in Aborted rather than RolledBack.</param>
/// <param name="WaitsFor">While Paused at an approval gate: the gate; an operator's approval resumes it at <paramref name="PausedFrom"/>.</param>
/// <param name="AnalysedAt">When the current stage's analysis was last judged (null: not yet in this stage); the next
/// judgment is due one <c>analysis.interval</c> later.</param>
public sealed record Rollout(
    string Id,
    string Service,
    string From,
    string To,
    RolloutPhase Phase,
    DateTimeOffset PhaseSince,
    int Wave,
    IReadOnlyList<string> CanaryNodes,
    RolloutPhase? PausedFrom = null,
    string? Reason = null,
    bool AbortRequested = false,
    string? Plan = null,
    ApprovalGate? WaitsFor = null,
    DateTimeOffset? AnalysedAt = null)
{
    public bool InFlight => Phase is not (RolloutPhase.Complete or RolloutPhase.RolledBack or RolloutPhase.Aborted or RolloutPhase.Failed);

    public bool IsTerminal => !InFlight;

    /// <summary>The release the canaries should run in this phase: N while the rollback is rehearsed or done, N+1 otherwise.</summary>
    public string CanaryRelease => Phase is RolloutPhase.Rehearsing or RolloutPhase.RehearsalBake or RolloutPhase.RollingBack ? From : To;
}

/// <summary>Which phases are in flight, which are terminal and which are analysed, in one place.</summary>
public static class RolloutPhases
{
    /// <summary>The stages whose canary-against-baseline samples the judge reads: the canary bake, the rehearsal bake and each wave.</summary>
    public static bool Analysed(RolloutPhase phase) => phase is RolloutPhase.Baking or RolloutPhase.RehearsalBake or RolloutPhase.Waves;

    public static bool IsTerminal(RolloutPhase phase) =>
        phase is RolloutPhase.Complete or RolloutPhase.RolledBack or RolloutPhase.Aborted or RolloutPhase.Failed;
}
