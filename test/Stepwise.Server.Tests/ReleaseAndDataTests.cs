using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

public sealed class ReleaseAndDataTests
{
    private const string V1 = """
        {"openapi":"3.0.3","info":{"title":"orders","version":"1"},"paths":{
          "/orders/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}},
                          "delete":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"204":{"description":"gone"}}}}}}
        """;

    private const string V2WithoutDelete = """
        {"openapi":"3.0.3","info":{"title":"orders","version":"2"},"paths":{
          "/orders/{id}":{"get":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"200":{"description":"ok"}}}}}}
        """;

    private static Task<HttpResponseMessage> RegisterAsync(TestServer server, string version, string openApi) =>
        server.Admin.PostAsJsonAsync("api/v1/services/orders/releases",
            new ReleaseRegistration(version, new Artifact("app", []), Contracts: [new ContractDocument("openapi", openApi)]), SnapshotJson.Options);

    [Fact]
    public async Task a_release_that_removes_an_operation_without_deprecating_it_is_refused_under_g6_and_not_registered()
    {
        await using var server = await TestServer.StartAsync();
        (await RegisterAsync(server, "1.1.0", V1)).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var response = await RegisterAsync(server, "1.2.0", V2WithoutDelete);
        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await TestServer.ProblemAsync(response);
        problem.GetProperty("type").GetString().ShouldBe(ProblemTypes.Incompatible);
        problem.GetProperty("findings").GetArrayLength().ShouldBeGreaterThan(0);
        problem.GetProperty("detail").GetString()!.ShouldContain("G6");
        (await server.GetAsync<List<ReleaseView>>("api/v1/services/orders/releases")).Select(r => r.Version).ShouldBe(["1.0.0", "1.1.0"]);
    }

    [Fact]
    public async Task a_compatible_release_registers_as_the_newest_with_its_artifact()
    {
        await using var server = await TestServer.StartAsync();
        (await RegisterAsync(server, "1.1.0", V2WithoutDelete)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await RegisterAsync(server, "1.2.0", V1)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var releases = await server.GetAsync<List<ReleaseView>>("api/v1/services/orders/releases");
        releases.Select(r => (r.Version, r.Ordinal)).ShouldBe([("1.0.0", 0), ("1.1.0", 1), ("1.2.0", 2)]);
        releases[2].Artifact!.Command.ShouldBe("app");
    }

    [Fact]
    public async Task a_requested_expand_runs_on_the_data_store_and_is_recorded_complete()
    {
        var directory = TestServer.NewDirectory();
        var appDb = Path.Combine(directory, "app.db");
        await using (var connection = new SqliteConnection($"Data Source={appDb}"))
        {
            await connection.OpenAsync();
            await using var create = connection.CreateCommand();
            create.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY)";
            await create.ExecuteNonQueryAsync();
        }
        await using var server = await TestServer.StartAsync(directory: directory,
            tweak: o => o with { DataStores = new Dictionary<string, string> { ["app-db"] = "sqlite:" + appDb } });
        using var response = await server.Admin.PostAsJsonAsync("api/v1/data-changes/add-note/expand", new DataPhaseBody("app-db", "test"), SnapshotJson.Options);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var phase = await TestServer.EventuallyAsync(
            async () => (await server.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None)).DataPhases.SingleOrDefault(),
            p => p?.State is DataPhaseState.Complete or DataPhaseState.Failed, "the expand finishing");
        phase!.State.ShouldBe(DataPhaseState.Complete);
        phase.CompletedAt.ShouldNotBeNull();
        await using (var connection = new SqliteConnection($"Data Source={appDb}"))
        {
            await connection.OpenAsync();
            await using var columns = connection.CreateCommand();
            columns.CommandText = "SELECT COUNT(*) FROM pragma_table_info('orders') WHERE name = 'note'";
            Convert.ToInt64(await columns.ExecuteScalarAsync()).ShouldBe(1);
        }
    }

    [Fact]
    public async Task a_data_phase_without_a_store_url_fails_with_the_option_to_give()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Admin.PostAsJsonAsync("api/v1/data-changes/add-note/expand", new DataPhaseBody(), SnapshotJson.Options);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await TestServer.EventuallyAsync(
            async () => (await server.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None)).DataPhases.SingleOrDefault(),
            p => p?.State == DataPhaseState.Failed, "the expand failing");
        (await server.GetAsync<List<EventView>>(Routes.Events)).ShouldContain(e => e.Kind == "data-phase-failed" && e.Message.Contains("--data-store app-db=URL", StringComparison.Ordinal));
    }
}
