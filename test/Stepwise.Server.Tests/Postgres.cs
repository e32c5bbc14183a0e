using Npgsql;

namespace Stepwise.Server.Tests;

/// <summary>
/// The PostgreSQL server tests use (STEPWISE_TEST_PG, an Npgsql connection string; eng/setup.d starts one in CI).
/// Without it a test skips on a developer machine and fails when CI is set, so CI can never pass by skipping.
/// </summary>
public static class Postgres
{
    public static string RequireConnectionString()
    {
        var value = Environment.GetEnvironmentVariable("STEPWISE_TEST_PG");
        if (string.IsNullOrWhiteSpace(value))
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            {
                Assert.Fail("STEPWISE_TEST_PG is not set but CI is: PostgreSQL tests must run in CI (eng/setup.d/20-postgres.sh exports it)");
            }
            Assert.Skip("STEPWISE_TEST_PG is not set: no PostgreSQL to test against");
        }
        return value;
    }

    /// <summary>Creates a new, empty database and returns its postgres:// URL.</summary>
    public static async Task<string> NewDatabaseUrlAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(RequireConnectionString());
        var name = "stepwise_server_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var user = Uri.EscapeDataString(builder.Username ?? "postgres");
        var password = string.IsNullOrEmpty(builder.Password) ? "" : ":" + Uri.EscapeDataString(builder.Password);
        return $"postgres://{user}{password}@{builder.Host}:{(builder.Port == 0 ? 5432 : builder.Port)}/{name}";
    }
}
