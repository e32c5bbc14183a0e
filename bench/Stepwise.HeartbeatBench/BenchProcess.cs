using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

/// <summary>What the benches read of the server process they start: a free port, its health, its CPU time and memory (Linux /proc).</summary>
internal static class BenchProcess
{
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Starts `stepwise server` (SQLite in <paramref name="directory"/>, tick 1 s) on <paramref name="port"/>, its output discarded.</summary>
    public static Process StartServer(string directory, string config, int port, string adminToken)
    {
        var server = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "stepwise.dll"), "server", "--store", "sqlite:" + Path.Combine(directory, "s.db"), "--urls", $"http://127.0.0.1:{port}", "--config", config, "--tick", "1s" },
            UseShellExecute = false,
            RedirectStandardOutput = true,
            Environment = { ["STEPWISE_ADMIN_TOKEN"] = adminToken },
        })!;
        server.OutputDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        return server;
    }

    /// <summary>Waits until GET /healthz answers ok (30 s at most).</summary>
    public static async Task WaitForHealthAsync(HttpClient http)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (await http.GetStringAsync("healthz") == "ok")
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
