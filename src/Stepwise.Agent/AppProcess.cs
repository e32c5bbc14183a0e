using System.Diagnostics;
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

    private AppProcess(Process process, StreamWriter log, string release, int port, Artifact artifact, DateTimeOffset startedAt, bool ownGroup)
    {
        OwnGroup = ownGroup;
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

    /// <summary>This instance's health probes so far: one failed probe after a healthy one is not yet an outage.</summary>
    public HealthProbes Probes { get; } = new();

    /// <summary>Whether the app leads its own process group (its pid is the group id), so stopping it stops all it started.</summary>
    public bool OwnGroup { get; }

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
    public static AppProcess Start(Artifact artifact, string release, int port, string node, string logPath, DateTimeOffset now, AgentPolicy? policy = null)
    {
        policy ??= AgentPolicy.AllowAll;
        if (policy.Refusal(artifact) is { } refusal)
        {
            throw new AppStartException($"refused to run {release}: {refusal}");
        }
        if (!AgentPolicy.SafeValue(release) || !AgentPolicy.SafeValue(node))
        {
            throw new AppStartException($"refused to run release '{release}' on node '{node}': a release or node id holds characters other than letters, digits and . _ - +");
        }
        var (file, arguments) = Expand(artifact, release, port, node);
        var program = AppLauncher.Find(file)
            ?? throw new AppStartException($"could not start '{file}' for {release}: no such executable file; check the release's artifact command");
        if (policy.ProgramRefusal(program) is { } notAllowed)
        {
            throw new AppStartException($"refused to run {release}: {notAllowed}");
        }
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        Process process;
        try
        {
            process = AppLauncher.Start(program, arguments, info =>
            {
                info.RedirectStandardOutput = true;
                info.RedirectStandardError = true;
                info.RedirectStandardInput = true;
                foreach (var (k, v) in artifact.Environment ?? new Dictionary<string, string>())
                {
                    info.Environment[k] = v;
                }
            });
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.Dispose();
            throw new AppStartException($"could not start '{file}' for {release}: {e.Message}; check the release's artifact command");
        }
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Write(log, $"--- stepwise agent started {program} {string.Join(' ', arguments)} (pid {process.Id}{(AppLauncher.Supervised ? ", own process group, dies with the agent" : "")}) at {now:O}");
        return new AppProcess(process, log, release, port, artifact, now, AppLauncher.Supervised);
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

    /// <summary>Why the last scrape's text could not be read (malformed, or a selector's regex ran too long); null after a good one.</summary>
    public string? ScrapeError { get; private set; }

    /// <summary>The series <paramref name="spec"/> selects from the app's metrics now, or null when they cannot be read or parsed.</summary>
    public async Task<MetricReading?> ScrapeAsync(AppMetricsSpec spec, CancellationToken cancellationToken)
    {
        if (Exited)
        {
            return null;
        }
        try
        {
            var text = await http.GetStringAsync(Artifact.MetricsPath, cancellationToken);
            var reading = MetricReading.From(PrometheusText.Parse(text), spec);
            ScrapeError = null;
            return reading;
        }
        catch (FormatException e)
        {
            ScrapeError = e.Message;
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>SIGTERM to the app (its whole process group when it has one), wait a little for a clean exit, then kill what is left.</summary>
    public async Task StopAsync()
    {
        var pid = process.Id;
        if (!Exited)
        {
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            {
                _ = OwnGroup ? AppLauncher.SignalGroup(pid, AppLauncher.SigTerm) : AppLauncher.Signal(pid, AppLauncher.SigTerm);
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
        if (OwnGroup)
        {
            // Whatever the app started and left behind in its group (a group id is not reused while the group has members).
            _ = AppLauncher.SignalGroup(pid, AppLauncher.SigKill);
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
    /// start time so a recycled pid is left alone. When the app led its own process group (<paramref name="ownGroup"/>),
    /// the group is killed too, also when the app itself is already gone and only what it started is left.
    /// </summary>
    public static bool KillLeftover(int pid, DateTimeOffset startedAt, bool ownGroup = false)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            var started = new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
            if (Math.Abs((started - startedAt).TotalSeconds) > 2)
            {
                return false; // the pid was recycled: not the app, and no longer its group's id
            }
            if (ownGroup)
            {
                _ = AppLauncher.SignalGroup(pid, AppLauncher.SigKill);
            }
            KillTree(process);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // The app is gone. Its group outlives it only while something it started does, and a group id is not
            // reused for a new process until then, so signalling the group reaches only what the app left behind.
            return ownGroup && AppLauncher.SignalGroup(pid, AppLauncher.SigKill);
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
