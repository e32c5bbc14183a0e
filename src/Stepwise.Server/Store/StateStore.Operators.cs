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

    /// <summary>Stores a new token; false when a live token already has that name (names are unique among live tokens).</summary>
    public async Task<bool> InsertTokenAsync(TokenRecord token, DateTimeOffset at, NewEvent? evt, CancellationToken cancellationToken)
    {
        var inserted = false;
        await WriteAsync(async (connection, tx) =>
        {
            if (Convert.ToInt64(await Command(connection, tx, "SELECT COUNT(*) FROM tokens WHERE name = @n AND revoked_at IS NULL AND hash <> @h",
                    ("n", token.Name), ("h", token.Hash)).ExecuteScalarAsync(cancellationToken)) > 0)
            {
                return;
            }
            await Command(connection, tx, "INSERT INTO tokens (hash, name, kind, node, service, created_at) VALUES (@h, @n, @k, @node, @service, @at) ON CONFLICT (hash) DO NOTHING",
                ("h", token.Hash), ("n", token.Name), ("k", (int)token.Kind), ("node", token.Node), ("service", token.Service), ("at", at.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            if (evt is not null)
            {
                await AppendEventsAsync(connection, tx, at, [evt], cancellationToken);
            }
            inserted = true;
        }, null, cancellationToken);
        return inserted;
    }

    /// <summary>
    /// Revokes the live token named <paramref name="name"/> and, when <paramref name="replacement"/> is given, stores it
    /// under the same name in the same transaction (a rotation). Returns the revoked token, or null when none is live.
    /// </summary>
    public async Task<TokenRecord?> RevokeTokenAsync(string name, TokenRecord? replacement, DateTimeOffset at, NewEvent evt, CancellationToken cancellationToken)
    {
        TokenRecord? revoked = null;
        await WriteAsync(async (connection, tx) =>
        {
            revoked = await ReadTokenAsync(connection, tx, "name = @v AND revoked_at IS NULL", name, cancellationToken);
            if (revoked is null)
            {
                return;
            }
            await Command(connection, tx, "UPDATE tokens SET revoked_at = @at WHERE hash = @h", ("at", at.ToUnixTimeMilliseconds()), ("h", revoked.Hash)).ExecuteNonQueryAsync(cancellationToken);
            if (replacement is not null)
            {
                await Command(connection, tx, "INSERT INTO tokens (hash, name, kind, node, service, created_at) VALUES (@h, @n, @k, @node, @service, @at)",
                    ("h", replacement.Hash), ("n", replacement.Name), ("k", (int)replacement.Kind), ("node", replacement.Node), ("service", replacement.Service), ("at", at.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            }
            await AppendEventsAsync(connection, tx, at, [evt], cancellationToken);
            revoked = revoked with { RevokedAt = at };
        }, null, cancellationToken);
        return revoked;
    }

    public async Task<TokenRecord?> FindTokenAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return await ReadTokenAsync(connection, null, "hash = @v", hash, cancellationToken);
    }

    /// <summary>Every token, live and revoked (never their secrets: only hashes are stored).</summary>
    public async Task<IReadOnlyList<TokenRecord>> ListTokensAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<TokenRecord>();
        await using var reader = await Command(connection, null, $"{TokenColumns} ORDER BY created_at, name").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(ReadToken(reader));
        }
        return list;
    }

    /// <summary>Changes whenever a token is created or revoked, on any replica: a replica's token cache is good while it holds.</summary>
    public async Task<long> TokenRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return Convert.ToInt64(await Command(connection, null, "SELECT COUNT(*) + COUNT(revoked_at) FROM tokens").ExecuteScalarAsync(cancellationToken));
    }

    private const string TokenColumns = "SELECT hash, name, kind, node, created_at, revoked_at, service FROM tokens";

    private static async Task<TokenRecord?> ReadTokenAsync(DbConnection connection, DbTransaction? tx, string where, string value, CancellationToken cancellationToken)
    {
        await using var reader = await Command(connection, tx, $"{TokenColumns} WHERE {where}", ("v", value)).ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadToken(reader) : null;
    }

    private static TokenRecord ReadToken(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), (TokenKind)Convert.ToInt32(reader.GetValue(2)), reader.IsDBNull(3) ? null : reader.GetString(3),
        FromMs(reader.GetValue(4)), FromMs(reader.GetValue(5)), reader.IsDBNull(6) ? null : reader.GetString(6));
}
