using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.EndToEnd.Tests;

/// <summary>Real server, agent and app processes on loopback, driven through the API and the CLI.</summary>
public class RolloutTests
{
    [Fact]
    public async Task full_rollout_rehearses_the_rollback_and_moves_every_node_once()
    {
        await using var fleet = await Fleet.StartAsync(3);
        await fleet.RegisterAsync("1.1.0", usesOldShape: ["contact-email"]);
        var rollout = await fleet.StartRolloutAsync("1.1.0");
        var phases = await fleet.FollowAsync(rollout);
        phases.ShouldContain(RolloutPhase.Rehearsing, fleet.Diagnostics());
        phases[^1].ShouldBe(RolloutPhase.Complete, fleet.Diagnostics());
        var nodes = await fleet.NodesAsync();
        nodes.ShouldAllBe(n => n.ActualRelease == "1.1.0" && n.MayServe);
        var canary = (await fleet.Api.GetAsync<RolloutView>(ApiClient.Route(Routes.Rollout, ("rollout", rollout)), TestContext.Current.CancellationToken)).Value!.CanaryNodes;
        foreach (var n in nodes)
        {
            // The canary goes 1.1.0, back to 1.0.0 (the rehearsal), and 1.1.0 again; every other node moves once.
            fleet.Installs(n.Id, "1.1.0").ShouldBe(canary.Contains(n.Id) ? 2 : 1, $"{n.Id}\n{fleet.Diagnostics()}");
        }
    }

    [Fact]
    public async Task bad_canary_is_rolled_back_by_itself_and_no_other_node_runs_it()
    {
        await using var fleet = await Fleet.StartAsync(3);
        await fleet.RegisterAsync("1.3.0"); // the sample's bad build: errors and latency
        var rollout = await fleet.StartRolloutAsync("1.3.0");
        var phases = await fleet.FollowAsync(rollout);
        phases[^1].ShouldBe(RolloutPhase.RolledBack, fleet.Diagnostics());
        var view = (await fleet.Api.GetAsync<RolloutView>(ApiClient.Route(Routes.Rollout, ("rollout", rollout)), TestContext.Current.CancellationToken)).Value!;
        phases.ShouldContain(RolloutPhase.RollingBack);
        phases.ShouldNotContain(RolloutPhase.Rehearsing);
        var (exit, events, _) = await fleet.CliAsync("events");
        exit.ShouldBe(0);
        events.Contains("analysis fail", StringComparison.OrdinalIgnoreCase).ShouldBeTrue(events);
        await fleet.WaitAsync("every node back on 1.0.0", async () => (await fleet.NodesAsync()).All(n => n.ActualRelease == "1.0.0" && n.MayServe) ? "yes" : null);
        foreach (var n in await fleet.NodesAsync())
        {
            fleet.Installs(n.Id, "1.3.0").ShouldBe(view.CanaryNodes.Contains(n.Id) ? 1 : 0, n.Id);
        }
    }

    [Fact]
    public async Task rollout_to_n_plus_2_is_refused_by_the_cli_with_exit_1()
    {
        await using var fleet = await Fleet.StartAsync(2);
        await fleet.RegisterAsync("1.1.0", usesOldShape: ["contact-email"]);
        await fleet.RegisterAsync("1.2.0");
        var (exit, stdout, stderr) = await fleet.CliAsync("rollout", "start", "orders@1.2.0");
        exit.ShouldBe(1, stderr);
        stdout.ShouldContain("refused (G1 version-window)");
        stdout.ShouldContain("roll orders through 1.1.0");
        (await fleet.NodesAsync()).ShouldAllBe(n => n.DesiredRelease != "1.2.0");
    }

    [Fact]
    public async Task release_that_needs_a_data_change_is_refused_until_the_change_has_run()
    {
        await using var fleet = await Fleet.StartAsync(2);
        await fleet.RegisterAsync("1.2.0", needs: ["contact-email"]);
        var (exit, stdout, stderr) = await fleet.CliAsync("rollout", "start", "orders@1.2.0", "--format", "json");
        exit.ShouldBe(1, stderr);
        stdout.ShouldContain("\"guarantee\": \"G3\"");
        var (fleetExit, table, _) = await fleet.CliAsync("fleet");
        fleetExit.ShouldBe(0);
        table.ShouldContain("1.0.0");
        table.ShouldNotContain("1.2.0");
    }

