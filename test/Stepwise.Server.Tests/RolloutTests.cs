using System.Net;
using System.Net.Http.Json;
using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

public sealed class RolloutTests
{
    private const string WithAnalysis = """
        version: 1
        policy:
          canary: { nodes: 1 }
          bake: 5s
          rehearsalBake: 1s
          waveBake: 1s
          waves: [50, 100]
          heartbeatTimeout: 30s
          analysis:
            interval: 1s
            timeout: 60s
            metrics:
              - { name: error_rate, kind: rate, critical: true, maxRate: 0.05, tolerance: 0.5, minSamples: 50 }
        services:
          - name: orders
            releases:
              - version: 1.0.0
        """;

    private static async Task<RolloutView> RolloutAsync(TestServer server, string id) => await server.GetAsync<RolloutView>($"api/v1/rollouts/{id}");

    [Fact]
    public async Task a_registered_release_rolls_out_to_every_node_through_canary_rehearsal_and_waves()
    {
        await using var server = await TestServer.StartAsync();
        var fleet = new FakeFleet(server);
        foreach (var n in new[] { "n1", "n2", "n3", "n4" })
        {
            await fleet.AddAsync(n, "1.0.0");
        }
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission of every node");
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);

        using var start = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.1.0", "test"), SnapshotJson.Options);
        start.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var outcome = (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!;
        outcome.Accepted.ShouldBeTrue();
        outcome.Rollout.ShouldBe("orders-1.1.0-1");

        var done = await fleet.RunUntilAsync(() => RolloutAsync(server, outcome.Rollout!), r => r.Phase == RolloutPhase.Complete, "the rollout completing");
        done.NodesOnTo.ShouldBe(4);
        fleet.Releases.Values.ShouldAllBe(r => r == "1.1.0");
        var services = await server.GetAsync<List<ServiceView>>(Routes.Services);
        services.Single().Current.ShouldBe("1.1.0");
        var events = await server.GetAsync<List<EventView>>(Routes.Events + "?limit=1000");
        events.Select(e => e.Id).ShouldBeInOrder();
        events.Count(e => e.Kind == "start-rollout").ShouldBe(1);
        events.ShouldContain(e => e.Kind == "advance-rollout" && e.Message.Contains("rehearsing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task a_refused_rollout_answers_409_with_the_guarantee_the_blockers_and_what_unblocks_it()
    {
        await using var server = await TestServer.StartAsync();
        var fleet = new FakeFleet(server);
        await fleet.AddAsync("n1", "1.0.0");
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission");
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await server.RegisterAsync("1.2.0")).StatusCode.ShouldBe(HttpStatusCode.Created);

        using var response = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.2.0"), SnapshotJson.Options);
        response.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await TestServer.ProblemAsync(response);
        problem.GetProperty("type").GetString().ShouldBe(ProblemTypes.Refused);
        var refusal = problem.GetProperty("refusals")[0];
        refusal.GetProperty("guarantee").GetString().ShouldBe("G1");
        refusal.GetProperty("blockers")[0].GetProperty("id").GetString().ShouldBe("n1");
        refusal.GetProperty("unblock").GetString().ShouldNotBeNullOrWhiteSpace();
        (await server.GetAsync<List<RolloutView>>(Routes.Rollouts)).ShouldBeEmpty();
    }

    [Fact]
    public async Task registering_an_existing_version_or_for_an_unknown_service_is_refused_and_registers_nothing()
    {
        await using var server = await TestServer.StartAsync();
        (await server.RegisterAsync("1.0.0")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await server.RegisterAsync("2.0.0", service: "billing")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await server.Host.Runtime.Store.LoadReleasesAsync(CancellationToken.None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_failed_analysis_rolls_the_canary_back_and_raises_an_alert_sent_to_the_webhook()
    {
        using var webhook = new WebhookReceiver();
        await using var server = await TestServer.StartAsync(WithAnalysis, tweak: o => o with { AlertWebhook = webhook.Url });
        var fleet = new FakeFleet(server)
        {
            // 1.1.0 fails a fifth of its requests; 1.0.0 none.
            Metrics = (_, release) => release == "1.1.0" ? (100, 20, []) : (100, 0, []),
        };
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await fleet.AddAsync(n, "1.0.0");
        }
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission");
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var start = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.1.0"), SnapshotJson.Options);
        var id = (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Rollout!;

        var rolledBack = await fleet.RunUntilAsync(() => RolloutAsync(server, id), r => r.Phase == RolloutPhase.RolledBack, "the automatic rollback");
        rolledBack.Phase.ShouldBe(RolloutPhase.RolledBack);
        fleet.Releases.Values.ShouldAllBe(r => r == "1.0.0");
        var events = await server.GetAsync<List<EventView>>(Routes.Events + "?limit=1000");
        events.ShouldContain(e => e.Kind == "record-analysis" && e.Data!.Value.GetProperty("verdict").GetString() == "fail");
        // The alert is raised by the tick after the rollback ends.
        await TestServer.EventuallyAsync(() => server.GetAsync<List<Alert>>(Routes.Alerts), alerts => alerts.Any(a => a.Key == $"rolled-back:{id}"), "the rolled-back alert");
        var received = await TestServer.EventuallyAsync(() => Task.FromResult(webhook.Received), r => r.Any(x => x.Contains($"rolled-back:{id}", StringComparison.Ordinal)), "the webhook call");
        received.ShouldNotBeEmpty();
        // Every body is what the documented schema promises receivers.
        var schema = Json.Schema.JsonSchema.FromText(await File.ReadAllTextAsync(Path.Combine(Stepwise.Testing.Scratch.RepoRoot(), "docs", "schema", "alert-webhook.schema.json")));
        foreach (var body in received)
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var result = schema.Evaluate(json.RootElement, new Json.Schema.EvaluationOptions { OutputFormat = Json.Schema.OutputFormat.List, RequireFormatValidation = true });
            result.IsValid.ShouldBeTrue($"{body}\n{string.Join("\n", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")))}");
        }
    }

    [Fact]
    public async Task an_override_is_recorded_with_who_why_and_when()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Admin.PostAsJsonAsync(Routes.Overrides.TrimStart('/'), new OverrideBody(GuaranteeId.G7, "rehearsal orders-1.1.0-1", "hotfix; rehearsed by hand"), SnapshotJson.Options);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var recorded = (await response.Content.ReadFromJsonAsync<Override>(SnapshotJson.Options))!;
        recorded.By.ShouldBe("admin");
        recorded.Reason.ShouldBe("hotfix; rehearsed by hand");
        (await server.GetAsync<List<Override>>(Routes.Overrides)).ShouldHaveSingleItem().Id.ShouldBe(recorded.Id);
        (await server.GetAsync<List<EventView>>(Routes.Events)).ShouldContain(e => e.Kind == "override" && e.Subject == "rehearsal orders-1.1.0-1");
    }

