using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Api;
using Stepwise.Cli.Local;
using Stepwise.Core;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary>The demo's story on a <see cref="LocalFleet"/>: each act, what it expects and what happened.</summary>
/// <param name="dashboard">
/// Say where the dashboard is and with which token to sign in, and hold each rollout at a before-waves approval gate
/// until someone approves it there (or with <c>stepwise rollout approve</c>).
/// </param>
internal sealed partial class DemoRun(string sampleDll, TextWriter output, bool keep, bool dashboard = false) : IAsyncDisposable
{
    /// <summary>How long a rollout may wait at its gate for a person to approve it.</summary>
    private static readonly TimeSpan ApprovalTimeout = TimeSpan.FromMinutes(10);

    private const string Service = "orders";
    private const int NodeCount = 6;
    private static readonly TimeSpan ActTimeout = TimeSpan.FromSeconds(60);

    private readonly List<DemoAct> acts = [];
    private string configPath = "";
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private LocalFleet fleet = null!;

    public Action<string>? Status { get; set; }

    public bool AllPassed => acts.Count > 0 && acts.All(a => a.Passed);

    private string SampleDir => Path.GetDirectoryName(sampleDll)!;

    private ApiClient Api => fleet.Api;

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
        var dir = Directory.CreateTempSubdirectory("stepwise-demo-").FullName;
        configPath = Path.Combine(SampleDir, "stepwise.yaml");
        if (dashboard)
        {
            var gated = Path.Combine(dir, "stepwise.yaml");
            await File.WriteAllTextAsync(gated, WithPolicy(await File.ReadAllTextAsync(configPath, ct), "  approve: [before-waves]\n"), ct);
            configPath = gated;
        }
        fleet = await LocalFleet.StartAsync(new LocalFleetOptions(typeof(DemoCommand).Assembly.Location, sampleDll, configPath, dir, ActTimeout, keep), NodeCount, ct: ct);
        Say($"server up on 127.0.0.1:{fleet.ServerPort} (store {fleet.StoreFile}, policy from samples/orders/stepwise.yaml: bakes of seconds{(dashboard ? ", each rollout waits for approval before its waves" : "")})");
        if (dashboard)
        {
            Say($"dashboard: {new Uri(Api.Server, Routes.Ui.TrimStart('/'))} (sign in with the admin token {fleet.AdminToken}; it lasts as long as the demo)");
        }
        Say($"{NodeCount} agents up, each running orders 1.0.0 on its own port over one SQLite database");
        await RegisterAsync(ct);
        fleet.StartTraffic();
        StartOldClient();

        // A safe release; a node the push has not reached yet goes offline mid-push.
        var first = await StartRolloutAsync("1.1.0", ct);
        string? straggler = null;
        var phases = await WatchRolloutAsync(first, ct, onPhase: async (view, phase) =>
        {
            if (phase == RolloutPhase.Waves && straggler is null)
            {
                // A node the push has not reached yet: still on 1.0.0, not a canary.
                var list = (await Api.GetAsync<List<NodeView>>(Routes.Nodes, ct)).Value ?? [];
                straggler = list.Where(n => n.ActualRelease == "1.0.0" && n.DesiredRelease != "1.1.0" && !view.CanaryNodes.Contains(n.Id)).Select(n => n.Id).OrderBy(id => id, StringComparer.Ordinal).LastOrDefault();
                if (straggler is not null)
                {
                    // The operator takes the dead node out of the fleet at once, so the last wave neither waits for it
                    // nor tells it to run 1.1.0: it comes back on 1.0.0, as a node that missed the push does.
                    Say($"taking {straggler} offline mid-push: SIGKILL its agent and its app; the operator decommissions it so the push goes on without it");
                    fleet.KillNode(straggler);
                    var decommissioned = await Api.PostAsync<RequestOutcome>(ApiClient.Route(Routes.DecommissionNode, ("node", straggler)), new ReasonBody("down mid-push"), ct);
                    if (!decommissioned.Ok)
                    {
                        throw new DemoFailure($"decommissioning {straggler} was refused: {decommissioned.Problem?.Detail}");
                    }
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
        fleet.StartAgent(straggler);
        var quarantined = false;
        var enabled = false;
        var back = await WaitAsync($"{straggler} to serve again", async () =>
        {
            var node = (await Api.GetAsync<List<NodeView>>(Routes.Nodes, ct)).Value?.FirstOrDefault(n => n.Id == straggler);
            // Decommissioned, it stays out, whatever it reports, until an operator lets it back.
            if (node is { State: NodeState.Decommissioned, LastHeartbeat: { } heartbeat, StateSince: { } since } && heartbeat > since && !enabled)
            {
                enabled = true;
                Say($"{straggler} heartbeats again on {node.ActualRelease} but stays out: decommissioned; the operator lets it back");
                await Api.PostAsync<RequestOutcome>(ApiClient.Route(Routes.EnableNode, ("node", straggler)), new ReasonBody("back from the outage"), ct);
            }
            if (node is { State: NodeState.Quarantined } && !quarantined)
            {
                quarantined = true;
                Say($"{straggler} quarantined: reports {node.ActualRelease}, may not serve; told to run {node.DesiredRelease}");
            }
            return node is { State: NodeState.Active, MayServe: true } && node.ActualRelease != "1.0.0" ? node : null;
        }, ct);
        Act("stale node quarantined", $"{straggler}, offline during the push, returns on 1.0.0: quarantined, moved forward, then serves",
            quarantined && back.ActualRelease == "1.1.0", $"{(quarantined ? "quarantined" : "never quarantined")}, now {back.ActualRelease} {Names.Of(back.State)}");

        // N+2.
        var refused = await Api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(Service, "1.3.0", "skip 1.2.0"), ct);
        var refusal = refused.Problem?.Refusals.FirstOrDefault();
        Say(refusal is null ? $"rollout to 1.3.0: {refused.Problem?.Detail ?? "accepted!"}" : refusal.Describe());
        Act("N+2 refused", "a rollout from 1.1.0 straight to 1.3.0 is refused", refused.Problem?.IsRefusal == true,
            refusal is null ? refused.Problem?.Detail ?? "accepted" : $"refused ({refusal.Guarantee.Label()})");

        // A breaking contract.
        var breaking = await Api.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", Service)), Registration("1.4.0"), ct);
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
        var early = await Api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(Service, "1.2.0", "straight after the backfill"), ct);
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

        // Old clients: who still calls an operation, and a typed answer once they are cut off on purpose.
        await OldClientActsAsync(ct);
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

    public void PrintDiagnostics(TextWriter writer)
    {
        if (fleet is not null)
        {
            writer.WriteLine(fleet.Diagnostics(15));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (fleet is not null)
        {
            await fleet.DisposeAsync();
        }
    }
}
