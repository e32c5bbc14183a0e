using Npgsql;
using Stepwise.Data.Sql;

namespace Stepwise.Cli.Tests;

/// <summary>
/// Scratch databases for the data and lint-sql command tests. PostgreSQL comes from STEPWISE_TEST_PG (started by
/// eng/setup.d/20-postgres.sh): without it a test skips on a developer machine and fails when CI is set.
/// </summary>
internal static class CliDatabases
{
    private static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static void RequireLibPgQuery()
    {
        if (PgQuery.Unavailable is { } why)
        {
            if (InCi)
            {
                throw new InvalidOperationException($"{why}: CI must install libpg-query1504.0 (eng/setup.d/20-postgres.sh)");
            }
            Assert.Skip(why);
        }
    }

    public static async Task<(string Url, string ConnectionString, Func<Task> Drop)> NewPostgresAsync()
    {
        RequireLibPgQuery();
        var server = Environment.GetEnvironmentVariable("STEPWISE_TEST_PG");
        if (string.IsNullOrEmpty(server))
        {
            if (InCi)
            {
                throw new InvalidOperationException("STEPWISE_TEST_PG is not set: CI must run eng/setup.sh before the tests");
            }
            Assert.Skip("no PostgreSQL: run 'source eng/setup.sh' to start one (STEPWISE_TEST_PG)");
        }
        var name = "stepwise_cli_" + Guid.NewGuid().ToString("N")[..12];
        await Exec(server!, $"CREATE DATABASE {name}");
        var b = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = false };
        return ($"postgres://{b.Username}@{b.Host}:{b.Port}/{name}", b.ConnectionString, () => Exec(server!, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
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

    public static string TempDir() => Directory.CreateTempSubdirectory("stepwise-cli-").FullName;

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
