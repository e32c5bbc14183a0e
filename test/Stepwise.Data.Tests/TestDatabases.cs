using Microsoft.Data.Sqlite;
using Npgsql;
using Stepwise.Data.Sql;

namespace Stepwise.Data.Tests;

/// <summary>
/// Real databases for the tests. PostgreSQL comes from STEPWISE_TEST_PG (eng/setup.d/20-postgres.sh starts a throwaway
/// cluster and exports it): without it a test skips on a developer machine and fails when CI is set, so CI cannot go
/// green by skipping. Each test gets a database of its own.
/// </summary>
public static class TestDatabases
{
    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    public static string PostgresServer()
    {
        var cs = Environment.GetEnvironmentVariable("STEPWISE_TEST_PG");
        if (string.IsNullOrEmpty(cs))
        {
            if (InCi)
            {
                throw new InvalidOperationException("STEPWISE_TEST_PG is not set: CI must run eng/setup.sh (eng/setup.d/20-postgres.sh) before the tests");
            }
            Assert.Skip("no PostgreSQL: run 'source eng/setup.sh' to start one (STEPWISE_TEST_PG)");
        }
        return cs!;
    }

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

    public static async Task<PgScratch> NewPostgresAsync()
    {
        var server = PostgresServer();
        var name = "stepwise_t_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await cmd.ExecuteNonQueryAsync();
        }
        var b = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = false };
        return new PgScratch(server, name, b.ConnectionString, $"postgres://{b.Username}@{b.Host}:{b.Port}/{name}");
    }

    public static SqliteScratch NewSqlite()
    {
        var dir = Path.Combine(Path.GetTempPath(), "stepwise-tests");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, Guid.NewGuid().ToString("N") + ".db");
        return new SqliteScratch(path);
    }
}

public sealed record PgScratch(string Server, string Name, string ConnectionString, string Url) : IAsyncDisposable
{
    public async Task ExecAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)Convert.ChangeType((await cmd.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await using var admin = new NpgsqlConnection(Server);
        await admin.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", admin);
        await cmd.ExecuteNonQueryAsync();
    }
}

public sealed record SqliteScratch(string Path) : IDisposable
{
    public string Url => $"sqlite:{Path}";

    public string ConnectionString => $"Data Source={Path};Pooling=False";

    public void Exec(string sql)
    {
        using var conn = new SqliteConnection(ConnectionString);
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public T Scalar<T>(string sql)
    {
        using var conn = new SqliteConnection(ConnectionString);
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
        {
            File.Delete(Path + suffix);
        }
    }
}
