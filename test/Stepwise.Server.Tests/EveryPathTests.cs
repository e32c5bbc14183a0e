using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

/// <summary>
/// The guarantees hold whichever path brings a release to the fleet: releases registered through the API link like
/// stepwise.yaml's, registration is all or nothing and idempotent, G6 compares with the newest earlier contract of
/// each kind, releases can be retired, decommissioning holds.
/// </summary>
public sealed class EveryPathTests
{
    private const string WithPlanYaml = """
        version: 1
        policy:
          canary: { nodes: 1 }
          bake: 1s
          rehearsalBake: 1s
          waveBake: 1s
          waves: [50, 100]
          dataBake: 1s
          heartbeatTimeout: 30s
          analysis: { metrics: [] }
        stores:
          - { id: app-db, kind: sqlite }
        services:
          - name: orders
            releases:
              - version: 1.0.0
                usesOldShapeOf: [rename-email]
        dataChanges:
          - id: rename-email
            store: app-db
            expand: { up: "ALTER TABLE c ADD COLUMN contact TEXT", down: "ALTER TABLE c DROP COLUMN contact" }
            backfill: none
            contract: { up: "ALTER TABLE c DROP COLUMN email", down: irreversible }
        plans:
          - id: first
            steps:
              - release: orders@1.0.0
        """;

    private const string OpenApiV1 = """
        {"openapi":"3.0.3","info":{"title":"orders","version":"1"},"paths":{
          "/orders/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}},
                          "delete":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"204":{"description":"gone"}}}}}}
        """;

    private const string OpenApiV1Yaml = """
        openapi: 3.0.3
        info: { title: orders, version: "1" }
        paths:
          /orders/{id}:
            get:
              parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
              responses: { "200": { description: ok } }
            delete:
              parameters: [{ name: id, in: path, required: true, schema: { type: string } }]
              responses: { "204": { description: gone } }
        """;

    private const string OpenApiWithoutDelete = """
        {"openapi":"3.0.3","info":{"title":"orders","version":"2"},"paths":{
          "/orders/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}}}}}
        """;

    private static ReleaseRegistration Release(string version, string[]? usesOldShape = null, params ContractDocument[] contracts) =>
        new(version, new Artifact("app", ["--version", "{version}"]), Provides: ["GET /orders/{id}"], UsesOldShapeOf: usesOldShape, Contracts: contracts);

    private static async Task<List<string>> VersionsAsync(TestServer server) =>
        (await server.GetAsync<List<ReleaseView>>("api/v1/services/orders/releases")).Select(r => r.Version).ToList();

