using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Stepwise.Agent;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.EndToEnd.Tests;

/// <summary>
/// A real fleet on loopback: `stepwise server` and `stepwise agent` processes (the built CLI), each agent running the
/// orders sample, plus traffic on every node. Children are killed on dispose; every wait is bounded and a failed wait
/// prints the children's logs.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(90);
    private readonly string admin = "e2e-" + Guid.NewGuid().ToString("N");
    private readonly List<LoggedProcess> children = [];
    private readonly Dictionary<string, LoggedProcess> agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Port, string Token, string Service)> nodes = new(StringComparer.Ordinal);
    private string configPath = Path.Combine(RepoRoot(), "samples", "orders", "stepwise.yaml");
    private readonly CancellationTokenSource traffic = new();
    private Task? trafficTask;
    private LoggedProcess? server;
    private int serverPort;

    public string Dir { get; } = Directory.CreateTempSubdirectory("stepwise-e2e-").FullName;
    public ApiClient Api { get; private set; } = null!;
    public string OrdersDb => Path.Combine(Dir, "orders.db");

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stepwise.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("Stepwise.slnx not found above the test directory");
    }

    private static string Configuration => Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Debug";

    public static string StepwiseDll => Path.Combine(AppContext.BaseDirectory, "stepwise.dll");

    public static string OrdersDll => Path.Combine(RepoRoot(), "samples", "orders", "bin", Configuration, "net10.0", "Stepwise.Samples.Orders.dll");

    /// <summary>
    /// Starts the server and <paramref name="nodeCount"/> orders nodes (n1, n2...), plus <paramref name="otherNodes"/>
    /// of other services, with the orders sample's stepwise.yaml or <paramref name="configYaml"/>.
    /// </summary>
    public static async Task<Fleet> StartAsync(int nodeCount, string? configYaml = null, IReadOnlyList<(string Id, string Service)>? otherNodes = null)
    {
        var fleet = new Fleet();
        try
        {
            if (configYaml is not null)
            {
                fleet.configPath = Path.Combine(fleet.Dir, "stepwise.yaml");
                await File.WriteAllTextAsync(fleet.configPath, configYaml);
            }
            await fleet.StartServerAsync();
            for (var i = 1; i <= nodeCount; i++)
            {
                await fleet.AddNodeAsync($"n{i}");
            }
            foreach (var (id, service) in otherNodes ?? [])
            {
                await fleet.AddNodeAsync(id, service);
            }
            var total = nodeCount + (otherNodes?.Count ?? 0);
            await fleet.WaitAsync($"{total} nodes serving 1.0.0", async () =>
                (await fleet.NodesAsync()).Count(n => n.MayServe && n.Health == NodeHealth.Healthy && n.ActualRelease == "1.0.0") == total ? "yes" : null);
            fleet.trafficTask = Task.Run(() => fleet.TrafficAsync(fleet.traffic.Token));
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    public async Task StartServerAsync()
    {
        if (serverPort == 0)
        {
            serverPort = FreePort();
        }
        server = Spawn("server", ["server", "--store", $"sqlite:{Path.Combine(Dir, "stepwise.db")}", "--urls", $"http://127.0.0.1:{serverPort}",
            "--config", configPath, "--tick", "250ms", "--data-store", $"orders-db=sqlite:{OrdersDb}"],
            new() { ["STEPWISE_ADMIN_TOKEN"] = admin });
        Api ??= new ApiClient(new Uri($"http://127.0.0.1:{serverPort}"), admin, TimeSpan.FromSeconds(20));
        await WaitAsync("the server to listen", async () =>
        {
            try
            {
                return (await Api.GetAsync<string>(Routes.Liveness)).Ok ? "up" : null;
            }
            catch (ApiConnectionException)
            {
                return null;
            }
        });
    }

    /// <summary>SIGKILL the server: no shutdown, no flush.</summary>
    public void KillServer()
    {
        server!.Kill();
        children.Remove(server);
    }

    public async Task AddNodeAsync(string id, string service = "orders")
    {
        var token = await Api.PostAsync<TokenCreated>(Routes.Tokens, new TokenBody(TokenKind.Agent, $"agent-{id}", id));
        token.Ok.ShouldBeTrue($"creating the agent token of {id}: {token.Problem}");
        nodes[id] = (FreePort(), token.Value!.Token, service);
        StartAgent(id);
    }

    public void StartAgent(string id)
    {
        var (port, token, service) = nodes[id];
        agents[id] = Spawn($"agent-{id}", ["agent", "--controller", Api.Server.ToString(), "--token", token, "--node", id, "--service", service,
            "--state-dir", Path.Combine(Dir, "agents", id), "--release", "1.0.0",
            "--run", $"dotnet \"{OrdersDll}\" --release {{version}} --port {{port}} --node {{node}} --db \"{OrdersDb}\"",
            "--heartbeat", "500ms", "--app-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)], []);
    }

    /// <summary>SIGKILL a node's agent and its app, as a machine that loses power.</summary>
    public void KillNode(string id)
    {
        if (agents.Remove(id, out var agent))
        {
            agent.Kill();
            children.Remove(agent);
        }
        if (new AgentStateFile(Path.Combine(Dir, "agents", id)).Load() is { AppPid: { } pid, AppStartedAt: { } started })
        {
            AppProcess.KillLeftover(pid, started);
        }
    }

    /// <summary>How many times the agent of <paramref name="id"/> installed <paramref name="release"/> (from its log).</summary>
    public int Installs(string id, string release) =>
        ReadLog($"agent-{id}").Split('\n').Count(l => l.EndsWith($"installed orders {release}", StringComparison.Ordinal));

    public ReleaseRegistration Registration(string version, string[]? needs = null, string[]? usesOldShape = null, string[]? provides = null, OperationCall[]? calls = null) =>
        new(version, new Artifact("dotnet", [OrdersDll, "--release", "{version}", "--port", "{port}", "--node", "{node}", "--db", OrdersDb]),
            Provides: provides ?? ["GET /orders/{id}", "GET /orders", "POST /orders", "DELETE /orders/{id}"], Calls: calls ?? [], Needs: needs ?? [], UsesOldShapeOf: usesOldShape ?? []);

    public async Task RegisterAsync(string version, string[]? needs = null, string[]? usesOldShape = null, string service = "orders", string[]? provides = null, OperationCall[]? calls = null)
    {
        var answer = await Api.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", service)), Registration(version, needs, usesOldShape, provides, calls));
        answer.Ok.ShouldBeTrue($"registering {service} {version}: {answer.Problem}");
    }

    public async Task<List<NodeView>> NodesAsync() => (await Api.GetAsync<List<NodeView>>(Routes.Nodes)).Value ?? [];

    public async Task<string> StartRolloutAsync(string version, string service = "orders")
    {
        var answer = await Api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(service, version, "end-to-end test"));
        answer.Ok.ShouldBeTrue($"starting the rollout to {version}: {answer.Problem}");
        return answer.Value!.Rollout ?? await WaitAsync("the rollout to appear", async () =>
            (await Api.GetAsync<List<RolloutView>>(Routes.Rollouts)).Value?.LastOrDefault(r => r.Service == service && r.To == version)?.Id);
    }

    /// <summary>Waits for the rollout to reach a terminal phase, calling <paramref name="onPhase"/> on each new phase; returns the phases seen.</summary>
    public async Task<List<RolloutPhase>> FollowAsync(string rollout, Func<RolloutPhase, Task>? onPhase = null)
    {
        var phases = new List<RolloutPhase>();
        await WaitAsync($"rollout {rollout} to finish", async () =>
        {
            RolloutView? view;
            try
            {
                view = (await Api.GetAsync<RolloutView>(ApiClient.Route(Routes.Rollout, ("rollout", rollout)))).Value;
            }
            catch (ApiConnectionException)
            {
                return null; // the server is being restarted
            }
            if (view is null)
            {
                return null;
            }
            if (phases.Count == 0 || phases[^1] != view.Phase)
            {
                phases.Add(view.Phase);
                if (onPhase is not null)
                {
                    await onPhase(view.Phase);
                }
            }
            return RolloutPhases.IsTerminal(view.Phase) ? "done" : null;
        });
        return phases;
    }

    public async Task<T> WaitAsync<T>(string what, Func<Task<T?>> probe)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < WaitLimit)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(200);
        }
        Assert.Fail($"gave up waiting for {what} after {WaitLimit.TotalSeconds:0} s\n{Diagnostics()}");
        throw new InvalidOperationException("unreachable");
    }

    public string Diagnostics() => string.Join('\n', Directory.Exists(Path.Combine(Dir, "logs"))
        ? Directory.GetFiles(Path.Combine(Dir, "logs")).Select(f => $"--- {Path.GetFileName(f)} ---\n{string.Join('\n', ReadLogFile(f).Split('\n').TakeLast(25))}")
        : []);

    private string ReadLog(string name) => ReadLogFile(Path.Combine(Dir, "logs", name + ".log"));

    private static string ReadLogFile(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(stream).ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private async Task TrafficAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Task.WhenAll(nodes.Values.Select(async node =>
        {
            for (var n = 0; !ct.IsCancellationRequested; n++)
            {
                try
                {
                    (await http.GetAsync($"http://127.0.0.1:{node.Port}/orders/{1 + (n % 20)}", ct)).Dispose();
                    await Task.Delay(25, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    try
                    {
                        await Task.Delay(100, ct);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }
            }
        }));
    }

    private LoggedProcess Spawn(string name, IReadOnlyList<string> args, Dictionary<string, string> env)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(StepwiseDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }
        var child = new LoggedProcess(name, Process.Start(info)!, Path.Combine(Dir, "logs", name + ".log"));
        children.Add(child);
        return child;
    }

    /// <summary>Runs the stepwise CLI once as a process and returns its exit code and output.</summary>
    public async Task<(int Exit, string Out, string Err)> CliAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(StepwiseDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["STEPWISE_SERVER"] = Api.Server.ToString();
        info.Environment["STEPWISE_TOKEN"] = admin;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(WaitLimit);
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await traffic.CancelAsync();
        if (trafficTask is not null)
        {
            await trafficTask;
        }
        foreach (var child in children.Where(c => c != server).ToList())
        {
            child.Stop();
        }
        foreach (var id in nodes.Keys)
        {
            try
            {
                if (new AgentStateFile(Path.Combine(Dir, "agents", id)).Load() is { AppPid: { } pid, AppStartedAt: { } started })
                {
                    AppProcess.KillLeftover(pid, started);
                }
            }
            catch (AgentStateException)
            {
            }
        }
        server?.Stop();
        Api?.Dispose();
        traffic.Dispose();
    }
}
