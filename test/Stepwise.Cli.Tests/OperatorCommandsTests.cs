using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Tests;

/// <summary>Every operator command against a real server: tokens, overrides, nodes, alerts, config, plans, promote, retire.</summary>
public sealed class OperatorCommandsTests
{
    [Fact]
    public async Task a_token_created_works_until_it_is_revoked()
    {
        await using var server = await CliServer.StartAsync();
        var (exit, output, err) = server.AsAdmin("token", "create", "dashboard", "--kind", "read");
        exit.ShouldBe(0, err);
        var secret = output.Trim().Split('\n')[^1].Trim();
        secret.Length.ShouldBeGreaterThan(20);

        server.Run(secret, "fleet").Exit.ShouldBe(0);
        server.AsAdmin("token", "list").Out.ShouldContain("dashboard");

        var revoked = server.AsAdmin("token", "revoke", "dashboard");
        revoked.Exit.ShouldBe(0, revoked.Err);
        revoked.Out.ShouldContain("revoked token 'dashboard'");

        var refused = server.Run(secret, "fleet");
        refused.Exit.ShouldBe(2);
        refused.Err.ShouldContain("401");
        server.AsAdmin("token", "list").Out.ShouldNotContain("dashboard");
        server.AsAdmin("token", "list", "--all").Out.ShouldContain("dashboard");
        server.AsAdmin("token", "revoke", "dashboard").Exit.ShouldBe(2);
    }

    [Fact]
    public async Task a_rotated_token_replaces_the_old_secret()
    {
        await using var server = await CliServer.StartAsync();
        var old = server.AsAdmin("token", "create", "ci", "--kind", "read").Out.Trim().Split('\n')[^1];
        var rotated = server.AsAdmin("token", "rotate", "ci");
        rotated.Exit.ShouldBe(0, rotated.Err);
        var fresh = rotated.Out.Trim().Split('\n')[^1];
        fresh.ShouldNotBe(old);
        server.Run(old, "fleet").Exit.ShouldBe(2);
        server.Run(fresh, "fleet").Exit.ShouldBe(0);
    }

    [Fact]
    public async Task a_service_token_is_created_listed_with_its_service_and_reads_nothing()
    {
        await using var server = await CliServer.StartAsync();
        var (exit, output, err) = server.AsAdmin("token", "create", "orders-telemetry", "--kind", "agent", "--service", "orders");
        exit.ShouldBe(0, err);
        output.ShouldContain("(agent, service orders)");
        var secret = output.Trim().Split('\n')[^1].Trim();
        server.AsAdmin("token", "list").Out.ShouldContain("service orders");
        var refused = server.Run(secret, "fleet");
        refused.Exit.ShouldBe(2);
        refused.Err.ShouldContain("403");
        server.AsAdmin("token", "create", "both", "--kind", "agent", "--service", "orders", "--node", "n1").Exit.ShouldBe(ExitCodes.BadInput);
    }

    [Fact]
    public async Task a_read_token_may_not_create_tokens()
    {
        await using var server = await CliServer.StartAsync();
        var reader = server.AsAdmin("token", "create", "reader", "--kind", "read").Out.Trim().Split('\n')[^1];
        var (exit, _, err) = server.Run(reader, "token", "create", "sneaky", "--kind", "admin");
        exit.ShouldBe(2);
        err.ShouldContain("403");
    }

    [Theory]
    [InlineData(new[] { "token", "create", "x", "--kind", "root" }, "--kind")]
    [InlineData(new[] { "token", "create", "x", "--kind", "agent" }, "--node")]
    [InlineData(new[] { "token", "create", "x", "--kind", "read", "--node", "n1" }, "--node")]
    [InlineData(new[] { "token", "create", "x", "--kind", "agent", "--node", "n1", "--service", "orders" }, "give exactly one")]
    [InlineData(new[] { "token", "create", "x", "--kind", "read", "--service", "orders" }, "belong to agent tokens only")]
    [InlineData(new[] { "override", "create", "--guarantee", "G9", "--subject", "s", "--reason", "r" }, "--guarantee")]
    [InlineData(new[] { "override", "create", "--guarantee", "G4", "--subject", "s", "--reason", " " }, "--reason")]
    public void bad_input_exits_2_before_calling_the_server(string[] args, string expected)
    {
        var (exit, _, err) = Cli.Run([.. args, "--server", $"http://127.0.0.1:{Stepwise.Testing.Scratch.FreePort()}", "--token", "t"]);
        exit.ShouldBe(2);
        err.ShouldContain(expected);
        err.ShouldNotContain("cannot reach");
    }

