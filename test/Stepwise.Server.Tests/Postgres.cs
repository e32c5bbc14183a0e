using Stepwise.Testing;

namespace Stepwise.Server.Tests;

/// <summary>The PostgreSQL server tests use (STEPWISE_TEST_PG): skipped on a developer machine without it, failed in CI.</summary>
public static class Postgres
{
    public static string RequireConnectionString() => Scratch.PostgresServer();

    /// <summary>Creates a new, empty database and returns its postgres:// URL.</summary>
    public static async Task<string> NewDatabaseUrlAsync() => (await Scratch.PostgresDatabaseAsync("stepwise_server_")).Url;
}
