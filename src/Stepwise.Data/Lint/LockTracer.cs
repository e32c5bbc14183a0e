using Npgsql;
using Stepwise.Data.Running;
using Stepwise.Data.Sql;

namespace Stepwise.Data.Lint;

/// <summary>A lock a statement took: the relation and the lock mode (e.g. AccessExclusiveLock).</summary>
public sealed record TracedLock(string Relation, string Mode);

/// <summary>What one statement did on a scratch database: locks it took, tables it rewrote or scanned, or why it was not run.</summary>
public sealed record StatementTrace(
    string File,
    int Line,
    int Column,
    string Text,
    IReadOnlyList<TracedLock> Locks,
    IReadOnlyList<string> Rewritten,
    IReadOnlyList<string> Scanned,
    string? Error,
    string? NotRun);

/// <summary>
/// <c>stepwise lint-sql --trace postgres://…</c>: runs each file's statements on a scratch database inside one transaction that
/// is rolled back at the end (each statement under a savepoint, so one that fails does not stop the rest), and reports the
/// relation locks each statement newly took (from pg_locks), the tables it rewrote (their relfilenode changed), and the
/// tables it scanned sequentially (pg_stat_xact_user_tables), e.g. a constraint validation. Concurrent index statements
/// cannot run in a transaction and are reported without being run.
/// </summary>
public static class LockTracer
{
    private const string LocksSql = """
        SELECT coalesce(n.nspname || '.' || c.relname, l.relation::text), l.mode
        FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
          AND coalesce(n.nspname, '') NOT IN ('pg_catalog', 'information_schema') AND coalesce(n.nspname, '') NOT LIKE 'pg_toast%'
        """;

    private const string FilesSql = """
        SELECT n.nspname || '.' || c.relname, c.relfilenode, coalesce(s.seq_scan, 0)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_stat_xact_user_tables s ON s.relid = c.oid
        WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
        """;

    public static async Task<IReadOnlyList<StatementTrace>> TraceAsync(IEnumerable<SqlSource> sources, StoreUrl store, TimeSpan lockTimeout, CancellationToken ct = default)
    {
        var result = new List<StatementTrace>();
        await using var conn = new NpgsqlConnection(store.ConnectionString);
        try
        {
            await conn.OpenAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new DataInputException($"cannot connect to {store}: {e.Message}", "check the scratch database URL and that the server is running");
        }
        foreach (var source in sources)
        {
            var parsed = PgQuery.ParseScript(source.Text);
            if (parsed.Error is { } error)
            {
                var (line, col) = SqlText.Position(source.Text, error.Offset);
                throw new DataInputException($"{source.File}:{line}:{col}: SQL syntax error: {error.Message}", "fix the SQL before tracing it");
            }
            var lines = SqlText.LineStarts(source.Text);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await Exec(conn, tx, $"SET LOCAL lock_timeout = {(long)lockTimeout.TotalMilliseconds}", ct);
            foreach (var s in parsed.Statements)
            {
                var (line, col) = SqlText.Position(lines, s.Offset);
                if (s.Kind == "TransactionStmt")
                {
                    result.Add(new StatementTrace(source.File, line, col, s.Text, [], [], [], null, "transaction control is not traced (the trace runs everything in one rolled-back transaction)"));
                    continue;
                }
                if (PhaseScript.RunsOutsideTransaction(s))
                {
                    result.Add(new StatementTrace(source.File, line, col, s.Text, [new TracedLock("(its table)", "ShareUpdateExclusiveLock")], [], [], null,
                        "runs outside a transaction, so the trace does not run it; a concurrent index build or drop takes SHARE UPDATE EXCLUSIVE, which blocks no reads or writes"));
                    continue;
                }
                var locksBefore = await Locks(conn, tx, ct);
                var filesBefore = await Files(conn, tx, ct);
                await Exec(conn, tx, "SAVEPOINT stepwise_trace", ct);
                string? failure = null;
                try
                {
                    await Exec(conn, tx, s.Text, ct);
                }
                catch (PostgresException e)
                {
                    failure = $"{e.SqlState}: {e.MessageText}";
                }
                List<TracedLock> taken;
                List<string> rewritten = [];
                List<string> scanned = [];
                if (failure is null)
                {
                    taken = (await Locks(conn, tx, ct)).Except(locksBefore).ToList();
                    var filesAfter = await Files(conn, tx, ct);
                    foreach (var (name, (node, scans)) in filesAfter)
                    {
                        if (filesBefore.TryGetValue(name, out var before))
                        {
                            if (before.Node != node)
                            {
                                rewritten.Add(name);
                            }
                            else if (scans > before.Scans)
                            {
                                scanned.Add(name);
                            }
                        }
                    }
                    await Exec(conn, tx, "RELEASE SAVEPOINT stepwise_trace", ct);
                }
                else
                {
                    await Exec(conn, tx, "ROLLBACK TO SAVEPOINT stepwise_trace", ct);
                    taken = [];
                }
                result.Add(new StatementTrace(source.File, line, col, s.Text, taken, rewritten, scanned, failure, null));
            }
            await tx.RollbackAsync(ct);
        }
        return result;
    }

    private static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<HashSet<TracedLock>> Locks(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        var set = new HashSet<TracedLock>();
        await using var cmd = new NpgsqlCommand(LocksSql, conn, tx);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            set.Add(new TracedLock(reader.GetString(0), reader.GetString(1)));
        }
        return set;
    }

    private static async Task<Dictionary<string, (uint Node, long Scans)>> Files(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        var map = new Dictionary<string, (uint, long)>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand(FilesSql, conn, tx);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            map[reader.GetString(0)] = (reader.GetFieldValue<uint>(1), reader.GetInt64(2));
        }
        return map;
    }
}
