using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Stepwise.Agent;

/// <summary>
/// Starts app processes so that they never outlive the agent.
/// <para>
/// On Linux the app runs in its own session and process group (<c>setsid</c>) with a parent-death signal of SIGKILL
/// (<c>prctl(PR_SET_PDEATHSIG)</c>, set by <c>setpriv --pdeathsig</c>). .NET gives no hook between fork and exec, and
/// <c>prctl</c> only affects the calling process, so the call must be made by the child itself: the two small
/// util-linux programs do exactly that and then exec the app in place (same pid, no extra process). Neither program
/// sees the app's arguments as anything but argv: nothing goes through a shell.
/// </para>
/// <para>
/// The parent-death signal fires when the <em>thread</em> that forked the child ends, not the process. Thread-pool
/// threads come and go, so every start runs on one dedicated launcher thread that lives as long as the agent.
/// </para>
/// <para>
/// When the agent stops normally it signals the app's whole process group (SIGTERM, then SIGKILL). When it is
/// killed, the kernel kills the app at once; anything the app forked stays in its group, and the next agent start
/// kills that group (the group id is the app's pid, which the state file keeps).
/// Elsewhere (macOS, or Linux without util-linux) the app starts directly and a killed agent's app runs on until the
/// agent starts again.
/// </para>
/// </summary>
public static class AppLauncher
{
    private static readonly BlockingCollection<Action> Work = [];
    private static readonly Lazy<Thread> LauncherThread = new(() =>
    {
        var thread = new Thread(() =>
        {
            foreach (var action in Work.GetConsumingEnumerable())
            {
                action();
            }
        })
        { IsBackground = true, Name = "stepwise app launcher" };
        thread.Start();
        return thread;
    });

    private static readonly Lazy<(string Setsid, string Setpriv)?> Tools = new(() =>
        OperatingSystem.IsLinux() && Find("setsid") is { } setsid && Find("setpriv") is { } setpriv ? (setsid, setpriv) : null);

    /// <summary>Whether apps started here get their own process group and die with the agent.</summary>
    public static bool Supervised => Tools.Value is not null;

    /// <summary>
    /// Starts <paramref name="program"/> (a resolved path) with <paramref name="arguments"/>: in its own process group
    /// with a parent-death signal when <see cref="Supervised"/>. <paramref name="configure"/> sets redirection and
    /// environment on the start info; the program and arguments are set here.
    /// </summary>
    public static Process Start(string program, IReadOnlyList<string> arguments, Action<ProcessStartInfo> configure)
    {
        var info = new ProcessStartInfo { UseShellExecute = false };
        if (Tools.Value is var (setsid, setpriv))
        {
            info.FileName = setsid;
            foreach (var a in new[] { "--", setpriv, "--pdeathsig", "KILL", "--", program })
            {
                info.ArgumentList.Add(a);
            }
        }
        else
        {
            info.FileName = program;
        }
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        configure(info);
        _ = LauncherThread.Value;
        var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        Work.Add(() =>
        {
            try
            {
                var process = new Process { StartInfo = info };
                process.Start();
                done.SetResult(process);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// The full path of <paramref name="command"/>: itself when it names a path (relative to the working directory),
    /// else the first executable file of that name on PATH; null when there is none.
    /// </summary>
    public static string? Find(string command, string? path = null)
    {
        if (command.Length == 0 || command.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }
        if (command.Contains('/', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(command);
            return IsExecutableFile(full) ? full : null;
        }
        foreach (var dir in (path ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, command);
            if (Path.IsPathFullyQualified(candidate) && IsExecutableFile(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        if (OperatingSystem.IsWindows())
        {
            return true;
        }
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }

    /// <summary>Sends <paramref name="signal"/> to the process group <paramref name="group"/>; false when there is no such group.</summary>
    public static bool SignalGroup(int group, int signal) =>
        group > 1 && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && SysKill(-group, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to one process.</summary>
    public static bool Signal(int pid, int signal) =>
        pid > 1 && (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) && SysKill(pid, signal) == 0;

    public const int SigTerm = 15;
    public const int SigKill = 9;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);
}
