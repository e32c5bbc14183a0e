using System.Data.Common;
using System.Globalization;
using Stepwise.Core.Model;

namespace Stepwise.Data.Running;

/// <summary>
/// What PostgreSQL and SQLite share: the phase-state table, committing each segment of a phase together with its state,
/// and retrying a unit of work with exponential backoff when it gave up waiting for a lock.
/// </summary>
internal abstract class AdoTarget(DbConnection connection, RunnerOptions options) : IDataTarget
{
    protected const string StateTable = "stepwise_data_phase";
    protected DbConnection Connection { get; } = connection;
    protected RunnerOptions Options { get; } = options;
    private readonly Random jitter = new();

    protected string Now() => Options.Time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    public virtual async Task EnsureStateTableAsync(CancellationToken ct)
    {
        await using var cmd = Connection.CreateCommand();
        cmd.CommandText = $"""
            CREATE TABLE IF NOT EXISTS {StateTable} (
              change_id text NOT NULL,
              phase integer NOT NULL,
              state integer NOT NULL,
              direction integer NOT NULL DEFAULT 0,
              step integer NOT NULL DEFAULT 0,
              cursor text,
              rows_done bigint NOT NULL DEFAULT 0,
              batches bigint NOT NULL DEFAULT 0,
              updated_at text NOT NULL,
              completed_at text,
              error text,
              PRIMARY KEY (change_id, phase))
            """;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public abstract Task<bool> TryLockChangeAsync(string change, CancellationToken ct);

    public abstract Task UnlockChangeAsync(string change, CancellationToken ct);

    public async Task<IReadOnlyList<PhaseRecord>> ReadAsync(string change, CancellationToken ct)
    {
        await using var cmd = Connection.CreateCommand();
        cmd.CommandText = $"SELECT change_id, phase, state, direction, step, cursor, rows_done, batches, updated_at, completed_at, error FROM {StateTable} WHERE change_id = @c ORDER BY phase";
        Add(cmd, "c", change);
        var result = new List<PhaseRecord>();
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new PhaseRecord(
                reader.GetString(0),
                (DataPhaseKind)reader.GetInt32(1),
                (DataPhaseState)reader.GetInt32(2),
                (PhaseDirection)reader.GetInt32(3),
                reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetInt64(6),
                reader.GetInt64(7),
                reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10)));
        }
        return result;
    }

    /// <summary>Writes the phase's state row (inside <paramref name="tx"/> when given, so it commits with the work).</summary>
    protected async Task UpsertStateAsync(DbTransaction? tx, string change, DataPhaseKind phase, DataPhaseState state, PhaseDirection direction, int step, string? error, bool resetProgress, CancellationToken ct)
    {
        await using var cmd = Connection.CreateCommand();
        cmd.Transaction = tx;
        var completed = state is DataPhaseState.Complete or DataPhaseState.RolledBack;
        cmd.CommandText = $"""
            INSERT INTO {StateTable} (change_id, phase, state, direction, step, updated_at, completed_at, error)
            VALUES (@c, @p, @s, @d, @step, @now, @done, @err)
            ON CONFLICT (change_id, phase) DO UPDATE SET state = excluded.state, direction = excluded.direction, step = excluded.step,
              updated_at = excluded.updated_at, completed_at = excluded.completed_at, error = excluded.error
              {(resetProgress ? ", cursor = NULL, rows_done = 0, batches = 0" : "")}
            """;
        Add(cmd, "c", change);
        Add(cmd, "p", (int)phase);
        Add(cmd, "s", (int)state);
        Add(cmd, "d", (int)direction);
        Add(cmd, "step", step);
        var now = Now();
        Add(cmd, "now", now);
        Add(cmd, "done", completed ? now : null);
        Add(cmd, "err", error);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public Task SetStateAsync(string change, DataPhaseKind phase, DataPhaseState state, PhaseDirection direction, string? error, bool resetProgress, CancellationToken ct) =>
        SetStateKeepingStepAsync(change, phase, state, direction, error, resetProgress, ct);

    private async Task SetStateKeepingStepAsync(string change, DataPhaseKind phase, DataPhaseState state, PhaseDirection direction, string? error, bool resetProgress, CancellationToken ct)
    {
        var current = (await ReadAsync(change, ct)).FirstOrDefault(r => r.Phase == phase);
        var step = resetProgress || current is null || current.Direction != direction ? 0 : current.Step;
        await UpsertStateAsync(null, change, phase, state, direction, step, error, resetProgress, ct);
    }

    public async Task RunStepsAsync(string change, DataPhaseKind phase, PhaseDirection direction, IReadOnlyList<ExecStep> steps, int fromStep, DataPhaseState final, CancellationToken ct)
    {
        var resuming = fromStep > 0;
        foreach (var (first, count, mode) in PhaseScript.Segments(steps))
        {
            var done = first + count;
            if (done <= fromStep)
            {
                continue;
            }
            var state = done == steps.Count ? final : DataPhaseState.Running;
            if (mode == StepMode.Outside)
            {
                var step = steps[first];
                await WithLockRetryAsync(() => RunOutsideAsync(step, resuming && first == fromStep, ct), step.Sql, ct);
                await UpsertStateAsync(null, change, phase, state, direction, done, null, false, ct);
                continue;
            }
            await WithLockRetryAsync(async () =>
            {
                await BeforeBeginAsync(steps.Skip(first).Take(count), ct);
                try
                {
                    await using var tx = await BeginAsync(ct);
                    await PrepareTransactionAsync(tx, steps.Skip(first).Take(count), ct);
                    for (var k = first; k < done; k++)
                    {
                        await using var cmd = Connection.CreateCommand();
                        cmd.Transaction = tx;
                        cmd.CommandText = steps[k].Sql;
                        cmd.CommandTimeout = 0;
                        await cmd.ExecuteNonQueryAsync(ct);
                    }
                    await BeforeCommitAsync(tx, steps.Skip(first).Take(count), ct);
                    await UpsertStateAsync(tx, change, phase, state, direction, done, null, false, ct);
                    await tx.CommitAsync(ct);
                }
                finally
                {
                    await AfterSegmentAsync(ct);
                }
            }, steps[first].Sql, ct);
        }
    }

    protected virtual Task<DbTransaction> BeginAsync(CancellationToken ct) => Connection.BeginTransactionAsync(ct).AsTask();

    /// <summary>Session or transaction settings (timeouts, pragmas) before a segment's statements run.</summary>
    protected abstract Task PrepareTransactionAsync(DbTransaction tx, IEnumerable<ExecStep> steps, CancellationToken ct);

    /// <summary>Settings that cannot change inside a transaction (SQLite's foreign_keys pragma).</summary>
    protected virtual Task BeforeBeginAsync(IEnumerable<ExecStep> steps, CancellationToken ct) => Task.CompletedTask;

    protected virtual Task BeforeCommitAsync(DbTransaction tx, IEnumerable<ExecStep> steps, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Undoes <see cref="BeforeBeginAsync"/> whether the segment committed or not.</summary>
    protected virtual Task AfterSegmentAsync(CancellationToken ct) => Task.CompletedTask;

    protected abstract Task RunOutsideAsync(ExecStep step, bool resuming, CancellationToken ct);

    public abstract Task BackfillAsync(string change, BackfillSpec spec, CancellationToken ct);

    /// <summary>True for "gave up waiting for a lock": the unit rolled back and can be retried as a whole.</summary>
    protected abstract bool IsLockTimeout(Exception e);

    protected async Task WithLockRetryAsync(Func<Task> unit, string what, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await unit();
                return;
            }
            catch (Exception e) when (IsLockTimeout(e))
            {
                if (attempt >= Options.LockRetries)
                {
                    throw new DataPhaseFailedException(
                        $"gave up after {attempt + 1} lock timeouts of {Options.LockTimeout.TotalMilliseconds:0} ms on: {Short(what)}",
                        "find the long transaction holding the lock (pg_stat_activity / pg_locks) and end it, then apply again: the phase resumes where it stopped");
                }
                var backoff = TimeSpan.FromMilliseconds(Math.Min(30_000, Options.RetryBackoff.TotalMilliseconds * Math.Pow(2, attempt)) * (0.5 + jitter.NextDouble()));
                Options.OnLockRetry?.Invoke(Short(what), attempt + 1, backoff);
                await Task.Delay(backoff, Options.Time, ct);
            }
        }
    }

    protected static string Short(string sql)
    {
        var one = sql.ReplaceLineEndings(" ");
        return one.Length > 80 ? one[..77] + "..." : one;
    }

    protected static void Add(DbCommand cmd, string name, object? value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }

    /// <summary>Sleeps after a batch for the configured pause, or longer to stay under the rows/s ceiling.</summary>
    protected async Task ThrottleAsync(BackfillSpec spec, long rowsSoFar, TimeSpan elapsed, CancellationToken ct)
    {
        var wait = spec.Pause;
        if (spec.MaxRowsPerSecond is { } max)
        {
            var due = TimeSpan.FromSeconds((double)rowsSoFar / max) - elapsed;
            if (due > wait)
            {
                wait = due;
            }
        }
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, Options.Time, ct);
        }
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}

/// <summary>A phase that started but could not finish (SQL error, lock timeouts exhausted): exit 1, state Failed, resumable.</summary>
public sealed class DataPhaseFailedException(string message, string fix, Exception? inner = null) : Exception(message, inner)
{
    public string Fix { get; } = fix;
}

/// <summary>A phase Stepwise refuses to run because it is unsafe for the phase (exit 1); nothing was changed.</summary>
public sealed class DataPhaseRefusedException(string message, string fix) : Exception(message)
{
    public string Fix { get; } = fix;
}