    [Fact]
    public async Task the_openapi_document_lists_every_route()
    {
        await using var server = await TestServer.StartAsync();
        var document = await server.Admin.GetStringAsync(Routes.OpenApi.TrimStart('/'));
        foreach (var route in new[] { Routes.Heartbeat, Routes.Config, Routes.Services, Routes.Releases, Routes.Nodes, Routes.DecommissionNode, Routes.Rollouts, Routes.Rollout,
                     Routes.RolloutAction, Routes.Plans, Routes.StartPlan, Routes.DataChanges, Routes.RunDataPhase, Routes.Overrides, Routes.Events, Routes.Alerts, Routes.Tokens })
        {
            document.ShouldContain($"\"{route}\"");
        }
    }

    [Fact]
    public async Task replacing_the_configuration_keeps_registered_releases_and_adds_new_services()
    {
        await using var server = await TestServer.StartAsync();
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        var yaml = TestServer.ThreeStepYaml.Replace("services:\n", "services:\n  - name: billing\n    releases:\n      - version: 3.0.0\n", StringComparison.Ordinal);
        using var response = await server.Admin.PutAsync(Routes.Config.TrimStart('/'), new StringContent(yaml, System.Text.Encoding.UTF8, "application/yaml"));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var services = await server.GetAsync<List<ServiceView>>(Routes.Services);
        services.Select(s => s.Name).ShouldBe(["billing", "orders"], ignoreOrder: true);
        services.Single(s => s.Name == "orders").Releases.ShouldBe(["1.0.0", "1.1.0"]);
    }

    [Fact]
    public async Task decommissioning_a_node_is_accepted_and_the_node_stops_counting()
    {
        await using var server = await TestServer.StartAsync();
        var fleet = new FakeFleet(server);
        await fleet.AddAsync("n1", "1.0.0");
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission");
        using var response = await server.Admin.PostAsJsonAsync("api/v1/nodes/n1/decommission", new ReasonBody("retired"), SnapshotJson.Options);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await server.GetAsync<List<NodeView>>(Routes.Nodes)).Single().State.ShouldBe(NodeState.Decommissioned);
        (await server.Admin.PostAsJsonAsync("api/v1/nodes/n9/decommission", new ReasonBody(), SnapshotJson.Options)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task the_heartbeat_reply_carries_the_artifact_of_the_reported_release_when_none_is_desired()
    {
        await using var server = await TestServer.StartAsync();
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        var token = await server.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
        var reply = await server.BeatAsync(token, "n1", "1.1.0");
        reply.DesiredRelease.ShouldBeNull();
        reply.Artifact.ShouldNotBeNull().Arguments.ShouldBe(["--version", "{version}"]);
    }

    [Fact]
    public async Task the_heartbeat_reply_carries_where_the_services_app_answers_probes_from_stepwise_yaml()
    {
        var yaml = TestServer.ThreeStepYaml.Replace("  - name: orders\n", "  - name: orders\n    app: { healthPath: /ready, metricsPath: /internal/metrics }\n", StringComparison.Ordinal);
        yaml.ShouldContain("/ready");
        await using var server = await TestServer.StartAsync(yaml);
        var token = await server.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
        var reply = await server.BeatAsync(token, "n1", "1.0.0");
        reply.Artifact.ShouldBeNull(); // declared in stepwise.yaml: the agent runs it with its own --run command
        reply.App.ShouldBe(new AppPaths("/ready", "/internal/metrics"));
    }
}
