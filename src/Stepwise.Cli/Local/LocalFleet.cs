using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Stepwise.Agent;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Local;

/// <summary>Something a local fleet could not do or wait for; the message ends with the children's last log lines.</summary>
public sealed class LocalFleetException(string message) : Exception(message);

/// <summary>How a local fleet runs: the CLI to start, the sample app, the configuration, where it keeps its files.</summary>
/// <param name="StepwiseDll">The stepwise CLI assembly the server and agents run from.</param>
/// <param name="SampleDll">The orders sample every agent runs.</param>
/// <param name="ConfigPath">The stepwise.yaml the server loads.</param>
/// <param name="Directory">Where the stores, agent states and logs go (a new temporary folder when null).</param>
/// <param name="WaitLimit">How long any one wait may take before it fails with the logs.</param>
/// <param name="Keep">Keep the folder after disposal (for a look at the logs).</param>
/// <param name="ServerArguments">More arguments for <c>stepwise server</c> (e.g. <c>--prometheus URL</c>).</param>
public sealed record LocalFleetOptions(
    string StepwiseDll,
    string SampleDll,
    string ConfigPath,
    string? Directory = null,
    TimeSpan? WaitLimit = null,
    bool Keep = false,
    string Tick = "250ms",
    string Heartbeat = "500ms",
    IReadOnlyList<string>? ServerArguments = null);

