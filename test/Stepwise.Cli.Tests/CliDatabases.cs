using Npgsql;
using Stepwise.Data.Sql;
using Stepwise.Testing;

namespace Stepwise.Cli.Tests;

/// <summary>
/// Scratch databases for the data and lint-sql command tests. PostgreSQL comes from STEPWISE_TEST_PG (started by
/// eng/setup.d/20-postgres.sh): without it a test skips on a developer machine and fails when CI is set.
/// </summary>
internal static class CliDatabases
{
    public static void RequireLibPgQuery()
    {
        if (PgQuery.Unavailable is { } why)
        {
            Need.Missing(why, "install libpg-query1504.0 (eng/setup.d/20-postgres.sh does)");
        }
    }

    public static async Task<(string Url, string ConnectionString, Func<Task> Drop)> NewPostgresAsync()
    {
        RequireLibPgQuery();
        var db = await Scratch.PostgresDatabaseAsync("stepwise_cli_");
        return (db.Url, db.ConnectionString, db.Drop);
    }

    public static async Task Exec(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<long> Long(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string TempDir() => Scratch.Directory("stepwise-cli-");

    /// <summary>A stepwise.yaml declaring the customers.email → contact_email rename (and the release that still uses email).</summary>
    public static string RenameConfig(string dir, int batchSize = 100, string pause = "0ms", string contractDown = "irreversible", string backfillWhere = "")
    {
        var path = Path.Combine(dir, "stepwise.yaml");
        File.WriteAllText(path, $"""
            version: 1
            stores:
              - id: orders-db
                kind: postgres
            services:
              - name: orders
                releases:
                  - version: 1.0.0
                    provides: ["GET /orders/{"{"}id{"}"}"]
                  - version: 1.1.0
                    provides: ["GET /orders/{"{"}id{"}"}"]
            dataChanges:
              - id: customer-contact-email
                store: orders-db
                expand:
                  up: ALTER TABLE customers ADD COLUMN contact_email text
                  down: ALTER TABLE customers DROP COLUMN contact_email
                backfill:
                  table: customers
                  key: id
                  set: contact_email = email, hits = hits + 1
            {(backfillWhere.Length > 0 ? $"      where: {backfillWhere}\n" : "")}      batchSize: {batchSize}
                  pause: {pause}
                contract:
                  up: ALTER TABLE customers DROP COLUMN email
                  down: {contractDown}
                neededBy: [orders@1.1.0]
                oldShapeUsedBy: [orders@1.0.0]
            """);
        return path;
    }
}
