namespace Stepwise.Core.Model;

/// <summary>Kinds of operator request. Persisted: values pinned.</summary>
public enum RequestKind
{
    StartRollout = 0,
    RunDataPhase = 1,
    PauseRollout = 2,
    ResumeRollout = 3,
    AbortRollout = 4,
    /// <summary>Promote past the canary without the rollback rehearsal (refused under G7 unless overridden).</summary>
    PromoteRollout = 5,
    DecommissionNode = 6,
    StartPlan = 7,
}

/// <summary>Something an operator asked for. Decide either turns it into actions or refuses it with reasons.</summary>
public sealed record OperatorRequest(
    string Id,
    RequestKind Kind,
    DateTimeOffset At,
    string? Service = null,
    string? Version = null,
    string? Change = null,
    DataPhaseKind? Phase = null,
    string? Store = null,
    string? Rollout = null,
    string? Node = null,
    string? Plan = null,
    string? Reason = null);

/// <summary>
/// An explicit, recorded decision to set aside one guarantee for one subject (see <see cref="Decisions.Refusal.Subject"/>).
/// Overrides never happen implicitly: each one names who, when and why, and every use of it is reported.
/// </summary>
public sealed record Override(string Id, GuaranteeId Guarantee, string Subject, string Reason, string By, DateTimeOffset At);

/// <summary>Severity of an alert. Persisted: values pinned.</summary>
public enum AlertSeverity
{
    Info = 0,
    Warning = 1,
    Critical = 2,
}

/// <summary>An alert. <paramref name="Key"/> identifies it so it is raised once and cleared once.</summary>
public sealed record Alert(string Key, AlertSeverity Severity, GuaranteeId? Guarantee, string Message);
