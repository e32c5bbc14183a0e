namespace Stepwise.Core.Model;

/// <summary>What a plan step changes. Persisted: values pinned.</summary>
public enum PlanStepKind
{
    /// <summary>One phase of one data change on one store.</summary>
    DataPhase = 0,

    /// <summary>One release of one service.</summary>
    Release = 1,
}

/// <summary>One step of a plan: it changes exactly one thing.</summary>
public sealed record PlanStep(
    PlanStepKind Kind,
    string? Change = null,
    DataPhaseKind? Phase = null,
    string? Store = null,
    string? Service = null,
    string? Version = null)
{
    public static PlanStep Data(string change, DataPhaseKind phase, string store) => new(PlanStepKind.DataPhase, change, phase, store);

    public static PlanStep ReleaseOf(string service, string version) => new(PlanStepKind.Release, Service: service, Version: version);

    public override string ToString() => Kind == PlanStepKind.DataPhase
        ? $"data {Change} {(Phase is { } p ? Names.Of(p) : "")} on {Store}"
        : $"release {Service}@{Version}";
}

/// <summary>An ordered list of single steps.</summary>
public sealed record Plan(string Id, IReadOnlyList<PlanStep> Steps);

/// <summary>State of a plan. Persisted: values pinned.</summary>
public enum PlanState
{
    Pending = 0,
    Running = 1,
    Paused = 2,
    Complete = 3,
    Failed = 4,
}

/// <summary>How far a plan has come. <paramref name="Step"/> is the index of the step in progress.</summary>
public sealed record PlanProgress(string Plan, int Step, PlanState State, DateTimeOffset? StepSince = null, string? Reason = null);
