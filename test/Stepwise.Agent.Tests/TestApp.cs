using Stepwise.Api;

namespace Stepwise.Agent.Tests;

/// <summary>The orders sample as the app under the agent, and helpers to bound every wait.</summary>
internal static class TestApp
{
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stepwise.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Stepwise.slnx not found above the test directory");
    }

    /// <summary>The built sample dll (same configuration as the tests).</summary>
    public static string OrdersDll()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Debug";
        var path = Path.Combine(RepoRoot(), "samples", "orders", "bin", configuration, "net10.0", "Stepwise.Samples.Orders.dll");
        File.Exists(path).ShouldBeTrue($"the orders sample is not built at {path}");
        return path;
    }

    public static Artifact Artifact(string db) =>
        new("dotnet", [OrdersDll(), "--release", "{version}", "--port", "{port}", "--node", "{node}", "--db", db]);

    public static string TempDir() => Directory.CreateTempSubdirectory("stepwise-agent-test-").FullName;

    /// <summary>Steps the agent until <paramref name="done"/> holds; fails with the app log after a bounded number of steps.</summary>
    public static async Task StepUntil(NodeAgent agent, Func<bool> done, string what, Func<string>? diagnostics = null, int maxSteps = 200)
    {
        for (var i = 0; i < maxSteps; i++)
        {
            if (done())
            {
                return;
            }
            var wait = await agent.StepAsync(TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100, wait.TotalMilliseconds)), TestContext.Current.CancellationToken);
        }
        var log = File.Exists(agent.LogPath) ? File.ReadAllText(agent.LogPath) : "(no app log)";
        Assert.Fail($"gave up waiting for: {what}\n{diagnostics?.Invoke()}\napp log:\n{log}");
    }
}