    [Fact]
    public async Task bad_names_get_the_servers_explanation_and_exit_2()
    {
        await using var server = await CliServer.StartAsync();
        var (exit, _, err) = server.AsAdmin("token", "create", "no spaces allowed");
        exit.ShouldBe(2);
        err.ShouldContain("name");
    }

    [Fact]
    public async Task an_override_is_recorded_and_listed()
    {
        await using var server = await CliServer.StartAsync();
        var (exit, output, err) = server.AsAdmin("override", "create", "--guarantee", "contract-after-code", "--subject", "data x contract on db", "--reason", "node is gone for good");
        exit.ShouldBe(0, err);
        output.ShouldContain("G4 contract-after-code");
        var list = server.AsAdmin("override", "list", "--format", "json");
        list.Exit.ShouldBe(0);
        var overrides = JsonDocument.Parse(list.Out).RootElement;
        overrides.GetArrayLength().ShouldBe(1);
        overrides[0].GetProperty("subject").GetString().ShouldBe("data x contract on db");
        overrides[0].GetProperty("by").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task a_node_is_decommissioned_and_let_back()
    {
        await using var server = await CliServer.StartAsync();
        await server.NodeAsync("n1", "1.0.0");
        var (exit, output, err) = server.AsAdmin("node", "decommission", "n1", "--reason", "disk died");
        exit.ShouldBe(0, err);
        output.ShouldStartWith("accepted");
        NodeState(server, "n1").ShouldBe("decommissioned");

        var enabled = server.AsAdmin("node", "enable", "n1");
        enabled.Exit.ShouldBe(0, enabled.Err);
        NodeState(server, "n1").ShouldNotBe("decommissioned");

        server.AsAdmin("node", "decommission", "no-such-node").Exit.ShouldNotBe(0);
    }

    private static string NodeState(CliServer server, string node)
    {
        var fleet = server.AsAdmin("fleet", "--format", "json");
        fleet.Exit.ShouldBe(0, fleet.Err);
        return JsonDocument.Parse(fleet.Out).RootElement.EnumerateArray().Single(n => n.GetProperty("id").GetString() == node).GetProperty("state").GetString()!;
    }

    [Fact]
    public async Task alerts_are_listed_as_text_and_json()
    {
        await using var server = await CliServer.StartAsync();
        var text = server.AsAdmin("alerts");
        text.Exit.ShouldBe(0, text.Err);
        text.Out.ShouldContain("no alerts");
        var json = server.AsAdmin("alerts", "--format", "json");
        json.Exit.ShouldBe(0);
        JsonDocument.Parse(json.Out).RootElement.ValueKind.ShouldBe(JsonValueKind.Array);
    }

    [Fact]
    public async Task events_are_limited_and_filtered_by_kind_and_subject()
    {
        await using var server = await CliServer.StartAsync();
        foreach (var subject in new[] { "release orders@1.0.0", "release orders@1.1.0", "node n9" })
        {
            server.AsAdmin("override", "create", "--guarantee", "G6", "--subject", subject, "--reason", "test").Exit.ShouldBe(0);
        }
        var all = server.AsAdmin("events");
        all.Exit.ShouldBe(0, all.Err);
        var lines = all.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBeGreaterThan(3); // the overrides and what the server logged on start

        server.AsAdmin("events", "--limit", "2").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(lines[..2]);
        var overrides = server.AsAdmin("events", "--kind", "override").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        overrides.Length.ShouldBe(3);
        overrides.ShouldAllBe(l => l.Contains(" override "));
        server.AsAdmin("events", "--kind", "override", "--limit", "2").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldBe(overrides[..2]);
        server.AsAdmin("events", "--subject", "node n9").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem().ShouldContain("[node n9]");
        var json = server.AsAdmin("events", "--kind", "override", "--kind", "no-such-kind", "--limit", "1", "--format", "json");
        JsonDocument.Parse(json.Out).RootElement.GetArrayLength().ShouldBe(1);
        server.AsAdmin("events", "--kind", "no-such-kind").Out.ShouldBeEmpty();
    }

    [Fact]
    public async Task plan_with_server_asks_the_live_fleet_and_changes_nothing()
    {
        var yaml = CliServer.Yaml.Replace("      - version: 1.1.0\n", "      - version: 1.1.0\n      - version: 1.2.0\n", StringComparison.Ordinal);
        yaml.ShouldContain("1.2.0");
        await using var server = await CliServer.StartAsync(yaml);
        await server.NodeAsync("n1", "1.0.0");
        var eventsBefore = server.AsAdmin("events").Out;

        var allowed = server.AsAdmin("plan", "--rollout", "orders@1.1.0");
        allowed.Exit.ShouldBe(ExitCodes.Ok, allowed.Out + allowed.Err);
        allowed.Out.ShouldContain("start-rollout");

        // The offline plan knows nothing of n1 on 1.0.0; the server does: 1.2.0 would put three releases in play.
        var refused = server.AsAdmin("plan", "--rollout", "orders@1.2.0", "--format", "json");
        refused.Exit.ShouldBe(ExitCodes.Refused, refused.Err);
        var refusal = JsonDocument.Parse(refused.Out).RootElement.GetProperty("refusals").EnumerateArray().ShouldHaveSingleItem();
        refusal.GetProperty("guarantee").GetString().ShouldBe("G1");
        refusal.GetRawText().ShouldContain("n1");

        // What `fleet --format json` prints is a fleet file for the offline plan: it sees n1 on 1.0.0 too.
        var nodes = server.AsAdmin("fleet", "--format", "json");
        nodes.Exit.ShouldBe(ExitCodes.Ok, nodes.Err);
        var fleetFile = Path.Combine(server.Directory, "fleet.json");
        await File.WriteAllTextAsync(fleetFile, nodes.Out, TestContext.Current.CancellationToken);
        var configFile = Path.Combine(server.Directory, "stepwise.yaml");
        await File.WriteAllTextAsync(configFile, yaml, TestContext.Current.CancellationToken);
        var offline = Cli.Run("plan", "--config", configFile, "--fleet", fleetFile, "--rollout", "orders@1.2.0");
        offline.Exit.ShouldBe(ExitCodes.Refused, offline.Out + offline.Err);
        offline.Out.ShouldContain("G1");

        var unknown = server.AsAdmin("plan", "--rollout", "orders@9.9.9");
        unknown.Exit.ShouldBe(ExitCodes.BadInput);
        unknown.Err.ShouldContain("not a declared release");
        server.AsAdmin("plan", "--fleet", "fleet.json").Exit.ShouldBe(ExitCodes.BadInput);

        // A read token may ask (Run passes --server and the token); nothing started, nothing logged.
        var reader = server.AsAdmin("token", "create", "viewer", "--kind", "read").Out.Trim().Split('\n')[^1].Trim();
        server.Run(reader, "plan", "--rollout", "orders@1.1.0").Exit.ShouldBe(ExitCodes.Ok);
        (await server.Admin.GetAsync<List<RolloutView>>(Routes.Rollouts, TestContext.Current.CancellationToken)).Value.ShouldNotBeNull().ShouldBeEmpty();
        server.AsAdmin("events").Out.Split('\n').Where(l => l.Contains("what-if", StringComparison.Ordinal)).ShouldBeEmpty();
        eventsBefore.ShouldNotContain("start-rollout");
    }

    [Fact]
    public async Task clients_shows_who_calls_what_filtered_by_service_and_operation()
    {
        await using var server = await CliServer.StartAsync();
        server.AsAdmin("clients").Out.ShouldContain("no client calls within the telemetry window");
        await server.NodeAsync("n1", "1.1.0");
        var created = await server.Admin.PostAsync<TokenCreated>(Routes.Tokens, new TokenBody(TokenKind.Agent, "telemetry-n1", "n1"), TestContext.Current.CancellationToken);
        using var agent = new ApiClient(new Uri(server.Url), created.Value!.Token);
        var now = DateTimeOffset.UtcNow;
        var sent = await agent.PostAsync<ClientTelemetryAccepted>(Routes.ClientTelemetry, new ClientTelemetryBody("orders", "1.1.0", "n1", now.AddSeconds(-10), now,
            [new ClientCallCount("old-client", "1.2", "DELETE /orders/{id}", 3), new ClientCallCount("ios-app", "4.2.1", "DELETE /orders/{id}", 1), new ClientCallCount("ios-app", "4.2.1", "GET /orders", 1234)], 0), TestContext.Current.CancellationToken);
        sent.Ok.ShouldBeTrue(sent.Problem?.ToString());

        var all = server.AsAdmin("clients");
        all.Exit.ShouldBe(0, all.Err);
        all.Out.ShouldContain("old-client");
        all.Out.ShouldContain("1.2.0"); // versions are shown as the server normalised them
        all.Out.ShouldContain("1,234");
        all.Out.ShouldContain("75.0%"); // old-client's share of DELETE /orders/{id}

        var one = server.AsAdmin("clients", "--service", "orders", "--operation", "DELETE /orders/{id}", "--format", "json");
        one.Exit.ShouldBe(0, one.Err);
        var rows = JsonDocument.Parse(one.Out).RootElement.EnumerateArray().ToList();
        rows.Select(r => (r.GetProperty("app").GetString(), r.GetProperty("calls").GetInt64())).ShouldBe([("old-client", 3L), ("ios-app", 1L)]);
        server.AsAdmin("clients", "--service", "payments").Out.ShouldContain("no client calls");

        var bad = server.AsAdmin("clients", "--operation", "not an operation");
        bad.Exit.ShouldBe(2);
        bad.Err.ShouldContain("?operation");
    }

    [Fact]
    public async Task config_get_push_and_diff_agree_with_the_server()
    {
        await using var server = await CliServer.StartAsync();
        var get = server.AsAdmin("config", "get");
        get.Exit.ShouldBe(0, get.Err);
        get.Out.ShouldContain("orders");
        get.Out.ShouldContain("1.1.0");

        var same = Cli.TempFile(CliServer.Yaml);
        var diff = server.AsAdmin("config", "diff", same);
        diff.Exit.ShouldBe(0, diff.Out + diff.Err);
        diff.Out.ShouldContain("agree");

        var changed = Cli.TempFile(CliServer.Yaml.Replace("bake: 1h", "bake: 2h", StringComparison.Ordinal).Replace("      - version: 1.1.0", "      - version: 1.1.0\n      - version: 1.2.0", StringComparison.Ordinal));
        var differs = server.AsAdmin("config", "diff", changed);
        differs.Exit.ShouldBe(1, differs.Out + differs.Err);
        differs.Out.ShouldContain("policy.bake");
        differs.Out.ShouldContain("services[orders].releases[1.2.0]");
        differs.Out.ShouldContain("2 differences");

        var push = server.AsAdmin("config", "push", changed);
        push.Exit.ShouldBe(0, push.Err);
        server.AsAdmin("config", "diff", changed).Exit.ShouldBe(0);

        var invalid = Cli.TempFile(CliServer.Yaml.Replace("bake: 1h", "bake: soon", StringComparison.Ordinal));
        var refused = server.AsAdmin("config", "push", invalid);
        refused.Exit.ShouldBe(2);
        refused.Err.ShouldContain("nothing was changed");
        refused.Err.ShouldContain("stepwise.yaml:4");
        server.AsAdmin("config", "diff", changed).Exit.ShouldBe(0);
    }

    [Fact]
    public async Task registered_releases_are_not_differences()
    {
        await using var server = await CliServer.StartAsync();
        var registered = server.AsAdmin("release", "register", "orders", "1.2.0", "--command", "app");
        registered.Exit.ShouldBe(0, registered.Err);
        server.AsAdmin("config", "diff", Cli.TempFile(CliServer.Yaml)).Exit.ShouldBe(0);
    }

    [Fact]
    public async Task a_plan_is_started_and_its_status_shown()
    {
        await using var server = await CliServer.StartAsync();
        await server.NodeAsync("n1", "1.0.0");
        var before = server.AsAdmin("plan", "status", "ship");
        before.Exit.ShouldBe(0, before.Err);
        before.Out.ShouldContain("ship");
        before.Out.ShouldContain("pending");

        var start = server.AsAdmin("plan", "start", "ship", "--reason", "release day");
        start.Exit.ShouldBe(0, start.Out + start.Err);
        start.Out.ShouldStartWith("accepted");
        var status = server.AsAdmin("plan", "status", "--format", "json");
        JsonDocument.Parse(status.Out).RootElement[0].GetProperty("progress").GetProperty("state").GetString().ShouldNotBe("pending");

        var missing = server.AsAdmin("plan", "status", "nope");
        missing.Exit.ShouldBe(2);
        missing.Err.ShouldContain("no plan 'nope'");
    }

    [Fact]
    public async Task promote_without_a_rehearsal_is_refused_under_G7()
    {
        await using var server = await CliServer.StartAsync();
        await server.NodeAsync("n1", "1.0.0");
        await server.NodeAsync("n2", "1.0.0");
        var start = server.AsAdmin("rollout", "start", "orders@1.1.0");
        start.Exit.ShouldBe(0, start.Out + start.Err);
        var rollout = System.Text.RegularExpressions.Regex.Match(start.Out, @"\(rollout ([^)]+)\)").Groups[1].Value;
        var (exit, output, err) = server.AsAdmin("rollout", "promote", rollout, "--reason", "in a hurry");
        exit.ShouldBe(1, output + err);
        output.ShouldContain("G7");
    }

    [Fact]
    public async Task a_release_nobody_runs_is_retired_and_one_in_use_is_refused()
    {
        await using var server = await CliServer.StartAsync();
        await server.NodeAsync("n1", "1.0.0");
        server.AsAdmin("release", "register", "orders", "1.2.0", "--command", "app").Exit.ShouldBe(0);
        var retired = server.AsAdmin("release", "retire", "orders", "1.2.0", "--reason", "never shipped");
        retired.Exit.ShouldBe(0, retired.Out + retired.Err);
        server.AsAdmin("release", "list", "orders").Out.ShouldNotContain("1.2.0");

        var inUse = server.AsAdmin("release", "retire", "orders", "1.0.0");
        inUse.Exit.ShouldBe(1, inUse.Out + inUse.Err);
        inUse.Out.ShouldContain("n1");
    }
}

/// <summary><c>stepwise rollout get</c> and <c>rollout list</c> against a real server.</summary>
public sealed class RolloutGetCommandTests
{
    [Fact]
    public async Task get_shows_the_rollout_and_list_hides_finished_ones_unless_all()
    {
        await using var server = await CliServer.StartAsync();
        await server.NodeAsync("n1", "1.0.0");
        await server.NodeAsync("n2", "1.0.0");
        server.AsAdmin("rollout", "list").Out.ShouldContain("no rollout in flight");
        var start = server.AsAdmin("rollout", "start", "orders@1.1.0");
        start.Exit.ShouldBe(0, start.Out + start.Err);
        var id = System.Text.RegularExpressions.Regex.Match(start.Out, @"\(rollout ([^)]+)\)").Groups[1].Value;

        var (exit, output, err) = server.AsAdmin("rollout", "get", "orders", "--width", "80");
        exit.ShouldBe(0, err);
        output.ShouldContain(id);
        output.ShouldContain("orders 1.0.0 -> 1.1.0");
        output.ShouldContain("/7"); // canary, bake, rehearsal, rehearsal bake, re-release and this policy's two waves
        foreach (var line in output.Split('\n'))
        {
            line.Length.ShouldBeLessThanOrEqualTo(80);
        }
        server.AsAdmin("rollout", "list").Out.ShouldContain(id);

        server.AsAdmin("rollout", "abort", id).Exit.ShouldBe(0);
        var aborted = await EventuallyAsync(() => server.AsAdmin("rollout", "list").Out, o => o.Contains("no rollout in flight", StringComparison.Ordinal));
        aborted.ShouldNotContain(id);
        server.AsAdmin("rollout", "list", "--all").Out.ShouldContain(id);

        var missing = server.AsAdmin("rollout", "get", "payments");
        missing.Exit.ShouldBe(2);
        missing.Err.ShouldContain("'payments'");
        server.AsAdmin("rollout", "get", id, "--width", "5").Exit.ShouldBe(2);
    }

    private static async Task<string> EventuallyAsync(Func<string> probe, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        string last;
        do
        {
            last = probe();
            if (done(last))
            {
                return last;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new ShouldAssertException($"not reached; last: {last}");
    }
}
