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

/// <summary>Operator requests, overrides and tokens.</summary>
public sealed partial class StateStore
{

    /// <summary>Stores an operator request for the reconciler; <paramref name="payload"/> is what the shell keeps with it (a registration's JSON).</summary>
    public Task InsertRequestAsync(OperatorRequest request, NewEvent evt, CancellationToken cancellationToken, string? payload = null) =>
        WriteAsync(async (connection, tx) =>
        {
            await Command(connection, tx,
                "INSERT INTO requests (id, seq, body, created_at, completed, payload) VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM requests), @body, @at, 0, @payload)",
                ("id", request.Id), ("body", JsonSerializer.Serialize(request, SnapshotJson.Options)), ("at", request.At.ToUnixTimeMilliseconds()), ("payload", payload))
                .ExecuteNonQueryAsync(cancellationToken);
            await AppendEventsAsync(connection, tx, request.At, [evt], cancellationToken);
        }, null, cancellationToken);

    public async Task<RequestRecord?> GetRequestAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var reader = await Command(connection, null, "SELECT body, completed, accepted, message, rollout, refusals FROM requests WHERE id = @id", ("id", id))
            .ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var request = JsonSerializer.Deserialize<OperatorRequest>(reader.GetString(0), SnapshotJson.Options)!;
        var refusals = reader.IsDBNull(5) ? [] : JsonSerializer.Deserialize<List<Refusal>>(reader.GetString(5), SnapshotJson.Options) ?? [];
        return new RequestRecord(request, Convert.ToInt32(reader.GetValue(1)) == 1, reader.IsDBNull(2) ? null : Convert.ToInt32(reader.GetValue(2)) == 1,
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), refusals);
    }

    public Task InsertOverrideAsync(Override record, NewEvent evt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await Command(connection, tx, "INSERT INTO overrides (id, seq, body) VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM overrides), @body)",
                ("id", record.Id), ("body", JsonSerializer.Serialize(record, SnapshotJson.Options))).ExecuteNonQueryAsync(cancellationToken);
            await AppendEventsAsync(connection, tx, record.At, [evt], cancellationToken);
        }, null, cancellationToken);

    // ---------------------------------------------------------------- tokens

    public Task InsertTokenAsync(TokenRecord token, DateTimeOffset at, NewEvent? evt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await Command(connection, tx, "INSERT INTO tokens (hash, name, kind, node, created_at) VALUES (@h, @n, @k, @node, @at) ON CONFLICT (hash) DO NOTHING",
                ("h", token.Hash), ("n", token.Name), ("k", (int)token.Kind), ("node", token.Node), ("at", at.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            if (evt is not null)
            {
                await AppendEventsAsync(connection, tx, at, [evt], cancellationToken);
            }
        }, null, cancellationToken);

    public async Task<TokenRecord?> FindTokenAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var reader = await Command(connection, null, "SELECT hash, name, kind, node FROM tokens WHERE hash = @h", ("h", hash)).ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TokenRecord(reader.GetString(0), reader.GetString(1), (TokenKind)Convert.ToInt32(reader.GetValue(2)), reader.IsDBNull(3) ? null : reader.GetString(3))
            : null;
    }
}