    [Fact]
    public async Task caller_release_waits_until_every_callee_node_provides_the_operation_it_calls()
    {
        // orders depends on payments; orders 1.1.0 calls payments' POST /refunds, which only payments 1.1.0 provides.
        var yaml = File.ReadAllText(Path.Combine(Fleet.RepoRoot(), "samples", "orders", "stepwise.yaml"))
            .Replace("""
              - name: orders
                releases:
            """.Replace("\r", ""), """
              - name: payments
                releases:
                  - version: 1.0.0
                    provides: ["POST /payments"]
              - name: orders
                dependsOn: [payments]
                releases:
            """.Replace("\r", ""), StringComparison.Ordinal);
        yaml.ShouldContain("dependsOn: [payments]");
        await using var fleet = await Fleet.StartAsync(2, yaml, [("p1", "payments"), ("p2", "payments")]);
        await fleet.RegisterAsync("1.1.0", service: "payments", provides: ["POST /payments", "POST /refunds"]);
        await fleet.RegisterAsync("1.1.0", usesOldShape: ["contact-email"], calls: [new OperationCall("payments", "POST /refunds")]);

        var (exit, stdout, stderr) = await fleet.CliAsync("rollout", "start", "orders@1.1.0", "--format", "json");
        exit.ShouldBe(1, stderr);
        stdout.ShouldContain("\"guarantee\": \"G5\"");
        stdout.ShouldContain("POST /refunds");
        (await fleet.NodesAsync()).Where(n => n.Service == "orders").ShouldAllBe(n => n.DesiredRelease != "1.1.0");

        var payments = await fleet.StartRolloutAsync("1.1.0", "payments");
        (await fleet.FollowAsync(payments)).Last().ShouldBe(RolloutPhase.Complete);

        var orders = await fleet.StartRolloutAsync("1.1.0");
        (await fleet.FollowAsync(orders)).Last().ShouldBe(RolloutPhase.Complete);
    }

    [Fact]
    public async Task node_offline_during_a_push_is_quarantined_when_it_returns_then_upgraded()
    {
        await using var fleet = await Fleet.StartAsync(3);
        await fleet.RegisterAsync("1.1.0", usesOldShape: ["contact-email"]);
        fleet.KillNode("n3");
        // The controller notices: no heartbeat within the timeout marks n3 offline (then decommissioned, per policy).
        var marked = await fleet.WaitAsync("n3 marked offline", async () =>
            (await fleet.NodesAsync()).Single(n => n.Id == "n3") is { State: NodeState.Offline or NodeState.Decommissioned } n3 ? n3 : null);
        marked.MayServe.ShouldBeFalse();
        var rollout = await fleet.StartRolloutAsync("1.1.0");
        // n3 is decommissioned after the policy's timeout, and the push finishes without it.
        (await fleet.FollowAsync(rollout))[^1].ShouldBe(RolloutPhase.Complete, fleet.Diagnostics());
        fleet.StartAgent("n3");
        // Decommissioned while away, it stays out whatever it reports, until an operator lets it back.
        var outside = await fleet.WaitAsync("n3 heartbeating while decommissioned", async () =>
            (await fleet.NodesAsync()).Single(n => n.Id == "n3") is { State: NodeState.Decommissioned, LastHeartbeat: { } hb, StateSince: { } since } n3 && hb > since ? n3 : null);
        outside.MayServe.ShouldBeFalse();
        (await fleet.Api.PostAsync<RequestOutcome>(ApiClient.Route(Routes.EnableNode, ("node", "n3")), new ReasonBody("back from the outage"), TestContext.Current.CancellationToken)).Ok.ShouldBeTrue();
        var seen = new HashSet<NodeState>();
        var back = await fleet.WaitAsync("n3 serving again", async () =>
        {
            var n3 = (await fleet.NodesAsync()).Single(n => n.Id == "n3");
            seen.Add(n3.State);
            return n3 is { State: NodeState.Active, MayServe: true, ActualRelease: "1.1.0" } ? n3 : null;
        });
        seen.ShouldContain(NodeState.Quarantined, fleet.Diagnostics());
        back.ActualRelease.ShouldBe("1.1.0");
        fleet.Installs("n3", "1.1.0").ShouldBe(1);
    }

