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

/// <summary>The store's own schema: migrations applied in order, each recorded.</summary>
public sealed partial class StateStore
{

    public async Task<IReadOnlyList<int>> AppliedMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<int>();
        await using var reader = await Command(connection, null, "SELECT id FROM schema_migrations ORDER BY id").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Convert.ToInt32(reader.GetValue(0)));
        }
        return list;
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await WriteAsync(async (connection, tx) =>
        {
            if (Dialect == StoreDialect.Postgres)
            {
                await Command(connection, tx, $"SELECT pg_advisory_xact_lock({Migrations.PostgresMigrationLock})").ExecuteNonQueryAsync(cancellationToken);
            }
            await Command(connection, tx, "CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, applied_at BIGINT NOT NULL)")
                .ExecuteNonQueryAsync(cancellationToken);
            var applied = new HashSet<int>();
            await using (var reader = await Command(connection, tx, "SELECT id FROM schema_migrations").ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(Convert.ToInt32(reader.GetValue(0)));
                }
            }
            var known = Migrations.For(Dialect);
            var newest = known.Max(m => m.Id);
            if (applied.Count > 0 && applied.Max() > newest)
            {
                throw new InvalidOperationException(
                    $"the store {Url.Display} has schema step {applied.Max()}, newer than this server knows ({newest}); run a server release at least as new as the one that migrated it");
            }
            foreach (var migration in known.Where(m => !applied.Contains(m.Id)).OrderBy(m => m.Id))
            {
                foreach (var sql in migration.Statements)
                {
                    await Command(connection, tx, sql).ExecuteNonQueryAsync(cancellationToken);
                }
                await Command(connection, tx, "INSERT INTO schema_migrations (id, name, kind, applied_at) VALUES (@id, @name, @kind, @at)",
                    ("id", migration.Id), ("name", migration.Name), ("kind", migration.Kind.ToString().ToLowerInvariant()), ("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
                    .ExecuteNonQueryAsync(cancellationToken);
            }
        }, null, cancellationToken);
    }
}
