using System.Diagnostics;
using System.Text;

namespace Stepwise.Testing;

/// <summary>
/// The monitoring programs the observability tests run (eng/setup.d/40-observability.sh installs them from Debian and
/// exports where they are): missing, a test skips here and fails in CI.
/// </summary>
public static class Tools
{
    private const string HowTo = "run 'source eng/setup.sh' (it installs Debian's prometheus, prometheus-alertmanager and chromium)";

    public static string Prometheus() => Find("STEPWISE_PROMETHEUS", "prometheus");

    public static string Promtool() => Find("STEPWISE_PROMTOOL", "promtool");

    public static string Alertmanager() => Find("STEPWISE_ALERTMANAGER", "prometheus-alertmanager");

    public static string Chromium() => Find("STEPWISE_CHROMIUM", "chromium");

    private static string Find(string variable, string name) =>
        Need.Program(Environment.GetEnvironmentVariable(variable) is { Length: > 0 } path ? path : name, HowTo);

    /// <summary>Runs a program to its end (at most <paramref name="timeoutSeconds"/>), with what it wrote.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string program, IEnumerable<string> arguments, string? workingDirectory = null, string? input = null, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {timeoutSeconds} s");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A program run for the length of a test (a Prometheus, an Alertmanager); killed on dispose, its output kept for failure messages.</summary>
public sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    public BackgroundProcess(string program, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (workingDirectory is not null)
        {
            start.WorkingDirectory = workingDirectory;
        }
        process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public bool Exited => process.HasExited;

    /// <summary>What the program wrote so far (its last 20,000 characters).</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.Length > 20_000 ? output.ToString(output.Length - 20_000, 20_000) : output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}
