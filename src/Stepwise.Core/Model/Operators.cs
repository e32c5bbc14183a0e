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
    /// <summary>Let a decommissioned node back into the fleet.</summary>
    EnableNode = 8,
    /// <summary>Take a release no node runs and no rollout targets out of its service's ordering.</summary>
    RetireRelease = 9,
    /// <summary>Register a release through the API (G6 and G8 gate it).</summary>
    RegisterRelease = 10,
    /// <summary>Approve a rollout waiting at an approval gate (the policy's <c>approve</c>).</summary>
    ApproveRollout = 11,
}

/// <summary>Something an operator asked for. Decide either turns it into actions or refuses it with reasons.</summary>
/// <param name="Release">RegisterRelease: the release to register into <paramref name="Service"/>.</param>
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
    string? Reason = null,
    ReleaseDeclaration? Release = null);

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

/// <summary>
/// An alert. <paramref name="Key"/> identifies the incident: it is raised once and cleared once, only after its
/// condition has been gone for the quiet period (hysteresis).
/// </summary>
/// <param name="Since">When the incident started (set by Decide).</param>
/// <param name="QuietSince">When its condition was last seen gone; null while it holds.</param>
public sealed record Alert(string Key, AlertSeverity Severity, GuaranteeId? Guarantee, string Message, DateTimeOffset? Since = null, DateTimeOffset? QuietSince = null)
{
    /// <summary>Same incident, same words: what changed is only when it started or went quiet.</summary>
    public bool SameAs(Alert other) => Key == other.Key && Severity == other.Severity && Guarantee == other.Guarantee && Message == other.Message;
}
