using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

public sealed class SecurityTests : IAsyncLifetime
{
    private TestServer server = null!;
    private string readToken = null!;
    private string agentToken = null!;

    public async ValueTask InitializeAsync()
    {
        server = await TestServer.StartAsync();
        readToken = await server.TokenAsync(TokenKind.Read, "dashboard");
        agentToken = await server.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();

    /// <summary>Every route with the access it needs: read (admin or read token), admin, or agent.</summary>
    public static TheoryData<string, string, string> Endpoints => new()
    {
        { "GET", Routes.OpenApi, "read" },
        { "GET", Routes.Metrics, "read" },
        { "POST", Routes.Heartbeat, "agent" },
        { "GET", Routes.Config, "read" },
        { "PUT", Routes.Config, "admin" },
        { "GET", Routes.Services, "read" },
        { "GET", "/api/v1/services/orders/releases", "read" },
        { "POST", "/api/v1/services/orders/releases", "admin" },
        { "GET", Routes.Nodes, "read" },
        { "POST", "/api/v1/nodes/n1/decommission", "admin" },
        { "GET", Routes.Rollouts, "read" },
        { "POST", Routes.Rollouts, "admin" },
        { "GET", "/api/v1/rollouts/orders-1.1.0-1", "read" },
        { "POST", "/api/v1/rollouts/orders-1.1.0-1/pause", "admin" },
        { "POST", "/api/v1/rollouts/orders-1.1.0-1/resume", "admin" },
        { "POST", "/api/v1/rollouts/orders-1.1.0-1/abort", "admin" },
        { "POST", "/api/v1/rollouts/orders-1.1.0-1/promote", "admin" },
        { "GET", Routes.Plans, "read" },
        { "POST", "/api/v1/plans/p/start", "admin" },
        { "GET", Routes.DataChanges, "read" },
        { "POST", "/api/v1/data-changes/add-note/expand", "admin" },
        { "GET", Routes.Overrides, "read" },
        { "POST", Routes.Overrides, "admin" },
        { "GET", Routes.Events, "read" },
        { "GET", Routes.Alerts, "read" },
        { "POST", Routes.Tokens, "admin" },
    };

    private static HttpRequestMessage Request(string method, string path) =>
        new(new HttpMethod(method), path.TrimStart('/'))
        {
            Content = method == "GET" ? null : path == Routes.Config ? new StringContent("services: []\n", Encoding.UTF8, "application/yaml") : new StringContent("{}", Encoding.UTF8, "application/json"),
        };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task every_endpoint_refuses_a_missing_token(string method, string path, string access)
    {
        _ = access;
        using var client = server.Client(null);
        using var response = await client.SendAsync(Request(method, path));
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await TestServer.ProblemAsync(response)).GetProperty("type").GetString().ShouldBe(ProblemTypes.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task every_endpoint_refuses_a_wrong_token(string method, string path, string access)
    {
        _ = access;
        using var client = server.Client("sw_not-a-token-this-server-issued");
        using var response = await client.SendAsync(Request(method, path));
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await TestServer.ProblemAsync(response)).GetProperty("type").GetString().ShouldBe(ProblemTypes.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task every_endpoint_refuses_a_token_of_the_wrong_kind(string method, string path, string access)
    {
        var wrong = access switch
        {
            "read" => new[] { agentToken },
            "admin" => [readToken, agentToken],
            _ => [TestServer.AdminSecret, readToken],
        };
        foreach (var token in wrong)
        {
            using var client = server.Client(token);
            using var response = await client.SendAsync(Request(method, path));
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{method} {path} with a token of the wrong kind");
            (await TestServer.ProblemAsync(response)).GetProperty("type").GetString().ShouldBe(ProblemTypes.Forbidden);
        }
    }

    [Fact]
    public async Task liveness_needs_no_token()
    {
        using var client = server.Client(null);
        (await client.GetStringAsync(Routes.Liveness.TrimStart('/'))).ShouldBe("ok");
    }

    [Fact]
    public async Task a_read_token_reads_but_an_admin_endpoint_refuses_it()
    {
        using var client = server.Client(readToken);
        (await client.GetAsync(Routes.Services.TrimStart('/'))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.0.0"), SnapshotJson.Options)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task an_agent_cannot_report_for_another_node()
    {
        var events = await server.EventCountAsync();
        using var response = await server.HeartbeatAsync(agentToken, "n2", "1.0.0");
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await TestServer.ProblemAsync(response)).GetProperty("detail").GetString()!.ShouldContain("n2");
        server.Host.Runtime.Nodes.Find("n2").ShouldBeNull();
        (await server.GetAsync<List<NodeView>>(Routes.Nodes)).ShouldNotContain(n => n.Id == "n2");
        (await server.EventCountAsync()).ShouldBe(events);
    }

    [Fact]
    public async Task an_agent_reports_for_its_own_node_and_a_new_node_waits_offline_until_admitted()
    {
        var first = await server.BeatAsync(agentToken, "n1", "1.0.0");
        first.State.ShouldBe(NodeState.Offline);
        first.MayServe.ShouldBeFalse();
        var admitted = await TestServer.EventuallyAsync(() => server.BeatAsync(agentToken, "n1", "1.0.0"), r => r.MayServe, "admission of n1");
        admitted.State.ShouldBe(NodeState.Active);
    }

    [Fact]
    public async Task tokens_are_stored_hashed()
    {
        await using var connection = await server.Host.Runtime.Store.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT hash, name FROM tokens";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = 0;
        while (await reader.ReadAsync())
        {
            rows++;
            var hash = reader.GetString(0);
            hash.ShouldNotBe(agentToken);
            hash.ShouldNotBe(readToken);
            hash.ShouldNotBe(TestServer.AdminSecret);
            hash.Length.ShouldBe(64);
        }
        rows.ShouldBe(3);
    }
}