    [Fact]
    public async Task server_killed_in_every_phase_resumes_the_rollout_and_no_node_moves_twice()
    {
        await using var fleet = await Fleet.StartAsync(3);
        await fleet.RegisterAsync("1.1.0", usesOldShape: ["contact-email"]);
        var rollout = await fleet.StartRolloutAsync("1.1.0");
        var killedIn = new List<RolloutPhase>();
        var phases = await fleet.FollowAsync(rollout, async phase =>
        {
            if (!RolloutPhases.IsTerminal(phase))
            {
                killedIn.Add(phase);
                fleet.KillServer();
                await fleet.StartServerAsync();
            }
        });
        killedIn.ShouldContain(RolloutPhase.Canary);
        killedIn.ShouldContain(RolloutPhase.Waves);
        phases[^1].ShouldBe(RolloutPhase.Complete, fleet.Diagnostics());
        var canary = (await fleet.Api.GetAsync<RolloutView>(ApiClient.Route(Routes.Rollout, ("rollout", rollout)), TestContext.Current.CancellationToken)).Value!.CanaryNodes;
        foreach (var n in await fleet.NodesAsync())
        {
            n.ActualRelease.ShouldBe("1.1.0");
            fleet.Installs(n.Id, "1.1.0").ShouldBe(canary.Contains(n.Id) ? 2 : 1, $"{n.Id}\n{fleet.Diagnostics()}");
        }
    }

    [Fact]
    public async Task controller_down_for_three_heartbeat_timeouts_during_a_bake_stops_no_app_and_the_rollout_resumes()
    {
        var heartbeatTimeout = TimeSpan.FromSeconds(4); // samples/orders/stepwise.yaml
        await using var fleet = await Fleet.StartAsync(3);
        await fleet.RegisterAsync("1.1.0", usesOldShape: ["contact-email"]);
        var rollout = await fleet.StartRolloutAsync("1.1.0");
        var outage = false;
        var phases = await fleet.FollowAsync(rollout, async phase =>
        {
            if (phase == RolloutPhase.Baking && !outage)
            {
                outage = true;
                fleet.KillServer();
                await Task.Delay(3 * heartbeatTimeout, TestContext.Current.CancellationToken);
                await fleet.StartServerAsync();
            }
        });
        outage.ShouldBeTrue("the rollout never baked");
        phases[^1].ShouldBe(RolloutPhase.Complete, fleet.Diagnostics());
        foreach (var n in await fleet.NodesAsync())
        {
            // Every stop is a planned move (canary, rehearsal, waves); none comes from the outage.
            fleet.Stops(n.Id).ShouldAllBe(why => why.Contains("moves this node", StringComparison.Ordinal), $"{n.Id}\n{fleet.Diagnostics()}");
        }
    }
}

/// <summary>The demo as CI runs it.</summary>
public class DemoTests
{
    [Fact]
    public async Task demo_non_interactive_walks_the_whole_story()
    {
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Fleet.StepwiseDll);
        info.ArgumentList.Add("demo");
        info.ArgumentList.Add("--non-interactive");
        info.ArgumentList.Add("--sample");
        info.ArgumentList.Add(Fleet.OrdersDll);
        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the demo did not finish within 10 minutes\n{await stdout}\n{await stderr}");
        }
        var output = await stdout;
        process.ExitCode.ShouldBe(0, $"{output}\n{await stderr}");
        output.ShouldNotContain("NOT OK");
        foreach (var act in new[] { "safe release with rehearsal", "N+2 refused", "stale node quarantined", "bad canary rolled back", "breaking contract refused" })
        {
            output.ShouldContain($"ok: {act}");
        }
    }
}
