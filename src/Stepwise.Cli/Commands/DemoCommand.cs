using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Agent;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise demo [--non-interactive]</c>: a real server on a temporary SQLite file, six agents running the orders
/// sample on loopback ports over one SQLite database, traffic on every node, and the whole story: a safe release with
/// its rollback rehearsal, an N+2 attempt refused, a node taken offline during a push and quarantined when it
/// returns, expand → code → contract, a bad canary rolled back by itself, a breaking contract refused at registration.
/// Exit 0 when every act ends as it should.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var nonInteractive = new Option<bool>("--non-interactive") { Description = "Plain progress lines (for scripts and CI) instead of the live display." };
        var sample = new Option<string?>("--sample") { Description = "The built orders sample (Stepwise.Samples.Orders.dll); default: found next to the source tree." };
        var keep = new Option<bool>("--keep") { Description = "Keep the temporary directory (databases, logs) for a look afterwards." };
        var command = new Command("demo", "Run the Stepwise story end to end on this machine: server, six agents, the orders sample (about a minute).")
        {
            nonInteractive, sample, keep,
        };
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var dll = parse.GetValue(sample) ?? FindSample();
            if (dll is null || !File.Exists(dll))
            {
                stderr.WriteLine($"error: the orders sample is not built{(dll is null ? "" : $" at {dll}")}; run 'dotnet build samples/orders' or give --sample PATH");
                return ExitCodes.BadInput;
            }
            var interactive = !parse.GetValue(nonInteractive) && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
            await using var demo = new DemoRun(dll, stdout, parse.GetValue(keep));
            try
            {
                if (interactive)
                {
                    await CliOutput.Console(stdout).Status().Spinner(Spinner.Known.Dots).StartAsync("starting", async ctx =>
                    {
                        demo.Status = text => ctx.Status(Markup.Escape(text));
                        await demo.RunAsync(ct);
                    });
                }
                else
                {
                    await demo.RunAsync(ct);
                }
            }
            catch (DemoFailure e)
            {
                stderr.WriteLine($"error: {e.Message}");
                demo.PrintDiagnostics(stderr);
                demo.Summary(CliOutput.Console(stdout));
                return ExitCodes.Refused;
            }
            demo.Summary(CliOutput.Console(stdout));
            return demo.AllPassed ? ExitCodes.Ok : ExitCodes.Refused;
        });
        return command;
    }

    /// <summary>samples/orders/bin/CONFIG/net10.0/Stepwise.Samples.Orders.dll above the running stepwise.dll.</summary>
    internal static string? FindSample()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var config in new[] { configuration, "Release", "Debug" })
            {
                var path = Path.Combine(dir.FullName, "samples", "orders", "bin", config, "net10.0", "Stepwise.Samples.Orders.dll");
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }
        return null;
    }
}

internal sealed class DemoFailure(string message) : Exception(message);

/// <summary>One act of the story and how it ended.</summary>
internal sealed record DemoAct(string Name, string Expected, string Outcome, bool Passed);

/// <summary>The demo's processes, traffic and acts. Every child is killed on dispose; every wait is bounded.</summary>
internal sealed class DemoRun : IAsyncDisposable
{
    private const string Service = "orders";
    private const int NodeCount = 6;
    private static readonly TimeSpan ActTimeout = TimeSpan.FromSeconds(60);

