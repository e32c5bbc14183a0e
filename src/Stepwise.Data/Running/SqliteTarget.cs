using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Stepwise.Core.Model;

namespace Stepwise.Data.Running;

/// <summary>
/// SQLite: one writer at a time, so a phase runs in one IMMEDIATE transaction together with its state (SQLite's DDL is
/// transactional), with <c>busy_timeout</c> as the lock timeout and retry with backoff on SQLITE_BUSY. A phase that drops or
/// renames tables (the table-rebuild recipe for what ALTER TABLE cannot do) runs with foreign keys off and checks them with
/// <c>PRAGMA foreign_key_check</c> before it commits. A backfill commits each batch with the cursor in one transaction.
/// </summary>
internal sealed partial class SqliteTarget(SqliteConnection connection, RunnerOptions options) : AdoTarget(connection, options)
{
    private SqliteConnection Lite => (SqliteConnection)Connection;
    private bool restoreForeignKeys;

    public static async Task<SqliteTarget> OpenAsync(StoreUrl url, RunnerOptions options, CancellationToken ct)
    {
        var path = new SqliteConnectionStringBuilder(url.ConnectionString).DataSource;
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new DataInputException($"the folder of {url} does not exist", "create the folder, or correct the path in sqlite:PATH");
        }
        var conn = new SqliteConnection(url.ConnectionString);
        await conn.OpenAsync(ct);
        await using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = $"PRAGMA busy_timeout = {(long)options.LockTimeout.TotalMilliseconds}";
            await cmd.ExecuteNonQueryAsync(ct);
        }
        return new SqliteTarget(conn, options);
    }

    // Single writer: the IMMEDIATE transaction of each unit is the lock; nothing more to hold.
    public override Task<bool> TryLockChangeAsync(string change, CancellationToken ct) => Task.FromResult(true);

    public override Task UnlockChangeAsync(string change, CancellationToken ct) => Task.CompletedTask;

    protected override Task<DbTransaction> BeginAsync(CancellationToken ct) => Task.FromResult<DbTransaction>(Lite.BeginTransaction(deferred: false));

    [GeneratedRegex(@"\bDROP\s+TABLE\b|\bRENAME\s+TO\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex RebuildPattern();

    protected override Task PrepareTransactionAsync(DbTransaction tx, IEnumerable<ExecStep> steps, CancellationToken ct) => Task.CompletedTask;

    protected override async Task BeforeBeginAsync(IEnumerable<ExecStep> steps, CancellationToken ct)
    {
        // A rebuild drops and renames tables that others reference: foreign keys off for the swap (PRAGMA foreign_keys is
        // a no-op inside a transaction), checked before commit, and switched back on after.
        if (steps.Any(s => RebuildPattern().IsMatch(s.Sql)) && await ScalarAsync("PRAGMA foreign_keys", null, ct) is long on && on == 1)
        {
            restoreForeignKeys = true;
            await ExecAsync("PRAGMA foreign_keys = OFF", null, ct);
        }
    }

    protected override async Task BeforeCommitAsync(DbTransaction tx, IEnumerable<ExecStep> steps, CancellationToken ct)
    {
        if (!restoreForeignKeys)
        {
            return;
        }
        await using var cmd = Lite.CreateCommand();
        cmd.Transaction = (SqliteTransaction)tx;
        cmd.CommandText = "PRAGMA foreign_key_check";
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (await reader.ReadAsync(ct))
        {
            var table = reader.GetString(0);
            throw new DataPhaseFailedException($"the table rebuild leaves rows in {table} whose foreign key points nowhere", "fix the rebuild so every foreign key still matches (the phase was rolled back)");
        }
    }

    protected override async Task AfterSegmentAsync(CancellationToken ct)
    {
        if (restoreForeignKeys)
        {
            restoreForeignKeys = false;
            await ExecAsync("PRAGMA foreign_keys = ON", null, ct);
        }
    }

    protected override async Task RunOutsideAsync(ExecStep step, bool resuming, CancellationToken ct) => await ExecAsync(step.Sql, null, ct);

    protected override bool IsLockTimeout(Exception e) => e is SqliteException { SqliteErrorCode: 5 or 6 };

    public override async Task BackfillAsync(string change, BackfillSpec spec, CancellationToken ct)
    {
        try
        {
            await ScalarAsync($"SELECT {spec.Key} FROM {spec.Table} LIMIT 0", null, ct);
        }
        catch (SqliteException e)
        {
            throw new DataInputException($"backfill of '{change}': {e.Message}", "correct backfill.table and backfill.key (the key must be unique and indexed, usually the primary key)");
        }
        var current = (await ReadAsync(change, ct)).FirstOrDefault(r => r.Phase == DataPhaseKind.Backfill);
        if (current is null || current.State != DataPhaseState.Running)
        {
            await SetStateAsync(change, DataPhaseKind.Backfill, DataPhaseState.Running, PhaseDirection.Up, null, resetProgress: current?.State == DataPhaseState.RolledBack, ct);
        }
        var record = (await ReadAsync(change, ct)).First(r => r.Phase == DataPhaseKind.Backfill);
        var cursor = record.Cursor;
        var rows = record.RowsDone;
        var batches = record.Batches;
        var startRows = rows;
        var where = string.IsNullOrWhiteSpace(spec.Where) ? "" : $" AND ({spec.Where})";
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var finished = false;
            await WithLockRetryAsync(async () =>
            {
                await using var tx = Lite.BeginTransaction(deferred: false);
                // The cursor committed in the database is the truth (another runner may have moved it).
                await using (var read = Lite.CreateCommand())
                {
                    read.Transaction = (SqliteTransaction)tx;
                    read.CommandText = $"SELECT cursor, rows_done, batches FROM {StateTable} WHERE change_id = @c AND phase = {(int)DataPhaseKind.Backfill}";
                    Add(read, "c", change);
                    await using var r = await read.ExecuteReaderAsync(ct);
                    if (await r.ReadAsync(ct))
                    {
                        cursor = r.IsDBNull(0) ? null : r.GetString(0);
                        rows = r.GetInt64(1);
                        batches = r.GetInt64(2);
                    }
                }
                var after = cursor is null ? "" : $"WHERE {spec.Key} > @cursor";
                object? last;
                long scanned;
                await using (var pick = Lite.CreateCommand())
                {
                    pick.Transaction = (SqliteTransaction)tx;
                    pick.CommandText = $"SELECT max(k), count(*) FROM (SELECT {spec.Key} AS k FROM {spec.Table} {after} ORDER BY {spec.Key} LIMIT @n)";
                    if (cursor is not null)
                    {
                        Add(pick, "cursor", cursor);
                    }
                    Add(pick, "n", spec.BatchSize);
                    await using var reader = await pick.ExecuteReaderAsync(ct);
                    await reader.ReadAsync(ct);
                    last = reader.IsDBNull(0) ? null : reader.GetValue(0);
                    scanned = reader.GetInt64(1);
                }
                if (scanned == 0 || last is null)
                {
                    finished = true;
                    return;
                }
                long updated;
                await using (var update = Lite.CreateCommand())
                {
                    update.Transaction = (SqliteTransaction)tx;
                    update.CommandText = $"UPDATE {spec.Table} SET {spec.Set} WHERE {(cursor is null ? "" : $"{spec.Key} > @cursor AND ")}{spec.Key} <= @last{where}";
                    if (cursor is not null)
                    {
                        Add(update, "cursor", cursor);
                    }
                    Add(update, "last", last);
                    updated = await update.ExecuteNonQueryAsync(ct);
                }
                var next = Convert.ToString(last, CultureInfo.InvariantCulture);
                await using (var state = Lite.CreateCommand())
                {
                    state.Transaction = (SqliteTransaction)tx;
                    state.CommandText = $"UPDATE {StateTable} SET cursor = @cursor, rows_done = rows_done + @rows, batches = batches + 1, updated_at = @now WHERE change_id = @c AND phase = {(int)DataPhaseKind.Backfill}";
                    Add(state, "cursor", next);
                    Add(state, "rows", updated);
                    Add(state, "now", Now());
                    Add(state, "c", change);
                    await state.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                cursor = next;
                rows += updated;
                batches++;
            }, $"backfill batch of {spec.Table} after {spec.Key} = {cursor ?? "(start)"}", ct);
            if (finished)
            {
                break;
            }
            Options.Progress?.Invoke(new BackfillProgress(change, spec.Table, rows, batches, cursor, clock.Elapsed));
            await ThrottleAsync(spec, rows - startRows, clock.Elapsed, ct);
        }
        await UpsertStateAsync(null, change, DataPhaseKind.Backfill, DataPhaseState.Complete, PhaseDirection.Up, 0, null, false, ct);
    }

    private async Task ExecAsync(string sql, DbTransaction? tx, CancellationToken ct)
    {
        await using var cmd = Lite.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = (SqliteTransaction?)tx;
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<object?> ScalarAsync(string sql, DbTransaction? tx, CancellationToken ct)
    {
        await using var cmd = Lite.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = (SqliteTransaction?)tx;
        return await cmd.ExecuteScalarAsync(ct);
    }
}
