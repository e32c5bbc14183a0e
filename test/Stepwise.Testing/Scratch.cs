using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Stepwise.Testing;

/// <summary>Throwaway resources for one test: free loopback ports, folders, PostgreSQL databases.</summary>
public static class Scratch
{
    /// <summary>A TCP port free on 127.0.0.1 now (the OS picks it).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A new empty folder under the system's temporary folder.</summary>
    public static string Directory(string prefix = "stepwise-test-") => System.IO.Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The repository's root folder (the one holding Stepwise.slnx), found above the test's output.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Stepwise.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Stepwise.slnx not found above the test directory");
    }

    /// <summary>The PostgreSQL server the tests use (STEPWISE_TEST_PG, an Npgsql connection string; eng/setup.sh starts one).</summary>
    public static string PostgresServer() =>
        Need.Variable("STEPWISE_TEST_PG", "run 'source eng/setup.sh' to start a throwaway PostgreSQL (it exports STEPWISE_TEST_PG)");

    /// <summary>A new, empty PostgreSQL database: its postgres:// URL, its connection string, and how to drop it.</summary>
    public static async Task<ScratchDatabase> PostgresDatabaseAsync(string prefix = "stepwise_test_")
    {
        var server = PostgresServer();
        var name = prefix + Guid.NewGuid().ToString("N")[..12];
        await ExecAsync(server, $"CREATE DATABASE {name}");
        var b = new NpgsqlConnectionStringBuilder(server) { Database = name, Pooling = false };
        var user = Uri.EscapeDataString(b.Username ?? "postgres");
        var password = string.IsNullOrEmpty(b.Password) ? "" : ":" + Uri.EscapeDataString(b.Password);
        var url = $"postgres://{user}{password}@{b.Host}:{(b.Port == 0 ? 5432 : b.Port)}/{name}";
        return new ScratchDatabase(url, b.ConnectionString, () => ExecAsync(server, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    }

    public static async Task ExecAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A scratch PostgreSQL database; disposing drops it.</summary>
public sealed record ScratchDatabase(string Url, string ConnectionString, Func<Task> Drop) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await Drop();
}