    [Fact]
    public async Task a_release_registered_with_a_plan_declared_answers_201_and_can_be_rolled_out()
    {
        await using var server = await TestServer.StartAsync(WithPlanYaml);
        var fleet = new FakeFleet(server);
        await fleet.AddAsync("n1", "1.0.0");
        await fleet.AddAsync("n2", "1.0.0");
        await fleet.BeatAsync();

        using var registered = await server.RegisterAsync("orders", Release("1.1.0"));

        registered.StatusCode.ShouldBe(HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
        (await registered.Content.ReadFromJsonAsync<ReleaseView>(SnapshotJson.Options))!.Version.ShouldBe("1.1.0");
        using var start = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.1.0"), SnapshotJson.Options);
        start.StatusCode.ShouldBe(HttpStatusCode.Accepted, await start.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task the_same_registration_again_answers_with_the_release_and_another_body_gets_409_without_storing_anything()
    {
        await using var server = await TestServer.StartAsync(WithPlanYaml);
        (await server.RegisterAsync("orders", Release("1.1.0"))).StatusCode.ShouldBe(HttpStatusCode.Created);

        using var again = await server.RegisterAsync("orders", Release("1.1.0"));
        using var other = await server.RegisterAsync("orders", Release("1.1.0", ["rename-email"]));

        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        other.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await VersionsAsync(server)).ShouldBe(["1.0.0", "1.1.0"]);
        (await server.Host.Runtime.Store.LoadReleasesAsync(CancellationToken.None)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_registered_release_that_uses_the_old_shape_blocks_the_contract_while_a_node_runs_it()
    {
        await using var server = await TestServer.StartAsync(WithPlanYaml);
        var fleet = new FakeFleet(server);
        await fleet.AddAsync("n1", "1.1.0");
        (await server.RegisterAsync("orders", Release("1.1.0", ["rename-email"]))).StatusCode.ShouldBe(HttpStatusCode.Created);
        await fleet.BeatAsync();
        await TestServer.EventuallyAsync(() => server.GetAsync<List<NodeView>>(Routes.Nodes), nodes => nodes.Any(n => n.Id == "n1"), "n1 known");

        using var contract = await server.Admin.PostAsJsonAsync("api/v1/data-changes/rename-email/contract", new DataPhaseBody("app-db"), SnapshotJson.Options);

        contract.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await TestServer.ProblemAsync(contract);
        problem.GetProperty("refusals").EnumerateArray().ShouldContain(r => r.GetProperty("guarantee").GetString() == "G4" &&
            r.GetProperty("message").GetString()!.Contains("orders@1.1.0 on n1"));
    }

    [Fact]
    public async Task g6_compares_with_the_newest_earlier_contract_of_the_kind_even_across_a_release_without_one_and_across_formats()
    {
        await using var server = await TestServer.StartAsync(WithPlanYaml);
        (await server.RegisterAsync("orders", Release("1.1.0", null, new ContractDocument("openapi", OpenApiV1Yaml)))).StatusCode.ShouldBe(HttpStatusCode.Created);
        // 1.2.0 drops the contract: refused unless overridden.
        using var dropped = await server.RegisterAsync("orders", Release("1.2.0"));
        dropped.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await TestServer.ProblemAsync(dropped)).GetProperty("detail").GetString()!.ShouldContain("no openapi contract");
        (await server.Admin.PostAsJsonAsync(Routes.Overrides.TrimStart('/'), new OverrideBody(GuaranteeId.G6, "release orders@1.2.0", "contract moved"), SnapshotJson.Options))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await server.RegisterAsync("orders", Release("1.2.0"))).StatusCode.ShouldBe(HttpStatusCode.Created);

        // 1.3.0 (JSON) removes the never-deprecated DELETE that 1.1.0 (YAML) had: compared with 1.1.0, refused.
        using var breaking = await server.RegisterAsync("orders", Release("1.3.0", null, new ContractDocument("openapi", OpenApiWithoutDelete)));

        breaking.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await TestServer.ProblemAsync(breaking);
        problem.GetProperty("detail").GetString()!.ShouldContain("against orders@1.1.0");
        problem.GetProperty("findings").EnumerateArray().ShouldContain(f => f.GetProperty("location").GetString()!.Contains("delete"));
        (await VersionsAsync(server)).ShouldBe(["1.0.0", "1.1.0", "1.2.0"]);
        (await server.RegisterAsync("orders", Release("1.3.0", null, new ContractDocument("openapi", OpenApiV1)))).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task a_release_never_deployed_can_be_retired_so_the_next_one_is_n_plus_1()
    {
        await using var server = await TestServer.StartAsync(WithPlanYaml);
        var fleet = new FakeFleet(server);
        await fleet.AddAsync("n1", "1.0.0");
        await fleet.AddAsync("n2", "1.0.0");
        await fleet.BeatAsync();
        (await server.RegisterAsync("orders", Release("1.1.0"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await server.RegisterAsync("orders", Release("1.2.0"))).StatusCode.ShouldBe(HttpStatusCode.Created);
        await TestServer.EventuallyAsync(async () => { await fleet.BeatAsync(); return await server.GetAsync<List<NodeView>>(Routes.Nodes); },
            nodes => nodes.All(n => n.MayServe), "nodes admitted");
        using var skip = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.2.0"), SnapshotJson.Options);
        skip.StatusCode.ShouldBe(HttpStatusCode.Conflict);

        using var retire = await server.Admin.PostAsJsonAsync("api/v1/services/orders/releases/1.1.0/retire", new ReasonBody("never shipped"), SnapshotJson.Options);

        retire.StatusCode.ShouldBe(HttpStatusCode.Accepted, await retire.Content.ReadAsStringAsync());
        (await VersionsAsync(server)).ShouldBe(["1.0.0", "1.2.0"]);
        (await server.GetAsync<List<EventView>>(Routes.Events)).ShouldContain(e => e.Kind == "retire-release" && e.Subject == "orders@1.1.0");
        using var start = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.2.0"), SnapshotJson.Options);
        start.StatusCode.ShouldBe(HttpStatusCode.Accepted, await start.Content.ReadAsStringAsync());
        using var again = await server.Admin.PostAsJsonAsync("api/v1/services/orders/releases/1.0.0/retire", new ReasonBody("running"), SnapshotJson.Options);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task a_decommissioned_live_node_stays_out_on_its_next_heartbeats_until_enabled()
    {
        await using var server = await TestServer.StartAsync(WithPlanYaml);
        var fleet = new FakeFleet(server);
        await fleet.AddAsync("n1", "1.0.0");
        await TestServer.EventuallyAsync(async () => (await fleet.BeatAsync()).Single(), r => r.MayServe, "n1 admitted");

        (await server.Admin.PostAsJsonAsync("api/v1/nodes/n1/decommission", new ReasonBody("retiring the machine"), SnapshotJson.Options)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        for (var i = 0; i < 5; i++)
        {
            (await fleet.BeatAsync()).Single().MayServe.ShouldBeFalse();
            await Task.Delay(150, TestContext.Current.CancellationToken);
        }
        (await server.GetAsync<List<NodeView>>(Routes.Nodes)).Single().State.ShouldBe(NodeState.Decommissioned);

        (await server.Admin.PostAsJsonAsync("api/v1/nodes/n1/enable", new ReasonBody("back"), SnapshotJson.Options)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await TestServer.EventuallyAsync(async () => (await fleet.BeatAsync()).Single(), r => r.MayServe, "n1 back");
    }

    [Fact]
    public async Task get_config_spells_out_the_derived_relations_of_registered_releases()
    {
        await using var server = await TestServer.StartAsync(WithPlanYaml);
        (await server.RegisterAsync("orders", Release("1.1.0", ["rename-email"]))).StatusCode.ShouldBe(HttpStatusCode.Created);

        var config = await server.GetAsync<JsonElement>(Routes.Config.TrimStart('/'));

        var change = config.GetProperty("dataChanges").EnumerateArray().Single();
        change.GetProperty("oldShapeUsedBy").EnumerateArray().Select(r => r.GetProperty("version").GetString()).ShouldBe(["1.0.0", "1.1.0"]);
    }
}
