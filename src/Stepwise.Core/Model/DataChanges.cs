namespace Stepwise.Core.Model;

/// <summary>The phases of a data change, in the order they run. Persisted: values pinned.</summary>
public enum DataPhaseKind
{
    Expand = 0,
    Backfill = 1,
    Contract = 2,
}

/// <summary>State of one phase of a data change on one store. Persisted: values pinned.</summary>
public enum DataPhaseState
{
    Pending = 0,
    Running = 1,
    Complete = 2,
    Failed = 3,
    RolledBack = 4,
}

/// <summary>A SQL phase: its forward SQL and its rollback. <paramref name="Down"/> null means irreversible.</summary>
/// <param name="Up">Inline SQL, or a path to a .sql file relative to the configuration file.</param>
/// <param name="Down">Inline SQL or a path; null when the phase is irreversible.</param>
public sealed record SqlPhase(string Up, string? Down);

/// <summary>A keyset-batched backfill: <c>UPDATE Table SET Set WHERE Where</c> in batches ordered by <see cref="Key"/>.</summary>
public sealed record BackfillSpec(
    string Table,
    string Key,
    string Set,
    string? Where,
    int BatchSize,
    TimeSpan Pause,
    int? MaxRowsPerSecond);

/// <summary>
/// A data change: expand → backfill → contract on its stores. Which releases need it and which still use its old
/// shape are facts of the releases (their needs and usesOldShapeOf); <see cref="StepwiseConfig.NeededBy"/> and
/// <see cref="StepwiseConfig.OldShapeUsers"/> answer them from there.
/// </summary>
/// <param name="TimeLimit">How long one phase may run before it fails with that reason (null: no limit).</param>
public sealed record DataChange(
    string Id,
    IReadOnlyList<string> Stores,
    SqlPhase? Expand,
    BackfillSpec? Backfill,
    SqlPhase? Contract,
    TimeSpan? TimeLimit = null)
{
    /// <summary>The phases this change declares, in running order.</summary>
    public IEnumerable<DataPhaseKind> Phases
    {
        get
        {
            if (Expand is not null)
            {
                yield return DataPhaseKind.Expand;
            }
            if (Backfill is not null)
            {
                yield return DataPhaseKind.Backfill;
            }
            if (Contract is not null)
            {
                yield return DataPhaseKind.Contract;
            }
        }
    }

    /// <summary>
    /// Share of this change's phases, on every store it runs on, that <paramref name="states"/> (its phase states) has
    /// complete: 0 to 1, and 0 for a change that declares no phase.
    /// </summary>
    public double ProgressOf(IEnumerable<DataPhaseStatus> states)
    {
        var declared = Phases.Count() * Stores.Count;
        return declared == 0 ? 0 : Math.Min(1.0, states.Count(s => s.Change == Id && s.State == DataPhaseState.Complete) / (double)declared);
    }

    public bool Declares(DataPhaseKind phase) => phase switch
    {
        DataPhaseKind.Expand => Expand is not null,
        DataPhaseKind.Backfill => Backfill is not null,
        _ => Contract is not null,
    };
}

/// <summary>A reference to one release of one service.</summary>
public sealed record ReleaseRef(string Service, string Version)
{
    public override string ToString() => $"{Service}@{Version}";
}

/// <summary>The state of one phase of one data change on one store, as the store reports it.</summary>
public sealed record DataPhaseStatus(
    string Change,
    DataPhaseKind Phase,
    string Store,
    DataPhaseState State,
    DateTimeOffset? CompletedAt = null);
