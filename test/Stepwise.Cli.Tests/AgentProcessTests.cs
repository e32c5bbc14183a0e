using System.Diagnostics;
using Stepwise.Agent;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Testing;

namespace Stepwise.Cli.Tests;

/// <summary>
/// A real <c>stepwise agent</c> process and the real app it starts: the app never outlives its agent. Killed with
/// SIGKILL, the agent's app dies with it (the kernel's parent-death signal); stopped normally, the agent stops the
/// app's whole process group, including what the app started.
/// </summary>
public sealed class AgentProcessTests : IAsyncLifetime
{
    private FakeController controller = null!;
    private readonly string dir = Scratch.Directory("stepwise-agent-process-");
    private Process? agent;
    private readonly List<int> strays = [];

    public async ValueTask InitializeAsync() => controller = await FakeController.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (agent is { HasExited: false })
        {
            agent.Kill(entireProcessTree: true);
        }
        foreach (var pid in strays.Where(Alive))
        {
            _ = AppLauncher.Signal(pid, AppLauncher.SigKill);
        }
        await controller.DisposeAsync();
    }

    /// <summary>Serves an app that starts a child of its own and then sleeps: both are in the app's process group.</summary>
    private void ServeShellApp() =>
        controller.Reply = hb => new HeartbeatReply(hb.Node, "1.0.0", true, NodeState.Active, new Artifact("/bin/sh", ["-c", "sleep 300 & exec sleep 301"]), 1);

    private Process StartAgent()
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["STEPWISE_TOKEN"] = FakeController.Token;
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "stepwise.dll"), "agent", "--controller", controller.Address.ToString(), "--node", "n1", "--service", "orders", "--state-dir", dir, "--heartbeat", "200ms" })
        {
            start.ArgumentList.Add(a);
        }
        agent = Process.Start(start)!;
        return agent;
    }

    /// <summary>The app pid the agent saved once it started the app, and every process in the app's group.</summary>
    private async Task<(int App, List<int> Group)> AppStartedAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 600; i++)
        {
            if (process.HasExited)
            {
                Assert.Fail($"the agent exited with {process.ExitCode}\n{await stdout}\n{await stderr}");
            }
            var state = File.Exists(Path.Combine(dir, AgentStateFile.FileName)) ? TryLoad() : null;
            if (state is { AppPid: { } pid })
            {
                var group = GroupMembers(pid);
                if (group.Count >= 2)
                {
                    strays.AddRange(group);
                    return (pid, group);
                }
            }
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Fail("the agent did not start the app");
        return default;
    }

    private AgentState? TryLoad()
    {
        try
        {
            return new AgentStateFile(dir).Load();
        }
        catch (Exception e) when (e is AgentStateException or IOException)
        {
            return null;
        }
    }

    /// <summary>Live processes whose process group is <paramref name="group"/> (from /proc).</summary>
    private static List<int> GroupMembers(int group) =>
        [.. Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Select(n => int.TryParse(n, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && Stat(pid) is { State: not 'Z' } s && s.Group == group)];

    /// <summary>State and process group of a process from /proc/PID/stat; null when it is gone.</summary>
    private static (char State, int Group)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static bool Alive(int pid) => Stat(pid) is { State: not 'Z' };

    /// <summary>Polls until none of <paramref name="pids"/> is alive; false when some still are after <paramref name="bound"/>.</summary>
    private static async Task<bool> AllGoneWithin(IEnumerable<int> pids, TimeSpan bound)
    {
        var watch = Stopwatch.StartNew();
        while (pids.Any(Alive))
        {
            if (watch.Elapsed > bound)
            {
                return false;
            }
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
        return true;
    }

    [Fact]
    public async Task an_agent_killed_with_sigkill_takes_its_app_with_it_within_a_second()
    {
        Assert.SkipUnless(AppLauncher.Supervised, "needs Linux with setsid and setpriv (util-linux)");
        ServeShellApp();
        var process = StartAgent();
        var (app, _) = await AppStartedAsync(process);
        Alive(app).ShouldBeTrue();

        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        (await AllGoneWithin([app], TimeSpan.FromSeconds(1))).ShouldBeTrue($"app pid {app} still runs after its agent was killed");
    }

    [Fact]
    public async Task the_next_agent_start_stops_what_a_killed_agents_app_left_in_its_group()
    {
        Assert.SkipUnless(AppLauncher.Supervised, "needs Linux with setsid and setpriv (util-linux)");
        ServeShellApp();
        var process = StartAgent();
        var (app, group) = await AppStartedAsync(process);
        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        (await AllGoneWithin([app], TimeSpan.FromSeconds(1))).ShouldBeTrue();

        var lines = new List<string>();
        await using (var next = new NodeAgent(new AgentOptions(controller.Address, FakeController.Token, "n1", "orders", dir), lines.Add))
        {
            next.Start();
        }

        (await AllGoneWithin(group, TimeSpan.FromSeconds(5))).ShouldBeTrue($"left running in group {app}: {string.Join(", ", group.Where(Alive))}");
    }

    [Fact]
    public async Task an_agent_stopped_with_sigterm_stops_the_apps_whole_process_group_and_exits_0()
    {
        Assert.SkipUnless(AppLauncher.Supervised, "needs Linux with setsid and setpriv (util-linux)");
        ServeShellApp();
        var process = StartAgent();
        var (_, group) = await AppStartedAsync(process);

        AppLauncher.Signal(process.Id, AppLauncher.SigTerm).ShouldBeTrue();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(wait.Token);

        process.ExitCode.ShouldBe(0);
        group.Where(Alive).ShouldBeEmpty();
    }
}
