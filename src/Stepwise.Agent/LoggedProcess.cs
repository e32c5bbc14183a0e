using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Stepwise.Agent;

/// <summary>
/// A child process (a server, an agent) whose output is appended to a log file, with the two ways it can end:
/// <see cref="Kill"/> (SIGKILL, as a machine losing power) and <see cref="Stop"/> (SIGTERM, then kill if it lingers).
/// Used by <c>stepwise demo</c> and the end-to-end tests.
/// </summary>
public sealed class LoggedProcess
{
    private readonly Process process;
    private readonly StreamWriter log;

    public LoggedProcess(string name, Process process, string logPath)
    {
        Name = name;
        LogPath = logPath;
        this.process = process;
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string LogPath { get; }

    public bool Exited => process.HasExited;

    private void Write(string? line)
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

    /// <summary>The last lines of the log (empty when it can't be read).</summary>
    public IEnumerable<string> Tail(int lines)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n').TakeLast(lines).ToList();
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>SIGKILL: the process dies without a word (an agent's app is left running, as after a crash).</summary>
    public void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: false);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>SIGTERM (an agent stops its app), then kill the whole tree if it lingers.</summary>
    public void Stop()
    {
        if (!process.HasExited)
        {
            _ = SysKill(process.Id, 15);
            if (!process.WaitForExit(8000))
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                }
                catch (InvalidOperationException)
                {
                }
            }
        }
        lock (log)
        {
            log.Dispose();
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