/// <summary>
/// A real fleet on loopback, shared by <c>stepwise demo</c> and the end-to-end tests: a <c>stepwise server</c> process
/// on a SQLite store, <c>stepwise agent</c> processes each running the orders sample on its own port over one SQLite
/// database, and orders traffic on every node. Children are stopped on dispose; every wait is bounded and a failed
/// wait carries the children's last log lines.
/// </summary>
public sealed partial class LocalFleet : IAsyncDisposable
{
    private readonly LocalFleetOptions options;
    private readonly string admin = "local-" + Guid.NewGuid().ToString("N");
    private readonly List<LoggedProcess> children = [];
    private readonly Dictionary<string, LoggedProcess> agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Port, string Token, string Service)> nodes = new(StringComparer.Ordinal);
    private LoggedProcess? server;
    private int serverPort;

    private LocalFleet(LocalFleetOptions options)
    {
        this.options = options;
        Dir = options.Directory ?? System.IO.Directory.CreateTempSubdirectory("stepwise-fleet-").FullName;
        WaitLimit = options.WaitLimit ?? TimeSpan.FromSeconds(90);
    }

    public string Dir { get; }

    public TimeSpan WaitLimit { get; }

    public ApiClient Api { get; private set; } = null!;

    /// <summary>The admin token of this fleet's server.</summary>
    public string AdminToken => admin;

    /// <summary>The orders sample's database, shared by every node (and the data store "orders-db").</summary>
    public string OrdersDb => Path.Combine(Dir, "orders.db");

    public string StoreFile => Path.Combine(Dir, "stepwise.db");

    public IReadOnlyCollection<string> NodeIds => nodes.Keys;

    /// <summary>The loopback port the app of node <paramref name="id"/> listens on (where its /metrics is scraped).</summary>
    public int AppPort(string id) => nodes[id].Port;

    /// <summary>Starts the server, <paramref name="nodeCount"/> orders nodes (n1, n2...) and <paramref name="otherNodes"/>, and waits until all serve 1.0.0.</summary>
    public static async Task<LocalFleet> StartAsync(LocalFleetOptions options, int nodeCount, IReadOnlyList<(string Id, string Service)>? otherNodes = null, CancellationToken ct = default)
    {
        var fleet = new LocalFleet(options);
        try
        {
            await fleet.StartServerAsync(ct);
            await fleet.CreateTelemetryTokenAsync(ct);
            for (var i = 1; i <= nodeCount; i++)
            {
                await fleet.AddNodeAsync($"n{i}", "orders", ct);
            }
            foreach (var (id, service) in otherNodes ?? [])
            {
                await fleet.AddNodeAsync(id, service, ct);
            }
            var total = nodeCount + (otherNodes?.Count ?? 0);
            await fleet.WaitAsync($"{total} nodes serving 1.0.0", async () =>
                (await fleet.NodesAsync(ct)).Count(n => n.MayServe && n.Health == NodeHealth.Healthy && n.ActualRelease == "1.0.0") == total ? "yes" : null, ct);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    public int ServerPort => serverPort;

    /// <summary>Starts (or restarts, on the same port and store) the server.</summary>
    public async Task StartServerAsync(CancellationToken ct = default)
    {
        if (serverPort == 0)
        {
            serverPort = FreePort();
        }
        server = Spawn("server", ["server", "--store", $"sqlite:{StoreFile}", "--urls", $"http://127.0.0.1:{serverPort}",
            "--config", options.ConfigPath, "--tick", options.Tick, "--data-store", $"orders-db=sqlite:{OrdersDb}", .. options.ServerArguments ?? []], new() { ["STEPWISE_ADMIN_TOKEN"] = admin });
        Api ??= new ApiClient(new Uri($"http://127.0.0.1:{serverPort}"), admin, TimeSpan.FromSeconds(20));
        await WaitAsync("the server to listen", async () =>
        {
            try
            {
                return (await Api.GetAsync<string>(Routes.Liveness, ct)).Ok ? "up" : null;
            }
            catch (ApiConnectionException)
            {
                return null;
            }
        }, ct);
    }

    /// <summary>SIGKILL the server: no shutdown, no flush.</summary>
    public void KillServer()
    {
        if (server is not null)
        {
            server.Kill();
            children.Remove(server);
            server = null;
        }
    }

    /// <summary>Creates a node's agent token and starts its agent on a free app port.</summary>
    public async Task AddNodeAsync(string id, string service = "orders", CancellationToken ct = default)
    {
        var token = await Api.PostAsync<TokenCreated>(Routes.Tokens, new TokenBody(TokenKind.Agent, $"agent-{id}", id), ct);
        if (!token.Ok)
        {
            throw new LocalFleetException($"creating the agent token of {id}: {token.Problem}");
        }
        nodes[id] = (FreePort(), token.Value!.Token, service);
        StartAgent(id);
    }

    /// <summary>Starts (or restarts) a node's agent; it runs the orders sample, provisioned with 1.0.0.</summary>
    public void StartAgent(string id)
    {
        var (port, token, service) = nodes[id];
        agents[id] = Spawn($"agent-{id}", ["agent", "--controller", Api.Server.ToString(), "--token", token, "--node", id, "--service", service,
            "--state-dir", AgentStateDir(id), "--release", "1.0.0", "--run", RunTemplate, "--heartbeat", options.Heartbeat,
            "--app-port", port.ToString(CultureInfo.InvariantCulture)], []);
    }

    /// <summary>
    /// How agents run the sample: one command line, placeholders substituted per argument. The sample reports its
    /// clients' calls to the server with the orders service token.
    /// </summary>
    public string RunTemplate => $"dotnet \"{options.SampleDll}\" --release {{version}} --port {{port}} --node {{node}} --db \"{OrdersDb}\" " +
        $"--stepwise-server {Api.Server} --stepwise-token-file \"{TelemetryTokenFile}\"";

    /// <summary>The artifact a registration carries to run the sample (the same command as <see cref="RunTemplate"/>).</summary>
    public Artifact SampleArtifact => new("dotnet", [options.SampleDll, "--release", "{version}", "--port", "{port}", "--node", "{node}", "--db", OrdersDb,
        "--stepwise-server", Api.Server.ToString(), "--stepwise-token-file", TelemetryTokenFile]);

    /// <summary>The file holding the orders service token the sample sends its client telemetry with.</summary>
    public string TelemetryTokenFile => Path.Combine(Dir, "orders-telemetry.token");

    /// <summary>
    /// Starts the sample's old client (<c>--client APP/VERSION</c>), calling every orders node in turn; its log says
    /// each change of outcome (<see cref="OldClientLog"/>).
    /// </summary>
    public void StartOldClient(string client)
    {
        var targets = nodes.Where(n => n.Value.Service == "orders").OrderBy(n => n.Key, StringComparer.Ordinal)
            .SelectMany(n => new[] { "--target", $"http://127.0.0.1:{n.Value.Port}" });
        Spawn("old-client", options.SampleDll, ["old-client", "--client", client, .. targets], []);
    }

    /// <summary>What the old client has said so far.</summary>
    public string OldClientLog() => ReadLog("old-client");

    private async Task CreateTelemetryTokenAsync(CancellationToken ct)
    {
        var token = await Api.PostAsync<TokenCreated>(Routes.Tokens, new TokenBody(TokenKind.Agent, "orders-telemetry", Service: "orders"), ct);
        if (!token.Ok)
        {
            throw new LocalFleetException($"creating the orders service token: {token.Problem}");
        }
        // Readable by this user only, as any file holding a token should be.
        var file = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using var stream = new FileStream(TelemetryTokenFile, file);
        await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(token.Value!.Token), ct);
    }

    /// <summary>SIGKILL a node's agent and its app, as a machine that loses power.</summary>
    public void KillNode(string id)
    {
        if (agents.Remove(id, out var agent))
        {
            agent.Kill();
            children.Remove(agent);
        }
        KillLeftoverApp(id);
    }

    public async Task<List<NodeView>> NodesAsync(CancellationToken ct = default) => (await Api.GetAsync<List<NodeView>>(Routes.Nodes, ct)).Value ?? [];

    /// <summary>How many times the agent of <paramref name="id"/> installed <paramref name="release"/> (from its log).</summary>
    public int Installs(string id, string release) =>
        ReadLog($"agent-{id}").Split('\n').Count(l => l.EndsWith($"installed orders {release}", StringComparison.Ordinal));

    /// <summary>The reasons the agent of <paramref name="id"/> gave each time it stopped its app (from its log).</summary>
    public List<string> Stops(string id)
    {
        const string marker = "stopped orders ";
        var reasons = new List<string>();
        foreach (var line in ReadLog($"agent-{id}").Split('\n'))
        {
            var at = line.IndexOf(marker, StringComparison.Ordinal);
            var cut = at < 0 ? -1 : line.IndexOf(": ", at, StringComparison.Ordinal);
            if (cut >= 0)
            {
                reasons.Add(line[(cut + 2)..].Trim());
            }
        }
        return reasons;
    }

    /// <summary>Polls <paramref name="probe"/> until it answers, within <see cref="WaitLimit"/>; fails with the logs.</summary>
    public async Task<T> WaitAsync<T>(string what, Func<Task<T?>> probe, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < WaitLimit)
        {
            if (server is { Exited: true })
            {
                throw new LocalFleetException($"the server exited while waiting for {what}\n{Diagnostics()}");
            }
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(200, ct);
        }
        throw new LocalFleetException($"gave up waiting for {what} after {WaitLimit.TotalSeconds:0} s\n{Diagnostics()}");
    }

    /// <summary>The last lines of every child's log.</summary>
    public string Diagnostics(int lines = 25) => string.Join('\n', System.IO.Directory.Exists(Path.Combine(Dir, "logs"))
        ? System.IO.Directory.GetFiles(Path.Combine(Dir, "logs")).Order(StringComparer.Ordinal)
            .Select(f => $"--- {Path.GetFileName(f)} ---\n{string.Join('\n', ReadLogFile(f).Split('\n').TakeLast(lines))}")
        : []);

    /// <summary>Runs the stepwise CLI once against this fleet's server and returns its exit code and output.</summary>
    public async Task<(int Exit, string Out, string Err)> CliAsync(params string[] args)
    {
        var info = DotnetInfo(options.StepwiseDll, args);
        info.Environment["STEPWISE_SERVER"] = Api.Server.ToString();
        info.Environment["STEPWISE_TOKEN"] = admin;
        using var process = Process.Start(info) ?? throw new LocalFleetException("could not start the stepwise CLI");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(WaitLimit);
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private string AgentStateDir(string id) => Path.Combine(Dir, "agents", id);

    private void KillLeftoverApp(string id)
    {
        try
        {
            if (new AgentStateFile(AgentStateDir(id)).Load() is { AppPid: { } pid, AppStartedAt: { } started } leftover)
            {
                AppProcess.KillLeftover(pid, started, leftover.AppGroup);
            }
        }
        catch (AgentStateException)
        {
            // no state (the agent never started the app): nothing left over
        }
    }

    private ProcessStartInfo DotnetInfo(string dll, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        return info;
    }

    private LoggedProcess Spawn(string name, IReadOnlyList<string> args, Dictionary<string, string> env) => Spawn(name, options.StepwiseDll, args, env);

    private LoggedProcess Spawn(string name, string dll, IReadOnlyList<string> args, Dictionary<string, string> env)
    {
        var info = DotnetInfo(dll, args);
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }
        var child = new LoggedProcess(name, Process.Start(info) ?? throw new LocalFleetException($"could not start {name}"), Path.Combine(Dir, "logs", name + ".log"));
        children.Add(child);
        return child;
    }

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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopTrafficAsync();
        // Agents first (each stops its app), then whatever app is left over, then the server.
        foreach (var child in children.Where(c => c != server).ToList())
        {
            child.Stop();
        }
        foreach (var id in nodes.Keys)
        {
            KillLeftoverApp(id);
        }
        server?.Stop();
        Api?.Dispose();
        if (!options.Keep)
        {
            try
            {
                System.IO.Directory.Delete(Dir, recursive: true);
            }
            catch (IOException)
            {
                // a child still holds a file: the temporary folder goes with the next clean-up
            }
        }
    }
}
