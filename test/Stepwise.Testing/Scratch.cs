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

    /// <summary>
    /// The stepwise CLI as its own project built it (src/Stepwise.Cli/bin/CONFIGURATION/TFM/stepwise.dll), for tests that
    /// start real processes. A copy in a test's output runs with the test project's resolution of shared packages,
    /// which can leave out assemblies the CLI's own manifest lists; the CLI's folder has everything it needs.
    /// </summary>
    public static string StepwiseDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var own = Path.Combine(RepoRoot(), "src", "Stepwise.Cli", "bin", output.Parent!.Name, output.Name, "stepwise.dll");
        return File.Exists(own) ? own : Path.Combine(AppContext.BaseDirectory, "stepwise.dll");
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
