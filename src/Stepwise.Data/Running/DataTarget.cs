using Stepwise.Core.Model;

namespace Stepwise.Data.Running;

/// <summary>Which way a SQL phase runs. Persisted in the phase-state table: values pinned.</summary>
public enum PhaseDirection
{
    Up = 0,
    Down = 1,
}

/// <summary>
/// One row of the phase-state table <c>stepwise_data_phase</c> in the target database.
/// <paramref name="Step"/> counts the statements of the current direction that are committed (a SQL phase may run in several
/// transactions); <paramref name="Cursor"/> is the backfill's last committed key.
/// </summary>
public sealed record PhaseRecord(
    string Change,
    DataPhaseKind Phase,
    DataPhaseState State,
    PhaseDirection Direction,
    int Step,
    string? Cursor,
    long RowsDone,
    long Batches,
    string UpdatedAt,
    string? CompletedAt,
    string? Error);

/// <summary>Progress of a backfill after each committed batch.</summary>
public sealed record BackfillProgress(string Change, string Table, long RowsDone, long Batches, string? Cursor, TimeSpan Elapsed)
{
    public double RowsPerSecond => Elapsed.TotalSeconds > 0 ? RowsDone / Elapsed.TotalSeconds : 0;
}

/// <summary>Runner settings. Statements the runner executes get these timeouts, so phase SQL need not set them.</summary>
public sealed record RunnerOptions
{
    /// <summary>How long a statement may wait for a lock before it gives up (and the runner retries after a backoff).</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Upper bound for one DDL statement or backfill batch (concurrent index builds are exempt: they block nobody).</summary>
    public TimeSpan StatementTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How many times a unit of work is retried after a lock timeout before the phase fails.</summary>
    public int LockRetries { get; init; } = 8;

    /// <summary>First backoff after a lock timeout; it doubles each retry (with jitter), capped at 30 s.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The size cap of one phase's SQL (inline or file) in UTF-8 bytes.</summary>
    public long MaxSqlBytes { get; init; } = Sql.SqlInput.DefaultMaxBytes;

    /// <summary>Contract-only lint rules an expand may break anyway (e.g. ban-drop-not-null when the old column must accept NULLs).</summary>
    public IReadOnlySet<string> AllowedRules { get; init; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Called when a unit of work gave up waiting for a lock and will be retried: what, the attempt, and the backoff.</summary>
    public Action<string, int, TimeSpan>? OnLockRetry { get; init; }

    /// <summary>Called after each committed backfill batch.</summary>
    public Action<BackfillProgress>? Progress { get; init; }
}

/// <summary>A database the runner works on: phase state plus the work itself, in the same transaction where the database allows.</summary>
internal interface IDataTarget : IAsyncDisposable
{
    Task EnsureStateTableAsync(CancellationToken ct);

    /// <summary>Holds the change for this runner (PostgreSQL: an advisory lock) so two runners never work on it at once.</summary>
    Task<bool> TryLockChangeAsync(string change, CancellationToken ct);

    Task UnlockChangeAsync(string change, CancellationToken ct);

    Task<IReadOnlyList<PhaseRecord>> ReadAsync(string change, CancellationToken ct);

    /// <summary>Runs the steps from <paramref name="fromStep"/> on, committing each segment with the phase state; the last sets <paramref name="final"/>.</summary>
    Task RunStepsAsync(string change, DataPhaseKind phase, PhaseDirection direction, IReadOnlyList<ExecStep> steps, int fromStep, DataPhaseState final, CancellationToken ct);

    Task BackfillAsync(string change, BackfillSpec spec, CancellationToken ct);

    /// <summary>Writes a state without work (a failed phase, a rolled-back backfill).</summary>
    Task SetStateAsync(string change, DataPhaseKind phase, DataPhaseState state, PhaseDirection direction, string? error, bool resetProgress, CancellationToken ct);
}
