using System.Diagnostics;
using System.Globalization;

/// <summary>What the benches read of the server process they start: a free port, its health, its CPU time and memory (Linux /proc).</summary>
internal static class BenchProcess
{
    /// <summary>A loopback port free now (the local fleet's way of finding one).</summary>
    public static int FreePort() => Stepwise.Cli.Local.LocalFleet.FreePort();

    /// <summary>Waits until GET /healthz answers ok (30 s at most).</summary>
    public static async Task WaitForHealthAsync(HttpClient http)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (await http.GetStringAsync(Stepwise.Api.Routes.Liveness.TrimStart('/')) == "ok")
                {
                    return;
                }
            }
            catch (HttpRequestException) when (attempt < 300)
            {
            }
            await Task.Delay(100);
        }
    }

    /// <summary>User + system CPU time of a process, in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>Resident set size of a process, in bytes (0 when it can't be read).</summary>
    public static long Rss(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}

/// <summary>
/// A `stepwise server` a bench started: SQLite in a temporary folder of its own, tick 1 s, on a free loopback port,
/// with an HTTP client signed in with the admin token, healthy when returned. Disposing it stops the server and deletes
/// the folder.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly string directory;

    private BenchServer(string directory, Process process, HttpClient admin)
    {
        this.directory = directory;
        Process = process;
        Admin = admin;
    }

    public Process Process { get; }

    public HttpClient Admin { get; }

    public static async Task<BenchServer> StartAsync(string name, string yaml, string adminToken, TimeSpan requestTimeout)
    {
        var directory = Directory.CreateTempSubdirectory($"stepwise-{name}-bench-").FullName;
        var config = Path.Combine(directory, "stepwise.yaml");
        await File.WriteAllTextAsync(config, yaml);
        var port = BenchProcess.FreePort();
        var process = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "stepwise.dll"), "server", "--store", "sqlite:" + Path.Combine(directory, "s.db"), "--urls", $"http://127.0.0.1:{port}", "--config", config, "--tick", "1s" },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            Environment = { ["STEPWISE_ADMIN_TOKEN"] = adminToken },
        })!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = requestTimeout };
        admin.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", adminToken);
        var server = new BenchServer(directory, process, admin);
        try
        {
            await BenchProcess.WaitForHealthAsync(admin);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        Process.Kill(entireProcessTree: true);
        await Process.WaitForExitAsync();
        Process.Dispose();
        Directory.Delete(directory, recursive: true);
    }
}