    private readonly string sampleDll;
    private readonly TextWriter output;
    private readonly bool keep;
    private readonly string dir = Directory.CreateTempSubdirectory("stepwise-demo-").FullName;
    private readonly string adminToken = "demo-" + Guid.NewGuid().ToString("N");
    private readonly List<LoggedProcess> children = [];
    private readonly Dictionary<string, LoggedProcess> agents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Port, string Token)> nodes = new(StringComparer.Ordinal);
    private readonly List<DemoAct> acts = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource traffic = new();
    private Task? trafficTask;
    private ApiClient api = null!;
    private LoggedProcess server = null!;

    public DemoRun(string sampleDll, TextWriter output, bool keep)
    {
        this.sampleDll = sampleDll;
        this.output = output;
        this.keep = keep;
    }

    public Action<string>? Status { get; set; }

    public bool AllPassed => acts.Count > 0 && acts.All(a => a.Passed);

    private string SampleDir => Path.GetDirectoryName(sampleDll)!;

    private string OrdersDb => Path.Combine(dir, "orders.db");

    private void Say(string line)
    {
        Status?.Invoke(line);
        lock (output)
        {
            output.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0.0}s] {line}");
            output.Flush();
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        await StartServerAsync(ct);
        await StartFleetAsync(ct);
        await RegisterAsync(ct);
        trafficTask = Task.Run(() => TrafficAsync(traffic.Token), CancellationToken.None);

        // A safe release; n6 goes offline mid-push.
        var first = await StartRolloutAsync("1.1.0", ct);
        string? straggler = null;
        var phases = await WatchRolloutAsync(first, ct, onPhase: async (view, phase) =>
        {
            if (phase == RolloutPhase.Waves && straggler is null)
            {
                // A node the push has not reached yet: still on 1.0.0, not a canary.
                var list = (await api.GetAsync<List<NodeView>>(Routes.Nodes, ct)).Value ?? [];
                straggler = list.Where(n => n.ActualRelease == "1.0.0" && n.DesiredRelease != "1.1.0" && !view.CanaryNodes.Contains(n.Id)).Select(n => n.Id).OrderBy(id => id, StringComparer.Ordinal).LastOrDefault();
                if (straggler is not null)
                {
                    Say($"taking {straggler} offline mid-push: SIGKILL its agent and its app");
                    await KillNodeAsync(straggler);
                }
            }
        });
        Act("safe release with rehearsal", "1.0.0 -> 1.1.0 canaries, bakes, rehearses the rollback, completes",
            phases.Last() == RolloutPhase.Complete && phases.Contains(RolloutPhase.Rehearsing) && phases.Contains(RolloutPhase.RehearsalBake),
            string.Join(" -> ", phases.Select(RolloutCommand.Phase)));

        // The straggler comes back after the push, still on 1.0.0: outside the window now.
        if (straggler is null)
        {
            throw new DemoFailure("no node was left on 1.0.0 when the waves started; nothing to take offline");
        }
        Say($"{straggler} comes back, still on 1.0.0");
        StartAgent(straggler);
        var quarantined = false;
        var enabled = false;
        var back = await WaitAsync($"{straggler} to serve again", async () =>
        {
            var node = (await api.GetAsync<List<NodeView>>(Routes.Nodes, ct)).Value?.FirstOrDefault(n => n.Id == straggler);
            // Offline past the retention policy, it was decommissioned: it stays out, whatever it reports, until an operator lets it back.
            if (node is { State: NodeState.Decommissioned, LastHeartbeat: { } heartbeat, StateSince: { } since } && heartbeat > since && !enabled)
            {
                enabled = true;
                Say($"{straggler} heartbeats again but stays out: decommissioned while away; the operator lets it back");
                await api.PostAsync<RequestOutcome>(ApiClient.Route(Routes.EnableNode, ("node", straggler)), new ReasonBody("back from the outage"), ct);
            }
            if (node is { State: NodeState.Quarantined } && !quarantined)
            {
                quarantined = true;
                Say($"{straggler} quarantined: reports {node.ActualRelease}, may not serve; told to run {node.DesiredRelease}");
            }
            return node is { State: NodeState.Active, MayServe: true } && node.ActualRelease != "1.0.0" ? node : null;
        }, ct);
        Act("stale node quarantined", $"{straggler}, offline during the push, returns on 1.0.0: quarantined, moved forward, then serves",
            quarantined && back.ActualRelease == "1.1.0", $"{(quarantined ? "quarantined" : "never quarantined")}, now {back.ActualRelease} {back.State.ToString().ToLowerInvariant()}");

        // N+2.
        var refused = await api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(Service, "1.3.0", "skip 1.2.0"), ct);
        var refusal = refused.Problem?.Refusals.FirstOrDefault();
        Say(refusal is null ? $"rollout to 1.3.0: {refused.Problem?.Detail ?? "accepted!"}" : refusal.Describe());
        Act("N+2 refused", "a rollout from 1.1.0 straight to 1.3.0 is refused", refused.Problem?.IsRefusal == true,
            refusal is null ? refused.Problem?.Detail ?? "accepted" : $"refused ({refusal.Guarantee.Label()})");

        // A breaking contract.
        var breaking = await api.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", Service)), Registration("1.4.0"), ct);
        Say(breaking.Ok ? "1.4.0 registered!" : breaking.Problem!.Detail ?? "refused");
        Act("breaking contract refused", "1.4.0 removes DELETE /orders/{id}, never deprecated: refused at registration (G6)",
            !breaking.Ok && breaking.Problem!.IsRefusal, breaking.Ok ? "registered" : $"{breaking.Problem!.Status} {breaking.Problem.Title}");

        // Expand, backfill, the code that needs them, the contract.
        foreach (var phase in new[] { "expand", "backfill" })
        {
            var done = await RunDataPhaseAsync(phase, ct);
            Act($"data {phase}", $"contact-email {phase} completes on orders-db", done.Passed, done.Outcome);
            if (!done.Passed)
            {
                Act("the rest of the story", "1.2.0 (needs the data), the contract, the bad canary 1.3.0", false, $"not run: the {phase} did not complete");
                return;
            }
        }
        // Right after the backfill the data has not baked yet: the code that needs it must wait (G3).
        var early = await api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(Service, "1.2.0", "straight after the backfill"), ct);
        var earlyRefusal = early.Problem?.Refusals.FirstOrDefault();
        Say(early.Ok ? "1.2.0 started before the data baked" : earlyRefusal?.Describe() ?? early.Problem?.Detail ?? "refused");
        Act("code waits for the data to bake", "1.2.0 straight after the backfill is refused until expand and backfill have baked (G3)",
            earlyRefusal?.Guarantee == GuaranteeId.G3, early.Ok ? "started" : earlyRefusal is null ? $"{early.Problem?.Status} {early.Problem?.Title}" : $"refused ({earlyRefusal.Guarantee.Label()})");
        var second = early.Ok && early.Value!.Rollout is { } startedEarly ? startedEarly : await StartRolloutAsync("1.2.0", ct, retryWhileDataBakes: TimeSpan.FromSeconds(60));
        phases = await WatchRolloutAsync(second, ct);
        Act("code that needs the data change", "1.1.0 -> 1.2.0 completes after expand and backfill", phases.Last() == RolloutPhase.Complete,
            string.Join(" -> ", phases.Select(RolloutCommand.Phase)));

        var contract = await RunDataPhaseAsync("contract", ct);
        Act("data contract", "contact-email contract runs once no node runs code that uses the old shape", contract.Passed, contract.Outcome);

        // A bad canary.
        var bad = await StartRolloutAsync("1.3.0", ct);
        phases = await WatchRolloutAsync(bad, ct);
        Act("bad canary rolled back", "1.2.0 -> 1.3.0: the canary's errors and latency fail the analysis; rolled back by itself",
            phases.Last() == RolloutPhase.RolledBack, string.Join(" -> ", phases.Select(RolloutCommand.Phase)));
    }

    private void Act(string name, string expected, bool passed, string outcome)
    {
        acts.Add(new DemoAct(name, expected, outcome, passed));
        Say($"{(passed ? "ok" : "NOT OK")}: {name}: {outcome}");
    }

    public void Summary(IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"stepwise demo: {acts.Count(a => a.Passed)}/{acts.Count} acts as expected in {clock.Elapsed.TotalSeconds:0} s");
        table.AddColumn("act");
        table.AddColumn("expected");
        table.AddColumn("what happened");
        table.AddColumn("ok");
        foreach (var a in acts)
        {
            table.AddRow(Markup.Escape(a.Name), Markup.Escape(a.Expected), Markup.Escape(a.Outcome), a.Passed ? "[green]yes[/]" : "[red]no[/]");
        }
        console.Write(table);
    }

    // ------------------------------------------------------------------ the server, the fleet, the releases

    private async Task StartServerAsync(CancellationToken ct)
    {
        var port = FreePort();
        var yaml = Path.Combine(SampleDir, "stepwise.yaml");
        server = Spawn("server", ["server", "--store", $"sqlite:{Path.Combine(dir, "stepwise.db")}", "--urls", $"http://127.0.0.1:{port}",
            "--config", yaml, "--tick", "250ms", "--data-store", $"orders-db=sqlite:{OrdersDb}"], new() { ["STEPWISE_ADMIN_TOKEN"] = adminToken });
        api = new ApiClient(new Uri($"http://127.0.0.1:{port}"), adminToken, TimeSpan.FromSeconds(20));
        await WaitAsync("the server to listen", async () =>
        {
            try
            {
                return (await api.GetAsync<string>(Routes.Liveness, ct)).Ok ? "up" : null;
            }
            catch (ApiConnectionException)
            {
                return null;
            }
        }, ct);
        Say($"server up on 127.0.0.1:{port} (store {Path.Combine(dir, "stepwise.db")}, policy from samples/orders/stepwise.yaml: bakes of seconds)");
    }

    private async Task StartFleetAsync(CancellationToken ct)
    {
        for (var i = 1; i <= NodeCount; i++)
        {
            var id = $"n{i}";
            var token = await api.PostAsync<TokenCreated>(Routes.Tokens, new TokenBody(TokenKind.Agent, $"agent-{id}", id), ct);
            if (!token.Ok)
            {
                throw new DemoFailure($"creating the agent token of {id}: {token.Problem}");
            }
            nodes[id] = (FreePort(), token.Value!.Token);
            StartAgent(id);
        }
        await WaitAsync("six nodes serving 1.0.0", async () =>
        {
            var list = (await api.GetAsync<List<NodeView>>(Routes.Nodes, ct)).Value ?? [];
            return list.Count(n => n.MayServe && n.ActualRelease == "1.0.0" && n.Health == NodeHealth.Healthy) == NodeCount ? list : null;
        }, ct);
        Say($"{NodeCount} agents up, each running orders 1.0.0 on its own port over one SQLite database");
    }

    private void StartAgent(string id)
    {
        var (port, token) = nodes[id];
        var run = $"dotnet \"{sampleDll}\" --release {{version}} --port {{port}} --node {{node}} --db \"{OrdersDb}\"";
        agents[id] = Spawn($"agent-{id}", ["agent", "--controller", api.Server.ToString(), "--token", token, "--node", id, "--service", Service,
            "--state-dir", Path.Combine(dir, "agents", id), "--release", "1.0.0", "--run", run, "--heartbeat", "500ms", "--app-port", port.ToString(CultureInfo.InvariantCulture)], []);
    }

    /// <summary>SIGKILL an agent and then the app it ran (found by its port's pid in the agent's state).</summary>
    private async Task KillNodeAsync(string id)
    {
        if (!agents.Remove(id, out var agent))
        {
            return;
        }
        agent.Kill();
        var state = new AgentStateFile(Path.Combine(dir, "agents", id)).Load();
        if (state?.AppPid is { } pid && state.AppStartedAt is { } started)
        {
            AppProcess.KillLeftover(pid, started);
        }
        await Task.CompletedTask;
    }

    private ReleaseRegistration Registration(string version)
    {
        var provides = new List<string> { "GET /orders/{id}", "GET /orders", "POST /orders" };
        if (version != "1.4.0")
        {
            provides.Add("DELETE /orders/{id}");
        }
        var contract = File.ReadAllText(Path.Combine(SampleDir, "contracts", $"orders-{version}.json"));
        return new ReleaseRegistration(version,
            new Artifact("dotnet", [sampleDll, "--release", "{version}", "--port", "{port}", "--node", "{node}", "--db", OrdersDb]),
            Provides: provides,
            Needs: version == "1.1.0" ? [] : ["contact-email"],
            UsesOldShapeOf: version == "1.1.0" ? ["contact-email"] : [],
            Contracts: [new ContractDocument("openapi", contract)]);
    }

    private async Task RegisterAsync(CancellationToken ct)
    {
        foreach (var version in new[] { "1.1.0", "1.2.0", "1.3.0" })
        {
            var answer = await api.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", Service)), Registration(version), ct);
            if (!answer.Ok)
            {
                throw new DemoFailure($"registering orders@{version}: {answer.Problem}");
            }
        }
        Say("registered orders 1.1.0 (good), 1.2.0 (needs contact-email), 1.3.0 (a bad build), each with its OpenAPI contract");
    }

    // ------------------------------------------------------------------ rollouts and data phases

    private async Task<string> StartRolloutAsync(string version, CancellationToken ct, TimeSpan? retryWhileDataBakes = null)
    {
        var answer = await api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(Service, version, "stepwise demo"), ct);
        var until = clock.Elapsed + (retryWhileDataBakes ?? TimeSpan.Zero);
        // A G3 refusal while the data bakes clears by itself: ask again until the bake is over.
        while (!answer.Ok && answer.Problem?.Refusals.Any(r => r.Guarantee == GuaranteeId.G3) == true && clock.Elapsed < until)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            answer = await api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(Service, version, "stepwise demo"), ct);
        }
        if (!answer.Ok)
        {
            throw new DemoFailure($"starting the rollout to {version}: {answer.Problem}");
        }
        var id = answer.Value!.Rollout ?? await WaitAsync($"the rollout to {version} to appear", async () =>
            (await api.GetAsync<List<RolloutView>>(Routes.Rollouts, ct)).Value?.LastOrDefault(r => r.To == version)?.Id, ct);
        Say($"rollout {id}: orders -> {version} started");
        return id;
    }

    private async Task<List<RolloutPhase>> WatchRolloutAsync(string id, CancellationToken ct, Func<RolloutView, RolloutPhase, Task>? onPhase = null)
    {
        var phases = new List<RolloutPhase>();
        var last = "";
        var deadline = clock.Elapsed + ActTimeout;
        while (clock.Elapsed < deadline)
        {
            var view = (await api.GetAsync<RolloutView>(ApiClient.Route(Routes.Rollout, ("rollout", id)), ct)).Value;
            if (view is not null)
            {
                var line = $"{RolloutCommand.Phase(view.Phase)}{(view.Phase == RolloutPhase.Waves ? $" {view.Wave}" : "")}";
                if (line != last)
                {
                    last = line;
                    Say($"  {id}: {line}, {view.NodesOnTo}/{view.NodesTotal} nodes on {view.To}{(view.Reason is { } r ? $" ({r})" : "")}");
                    if (phases.Count == 0 || phases[^1] != view.Phase)
                    {
                        phases.Add(view.Phase);
                        if (onPhase is not null)
                        {
                            await onPhase(view, view.Phase);
                        }
                    }
                }
                if (RolloutPhases.IsTerminal(view.Phase) || view.Phase == RolloutPhase.Paused)
                {
                    return phases;
                }
            }
            await Task.Delay(200, ct);
        }
        throw new DemoFailure($"rollout {id} did not finish within {ActTimeout.TotalSeconds:0} s (last: {last})");
    }

    private async Task<(bool Passed, string Outcome)> RunDataPhaseAsync(string phase, CancellationToken ct)
    {
        var route = ApiClient.Route(Routes.RunDataPhase, ("change", "contact-email"), ("phase", phase));
        var answer = await api.PostAsync<RequestOutcome>(route, new DataPhaseBody("orders-db", "stepwise demo"), ct);
        if (!answer.Ok)
        {
            return (false, answer.Problem!.Detail ?? answer.Problem.ToString());
        }
        Say($"contact-email {phase} on orders-db: started");
        var state = await WaitAsync($"contact-email {phase} to finish", async () =>
        {
            var changes = (await api.GetAsync<JsonElement>(Routes.DataChanges, ct)).Value;
            foreach (var change in changes.ValueKind == JsonValueKind.Array ? changes.EnumerateArray() : default)
            {
                foreach (var s in change.TryGetProperty("states", out var states) ? states.EnumerateArray() : default)
                {
                    if (s.GetProperty("phase").GetString() == phase && s.GetProperty("state").GetString() is { } st && st != "running" && st != "pending")
                    {
                        return st;
                    }
                }
            }
            return null;
        }, ct);
        Say($"contact-email {phase} on orders-db: {state}");
        return (state == "complete", state);
    }

    // ------------------------------------------------------------------ traffic

    /// <summary>Orders traffic on every node's port, one loop per node: writes and reads, about 40 requests a second each.</summary>
    private async Task TrafficAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Task.WhenAll(nodes.Values.Select(node => NodeTrafficAsync(http, node.Port, ct)));
    }

    private static async Task NodeTrafficAsync(HttpClient http, int port, CancellationToken ct)
    {
        var url = $"http://127.0.0.1:{port}/orders";
        for (var n = 0; !ct.IsCancellationRequested; n++)
        {
            try
            {
                if (n % 4 == 0)
                {
                    using var body = new StringContent($"{{\"item\":\"tea\",\"quantity\":1,\"email\":\"c{n}@example.com\"}}", System.Text.Encoding.UTF8, "application/json");
                    (await http.PostAsync(url, body, ct)).Dispose();
                }
                else
                {
                    (await http.GetAsync($"{url}/{1 + (n % 50)}", ct)).Dispose();
                }
                await Task.Delay(25, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // a node that is down or not serving: nothing to measure there
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
    }

    // ------------------------------------------------------------------ processes and waits

    private async Task<T> WaitAsync<T>(string what, Func<Task<T?>> probe, CancellationToken ct)
    {
        var deadline = clock.Elapsed + ActTimeout;
        while (clock.Elapsed < deadline)
        {
            if (server is { Exited: true })
            {
                throw new DemoFailure($"the server exited while waiting for {what}");
            }
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(200, ct);
        }
        throw new DemoFailure($"gave up waiting for {what} after {ActTimeout.TotalSeconds:0} s");
    }

    private LoggedProcess Spawn(string name, IReadOnlyList<string> args, Dictionary<string, string> env)
    {
        var stepwise = typeof(DemoCommand).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(stepwise);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }
        var child = new LoggedProcess(name, Process.Start(info) ?? throw new DemoFailure($"could not start {name}"), Path.Combine(dir, "logs", name + ".log"));
        children.Add(child);
        return child;
    }

    public void PrintDiagnostics(TextWriter writer)
    {
        foreach (var child in children)
        {
            writer.WriteLine($"--- {child.Name} (last lines of {child.LogPath}) ---");
            foreach (var line in child.Tail(15))
            {
                writer.WriteLine(line);
            }
        }
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
        // Agents first (each stops its app), then the server.
        foreach (var child in children.Where(c => c != server))
        {
            child.Stop();
        }
        foreach (var id in nodes.Keys)
        {
            try
            {
                if (new AgentStateFile(Path.Combine(dir, "agents", id)).Load() is { AppPid: { } pid, AppStartedAt: { } started })
                {
                    AppProcess.KillLeftover(pid, started);
                }
            }
            catch (AgentStateException)
            {
            }
        }
        server?.Stop();
        api?.Dispose();
        traffic.Dispose();
        if (!keep)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        else
        {
            output.WriteLine($"kept {dir}");
        }
    }
}
