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

/// <summary>The event log and the decisions log.</summary>
public sealed partial class StateStore
{

    public Task AppendEventAsync(NewEvent evt, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx) => AppendEventsAsync(connection, tx, at, [evt], cancellationToken), null, cancellationToken);

    public Task<IReadOnlyList<EventView>> EventsAsync(long after, int limit, CancellationToken cancellationToken) =>
        ReadEventsAsync("SELECT id, at, kind, message, subject, data FROM events WHERE id > @after ORDER BY id LIMIT @limit", [("after", after), ("limit", limit)], cancellationToken);

    /// <summary>The latest <paramref name="limit"/> events, newest first.</summary>
    public Task<IReadOnlyList<EventView>> LatestEventsAsync(int limit, CancellationToken cancellationToken) =>
        ReadEventsAsync("SELECT id, at, kind, message, subject, data FROM events ORDER BY id DESC LIMIT @limit", [("limit", limit)], cancellationToken);

    private async Task<IReadOnlyList<EventView>> ReadEventsAsync(string sql, (string, object?)[] parameters, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<EventView>();
        await using var reader = await Command(connection, null, sql, parameters).ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            JsonElement? data = reader.IsDBNull(5) ? null : JsonDocument.Parse(reader.GetString(5)).RootElement.Clone();
            list.Add(new EventView(Convert.ToInt64(reader.GetValue(0)), FromMs(reader.GetValue(1))!.Value, reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), data));
        }
        return list;
    }

    /// <summary>The decisions log, oldest first (id, time, the serialized decision batch).</summary>
    public async Task<IReadOnlyList<(long Id, DateTimeOffset At, Decisions Decisions)>> DecisionLogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<(long, DateTimeOffset, Decisions)>();
        await using var reader = await Command(connection, null, "SELECT id, at, body FROM decisions ORDER BY id").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add((Convert.ToInt64(reader.GetValue(0)), FromMs(reader.GetValue(1))!.Value, JsonSerializer.Deserialize<Decisions>(reader.GetString(2), SnapshotJson.Options)!));
        }
        return list;
    }

    private static async Task AppendEventsAsync(DbConnection connection, DbTransaction tx, DateTimeOffset at, IEnumerable<NewEvent> events, CancellationToken cancellationToken)
    {
        foreach (var evt in events)
        {
            await Command(connection, tx, "INSERT INTO events (at, kind, message, subject, data) VALUES (@at, @k, @m, @s, @d)",
                ("at", at.ToUnixTimeMilliseconds()), ("k", evt.Kind), ("m", evt.Message), ("s", evt.Subject), ("d", evt.DataJson)).ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
