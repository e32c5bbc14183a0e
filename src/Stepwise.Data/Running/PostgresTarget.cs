using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Stepwise.Core.Model;

namespace Stepwise.Data.Running;

/// <summary>
/// PostgreSQL: every transaction gets <c>SET LOCAL lock_timeout</c> and <c>statement_timeout</c>; a lock timeout (55P03) or a
/// deadlock (40P01) rolls the unit back and retries it with backoff. Concurrent index statements run outside a transaction,
/// and an invalid index left by an interrupted or failed CREATE INDEX CONCURRENTLY is dropped before the build is tried again.
/// A backfill batch is one statement that updates the rows and the phase state together, so a killed runner resumes at the
/// last committed batch with no row skipped or done twice.
/// </summary>
internal sealed class PostgresTarget(NpgsqlConnection connection, RunnerOptions options) : AdoTarget(connection, options)
{
    private NpgsqlConnection Pg => (NpgsqlConnection)Connection;

    public static async Task<PostgresTarget> OpenAsync(StoreUrl url, RunnerOptions options, CancellationToken ct)
    {
        var conn = new NpgsqlConnection(url.ConnectionString);
        try
        {
            await conn.OpenAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await conn.DisposeAsync();
            throw new DataInputException($"cannot connect to {url}: {e.Message}", "check the host, port, user and database in the store URL, and that the server is running");
        }
        return new PostgresTarget(conn, options);
    }

    private string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    public override async Task EnsureStateTableAsync(CancellationToken ct)
    {
        try
        {
            await base.EnsureStateTableAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is "23505" or "42P07")
        {
            // Another runner created it at the same moment.
        }
    }

    public override async Task<bool> TryLockChangeAsync(string change, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended('stepwise-data:' || @c, 0))", Pg);
        cmd.Parameters.AddWithValue("c", change);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public override async Task UnlockChangeAsync(string change, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(hashtextextended('stepwise-data:' || @c, 0))", Pg);
        cmd.Parameters.AddWithValue("c", change);
        await cmd.ExecuteScalarAsync(ct);
    }

