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

/// <summary>Stored configuration: stepwise.yaml, releases registered through the API, retired releases.</summary>
public sealed partial class StateStore
{
    private const string RevisionSql =
        "SELECT COALESCE((SELECT revision FROM config WHERE id = 1), 0) + (SELECT COUNT(*) FROM releases) + (SELECT COUNT(*) FROM retired_releases)";

    public async Task<(string Yaml, string File, long Revision)?> LoadConfigAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var reader = await Command(connection, null, "SELECT yaml, file, revision FROM config WHERE id = 1").ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetString(1), Convert.ToInt64(reader.GetValue(2))) : null;
    }

    /// <summary>
    /// The revision of the effective configuration: it changes on every replacement of stepwise.yaml, registration and
    /// retirement, on any replica.
    /// </summary>
    public async Task<long> ConfigRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return Convert.ToInt64(await Command(connection, null, RevisionSql).ExecuteScalarAsync(cancellationToken));
    }

    /// <summary>
    /// Replaces stepwise.yaml, provided the effective configuration is still at <paramref name="expectedRevision"/>
    /// (what the caller validated it against); false when a registration, retirement or replacement came first.
    /// </summary>
    public async Task<bool> SaveConfigAsync(string yaml, string file, DateTimeOffset at, NewEvent evt, long? expectedRevision, CancellationToken cancellationToken)
    {
        var saved = false;
        await WriteAsync(async (connection, tx) =>
        {
            await LockConfigAsync(connection, tx, cancellationToken);
            if (expectedRevision is { } expected && Convert.ToInt64(await Command(connection, tx, RevisionSql).ExecuteScalarAsync(cancellationToken)) != expected)
            {
                return;
            }
            await Command(connection, tx,
                "INSERT INTO config (id, yaml, file, revision, updated_at) VALUES (1, @yaml, @file, 1, @at) " +
                "ON CONFLICT (id) DO UPDATE SET yaml = excluded.yaml, file = excluded.file, revision = config.revision + 1, updated_at = excluded.updated_at",
                ("yaml", yaml), ("file", file), ("at", at.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            await AppendEventsAsync(connection, tx, at, [evt], cancellationToken);
            saved = true;
        }, null, cancellationToken);
        return saved;
    }

    public async Task<IReadOnlyList<RegisteredRelease>> LoadReleasesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<RegisteredRelease>();
        await using var reader = await Command(connection, null, "SELECT service, registration, registered_at FROM releases ORDER BY seq").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var registration = JsonSerializer.Deserialize<ReleaseRegistration>(reader.GetString(1), SnapshotJson.Options)!;
            list.Add(new RegisteredRelease(reader.GetString(0), registration, FromMs(reader.GetValue(2))!.Value));
        }
        return list;
    }

    public async Task<IReadOnlyList<ReleaseRef>> LoadRetiredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<ReleaseRef>();
        await using var reader = await Command(connection, null, "SELECT service, version FROM retired_releases ORDER BY retired_at, service, version").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new ReleaseRef(reader.GetString(0), reader.GetString(1)));
        }
        return list;
    }

    /// <summary>
    /// In a tick's transaction: stores a release the reconciler registered, with the registration (artifact and
    /// contracts) its request carried. A version already stored is left as it is (the tick is idempotent).
    /// </summary>
    private static async Task InsertRegisteredAsync(DbConnection connection, DbTransaction tx, string service, string version, string request, long at, CancellationToken cancellationToken) =>
        await Command(connection, tx,
            "INSERT INTO releases (service, version, seq, registration, registered_at) " +
            "SELECT @s, @v, (SELECT COALESCE(MAX(seq), 0) + 1 FROM releases), payload, @at FROM requests WHERE id = @req AND payload IS NOT NULL " +
            "ON CONFLICT (service, version) DO NOTHING",
            ("s", service), ("v", version), ("req", request), ("at", at)).ExecuteNonQueryAsync(cancellationToken);

    private static async Task InsertRetiredAsync(DbConnection connection, DbTransaction tx, ReleaseRef release, long at, CancellationToken cancellationToken) =>
        await Command(connection, tx,
            "INSERT INTO retired_releases (service, version, retired_at) VALUES (@s, @v, @at) ON CONFLICT (service, version) DO NOTHING",
            ("s", release.Service), ("v", release.Version), ("at", at)).ExecuteNonQueryAsync(cancellationToken);

    /// <summary>PostgreSQL: serializes changes of the effective configuration across replicas (SQLite has one writer).</summary>
    private async Task LockConfigAsync(DbConnection connection, DbTransaction tx, CancellationToken cancellationToken)
    {
        if (Dialect == StoreDialect.Postgres)
        {
            await Command(connection, tx, $"SELECT pg_advisory_xact_lock({Migrations.PostgresConfigLock})").ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
