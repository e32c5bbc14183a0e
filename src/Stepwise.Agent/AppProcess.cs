using System.Diagnostics;
using System.Runtime.InteropServices;
using Stepwise.Api;

namespace Stepwise.Agent;

/// <summary>
/// One running instance of the app: started from a release's <see cref="Artifact"/> command template
/// ("{version}", "{port}" and "{node}" replaced), its output appended to a log file, stopped with SIGTERM and then,
/// if it lingers, killed with its whole process tree.
/// </summary>
public sealed class AppProcess : IDisposable
{
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(5);
    private readonly Process process;
    private readonly StreamWriter log;
    private readonly HttpClient http;

    private AppProcess(Process process, StreamWriter log, string release, int port, Artifact artifact, DateTimeOffset startedAt)
    {
        this.process = process;
        this.log = log;
        Release = release;
        Port = port;
        Artifact = artifact;
        StartedAt = startedAt;
        http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(2) };
    }

    public string Release { get; }
    public int Port { get; }
    public Artifact Artifact { get; }
    public DateTimeOffset StartedAt { get; }
    public int Pid => process.Id;

    public bool Exited
    {
        get
        {
            try
            {
                return process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>The command line the template expands to for this release, port and node.</summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Expand(Artifact artifact, string release, int port, string node)
    {
        string Fill(string s) => s.Replace("{version}", release, StringComparison.Ordinal)
            .Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{node}", node, StringComparison.Ordinal);
        return (Fill(artifact.Command), [.. artifact.Arguments.Select(Fill)]);
    }

    /// <summary>Starts the app; throws <see cref="AppStartException"/> when the command cannot be run.</summary>
    public static AppProcess Start(Artifact artifact, string release, int port, string node, string logPath, DateTimeOffset now)
    {
        var (file, arguments) = Expand(artifact, release, port, node);
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (k, v) in artifact.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        try
        {
            if (!process.Start())
            {
                throw new AppStartException($"could not start '{file}'");
            }
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.Dispose();
            process.Dispose();
            throw new AppStartException($"could not start '{file}' for {release}: {e.Message}; check the release's artifact command");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Write(log, $"--- stepwise agent started {file} {string.Join(' ', arguments)} (pid {process.Id}) at {now:O}");
        return new AppProcess(process, log, release, port, artifact, now);
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Whether the app answers its health path with 2xx now.</summary>
    public async Task<bool> HealthyAsync(CancellationToken cancellationToken)
    {
        if (Exited)
        {
            return false;
        }
        try
        {
            using var response = await http.GetAsync(Artifact.HealthPath, cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The app's metrics now, or null when they cannot be read or parsed.</summary>
    public async Task<MetricReading?> ScrapeAsync(CancellationToken cancellationToken)
    {
        if (Exited)
        {
            return null;
        }
        try
        {
            var text = await http.GetStringAsync(Artifact.MetricsPath, cancellationToken);
            return MetricReading.From(PrometheusText.Parse(text));
        }
        catch (Exception e) when (e is HttpRequestException or FormatException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>SIGTERM, wait a little for a clean exit, then kill the process tree.</summary>
    public async Task StopAsync()
    {
        if (!Exited)
        {
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            {
                _ = SysKill(process.Id, SigTerm);
                using var wait = new CancellationTokenSource(GracefulStop);
                try
                {
                    await process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
            KillTree(process);
        }
        Write(log, "--- stepwise agent stopped the app");
    }

    internal static void KillTree(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <summary>
    /// Kills an app a previous run of the agent left behind (the agent itself was killed), identified by its pid and
    /// start time so a recycled pid is left alone.
    /// </summary>
    public static bool KillLeftover(int pid, DateTimeOffset startedAt)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            var started = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
            if (Math.Abs((started - startedAt).TotalSeconds) > 2)
            {
                return false;
            }
            KillTree(process);
            return true;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The actual start time of the process (what <see cref="KillLeftover"/> compares).</summary>
    public DateTimeOffset ProcessStartTime
    {
        get
        {
            try
            {
                return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
            }
            catch (InvalidOperationException)
            {
                return StartedAt;
            }
        }
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    public void Dispose()
    {
        KillTree(process);
        process.Dispose();
        http.Dispose();
        lock (log)
        {
            log.Dispose();
        }
    }
}

public sealed class AppStartException(string message) : Exception(message);