    protected override async Task PrepareTransactionAsync(DbTransaction tx, IEnumerable<ExecStep> steps, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SET LOCAL lock_timeout = {Ms(Options.LockTimeout)}; SET LOCAL statement_timeout = {Ms(Options.StatementTimeout)}", Pg, (NpgsqlTransaction)tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task SessionTimeoutsAsync(TimeSpan statementTimeout, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SET lock_timeout = {Ms(Options.LockTimeout)}; SET statement_timeout = {Ms(statementTimeout)}", Pg);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    protected override async Task RunOutsideAsync(ExecStep step, bool resuming, CancellationToken ct)
    {
        // A concurrent index build blocks no reads or writes: no statement timeout, but still a lock timeout for its short lock waits.
        await SessionTimeoutsAsync(TimeSpan.Zero, ct);
        if (step.ConcurrentIndex is { } index)
        {
            var valid = await IndexValidAsync(index, ct);
            if (valid == true)
            {
                // Built by an earlier run that stopped before it recorded the step.
                return;
            }
            if (valid == false)
            {
                await DropInvalidIndexAsync(index, ct);
            }
        }
        try
        {
            await using var cmd = new NpgsqlCommand(step.Sql, Pg) { CommandTimeout = 0 };
            await cmd.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (step.DropsIndexConcurrently && resuming && e.SqlState == "42704")
        {
            // The index was dropped by an earlier run that stopped before it recorded the step.
        }
        catch (PostgresException) when (step.ConcurrentIndex is not null)
        {
            // A failed concurrent build leaves an invalid index behind: remove it so a retry (or a later apply) starts clean.
            if (await IndexValidAsync(step.ConcurrentIndex, ct) == false)
            {
                await DropInvalidIndexAsync(step.ConcurrentIndex, ct);
            }
            throw;
        }
    }

    private async Task<bool?> IndexValidAsync(string index, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass(@i)", Pg);
        cmd.Parameters.AddWithValue("i", index);
        return await cmd.ExecuteScalarAsync(ct) as bool?;
    }

    private async Task DropInvalidIndexAsync(string index, CancellationToken ct)
    {
        var quoted = string.Join(".", index.Split('.').Select(PhaseScript.QuoteIdent));
        await using var cmd = new NpgsqlCommand($"DROP INDEX CONCURRENTLY IF EXISTS {quoted}", Pg) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync(ct);
    }

    protected override bool IsLockTimeout(Exception e) => e is PostgresException { SqlState: "55P03" or "40P01" };

    public override async Task BackfillAsync(string change, BackfillSpec spec, CancellationToken ct)
    {
        await SessionTimeoutsAsync(Options.StatementTimeout, ct);
        string keyType;
        await using (var cmd = new NpgsqlCommand("SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a WHERE a.attrelid = to_regclass(@t) AND a.attname = @k AND NOT a.attisdropped", Pg))
        {
            cmd.Parameters.AddWithValue("t", spec.Table);
            cmd.Parameters.AddWithValue("k", spec.Key.Trim('"'));
            keyType = await cmd.ExecuteScalarAsync(ct) as string
                ?? throw new DataInputException($"backfill of '{change}': table {spec.Table} has no column {spec.Key}", "correct backfill.table and backfill.key (the key must be unique and indexed, usually the primary key)");
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
            long scanned = 0;
            long updated = 0;
            await WithLockRetryAsync(async () =>
            {
                var after = cursor is null ? "" : $"WHERE {spec.Key} > @cursor::{keyType}";
                await using var cmd = new NpgsqlCommand($"""
                    WITH stepwise_batch AS (
                      SELECT {spec.Key} AS stepwise_k FROM {spec.Table} {after} ORDER BY {spec.Key} LIMIT @n
                    ), stepwise_done AS (
                      UPDATE {spec.Table} SET {spec.Set} FROM stepwise_batch
                      WHERE {spec.Table}.{spec.Key} = stepwise_batch.stepwise_k{where} RETURNING 1
                    ), stepwise_state AS (
                      UPDATE {StateTable} SET cursor = COALESCE((SELECT max(stepwise_k)::text FROM stepwise_batch), cursor),
                        rows_done = rows_done + (SELECT count(*) FROM stepwise_done), batches = batches + 1, updated_at = @now
                      WHERE change_id = @c AND phase = {(int)DataPhaseKind.Backfill} RETURNING cursor
                    )
                    SELECT (SELECT count(*) FROM stepwise_batch), (SELECT count(*) FROM stepwise_done), (SELECT cursor FROM stepwise_state)
                    """, Pg) { CommandTimeout = 0 };
                if (cursor is not null)
                {
                    cmd.Parameters.AddWithValue("cursor", cursor);
                }
                cmd.Parameters.AddWithValue("n", spec.BatchSize);
                cmd.Parameters.AddWithValue("now", Now());
                cmd.Parameters.AddWithValue("c", change);
                await using var reader = await cmd.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                scanned = reader.GetInt64(0);
                updated = reader.GetInt64(1);
                cursor = reader.IsDBNull(2) ? cursor : reader.GetString(2);
            }, $"backfill batch of {spec.Table} after {spec.Key} = {cursor ?? "(start)"}", ct);
            if (scanned == 0)
            {
                break;
            }
            rows += updated;
            batches++;
            Options.Progress?.Invoke(new BackfillProgress(change, spec.Table, rows, batches, cursor, clock.Elapsed));
            await ThrottleAsync(spec, rows - startRows, clock.Elapsed, ct);
        }
        await UpsertStateAsync(null, change, DataPhaseKind.Backfill, DataPhaseState.Complete, PhaseDirection.Up, 0, null, false, ct);
    }
}
