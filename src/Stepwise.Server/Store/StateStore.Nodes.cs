using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Server.Store;

/// <summary>Nodes: heartbeat columns flushed in batches, control columns written by tick batches.</summary>
public sealed partial class StateStore
{

    public async Task<IReadOnlyList<Node>> LoadNodesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<Node>();
        await using var reader = await Command(connection, null,
            "SELECT id, service, actual, desired, last_heartbeat, health, state, state_since FROM nodes ORDER BY id").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Node(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                FromMs(reader.GetValue(4)),
                (NodeHealth)Convert.ToInt32(reader.GetValue(5)),
                (NodeState)Convert.ToInt32(reader.GetValue(6)),
                FromMs(reader.GetValue(7))));
        }
        return list;
    }

    /// <summary>
    /// Writes the heartbeat columns of these nodes in one transaction. A node seen for the first time is created
    /// in state Offline with no state change time (never admitted, as the node table holds it), so that the next Decide
    /// admits or quarantines it; existing control columns are kept.
    /// </summary>
    public Task FlushHeartbeatsAsync(IReadOnlyList<Node> nodes, CancellationToken cancellationToken)
    {
        if (nodes.Count == 0)
        {
            return Task.CompletedTask;
        }
        return WriteAsync(async (connection, tx) =>
        {
            // Multi-row upserts: one statement per FlushRows nodes (one prepared statement for the full chunks).
            var rows = FlushRows;
            DbCommand? full = null;
            try
            {
                for (var offset = 0; offset < nodes.Count; offset += rows)
                {
                    var count = Math.Min(rows, nodes.Count - offset);
                    DbCommand command;
                    if (count == rows)
                    {
                        if (full is null)
                        {
                            full = FlushCommand(connection, tx, rows);
                            await full.PrepareAsync(cancellationToken);
                        }
                        command = full;
                    }
                    else
                    {
                        command = FlushCommand(connection, tx, count);
                    }
                    for (var i = 0; i < count; i++)
                    {
                        var node = nodes[offset + i];
                        command.Parameters[i * 5].Value = node.Id;
                        command.Parameters[i * 5 + 1].Value = node.Service;
                        command.Parameters[i * 5 + 2].Value = (object?)node.ActualRelease ?? DBNull.Value;
                        command.Parameters[i * 5 + 3].Value = node.LastHeartbeat?.ToUnixTimeMilliseconds() ?? 0L;
                        command.Parameters[i * 5 + 4].Value = (int)node.Health;
                    }
                    await command.ExecuteNonQueryAsync(cancellationToken);
                    if (command != full)
                    {
                        await command.DisposeAsync();
                    }
                }
            }
            finally
            {
                if (full is not null)
                {
                    await full.DisposeAsync();
                }
            }
        }, null, cancellationToken);
    }

    /// <summary>
    /// Rows per statement of a heartbeat flush (5 parameters a row). PostgreSQL: 200, one round trip per 200 nodes.
    /// SQLite has no round trip to save, and its driver binds each parameter by name, which scans the statement's
    /// parameter list: a statement of R rows costs R² comparisons to bind, so SQLite gets short statements
    /// (docs/benchmarks.md, heartbeat ingestion, "Where the CPU went").
    /// </summary>
    internal int FlushRows { get; set; }

    internal static int DefaultFlushRows(StoreDialect dialect) => dialect == StoreDialect.Postgres ? 200 : SqliteFlushRows;

    private const int SqliteFlushRows = 8;

    private static DbCommand FlushCommand(DbConnection connection, DbTransaction tx, int rows)
    {
        var sql = new System.Text.StringBuilder("INSERT INTO nodes (id, service, actual, desired, last_heartbeat, health, state, state_since) VALUES ");
        var parameters = new (string, object?)[rows * 5];
        for (var i = 0; i < rows; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append($"(@i{i}, @s{i}, @a{i}, NULL, @h{i}, @x{i}, {(int)NodeState.Offline}, NULL)");
            // Named as written in the SQL (with the @): SQLite's driver looks an unprefixed name up once bare and
            // again with each prefix it knows, each lookup a scan of the statement's parameters.
            parameters[i * 5] = ($"@i{i}", "");
            parameters[i * 5 + 1] = ($"@s{i}", "");
            parameters[i * 5 + 2] = ($"@a{i}", "");
            parameters[i * 5 + 3] = ($"@h{i}", 0L);
            parameters[i * 5 + 4] = ($"@x{i}", 0);
        }
        sql.Append(" ON CONFLICT (id) DO UPDATE SET actual = excluded.actual, health = excluded.health, ")
            .Append("last_heartbeat = CASE WHEN nodes.last_heartbeat IS NULL OR excluded.last_heartbeat > nodes.last_heartbeat THEN excluded.last_heartbeat ELSE nodes.last_heartbeat END");
        return Command(connection, tx, sql.ToString(), parameters);
    }
}
