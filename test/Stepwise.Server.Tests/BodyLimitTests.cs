using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

public sealed class BodyLimitTests : IAsyncLifetime
{
    private TestServer server = null!;
    private string agentToken = null!;

    public async ValueTask InitializeAsync()
    {
        server = await TestServer.StartAsync();
        agentToken = await server.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
    }

    public async ValueTask DisposeAsync() => await server.DisposeAsync();

    /// <summary>Every endpoint that takes a JSON body, with its limit.</summary>
    public static TheoryData<string, string, int> JsonEndpoints => new()
    {
        { "POST", Routes.Heartbeat, 64 * 1024 },
        { "POST", "/api/v1/services/orders/releases", 1024 * 1024 },
        { "POST", "/api/v1/nodes/n1/decommission", 1024 * 1024 },
        { "POST", Routes.Rollouts, 1024 * 1024 },
        { "POST", "/api/v1/rollouts/orders-1.0.0-1/pause", 1024 * 1024 },
        { "POST", "/api/v1/data-changes/add-note/expand", 1024 * 1024 },
        { "POST", Routes.Overrides, 1024 * 1024 },
        { "POST", Routes.Tokens, 1024 * 1024 },
        { "POST", Routes.WhatIf, 1024 * 1024 },
    };

    private HttpClient ClientFor(string path) => server.Client(path == Routes.Heartbeat ? agentToken : TestServer.AdminSecret);

    private async Task<(int Events, int Nodes, int Releases, int Requests)> StateAsync()
    {
        var releases = (await server.Host.Runtime.Store.LoadReleasesAsync(CancellationToken.None)).Count;
        var control = await server.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None);
        return (await server.EventCountAsync(), server.Host.Runtime.Nodes.Count, releases, control.Requests.Count + control.Overrides.Count);
    }

    [Theory]
    [MemberData(nameof(JsonEndpoints))]
    public async Task a_malformed_body_gets_a_400_problem_and_changes_nothing(string method, string path, int limit)
    {
        _ = limit;
        await TestServer.EventuallyAsync(() => server.BeatAsync(agentToken, "n1", "1.0.0"), r => r.MayServe, "admission of n1");
        var before = await StateAsync();
        var optionalBody = path.Contains("/pause", StringComparison.Ordinal) || path.Contains("/decommission", StringComparison.Ordinal) || path.Contains("/data-changes/", StringComparison.Ordinal);
        foreach (var body in new[] { "{not json", "[1,2,3]", "null", "", "{\"unknownField\": 1}", "\"text\"" })
        {
            if (body == "" && optionalBody)
            {
                continue; // these take an optional body; an empty one means the defaults
            }
            using var client = ClientFor(path);
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/')) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"{method} {path} with body '{body}'");
            (await TestServer.ProblemAsync(response)).GetProperty("type").GetString().ShouldBe(ProblemTypes.BadRequest);
        }
        (await StateAsync()).ShouldBe(before);
    }

    [Theory]
    [MemberData(nameof(JsonEndpoints))]
    public async Task an_oversized_body_gets_a_413_problem_and_changes_nothing(string method, string path, int limit)
    {
        var before = await StateAsync();
        var padding = new string(' ', limit + 1);
        foreach (var chunked in new[] { false, true })
        {
            using var client = ClientFor(path);
            HttpContent content = chunked
                ? new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{" + padding + "}")))
                : new StringContent("{" + padding + "}", Encoding.UTF8, "application/json");
            if (chunked)
            {
                content.Headers.ContentType = new("application/json");
                content.Headers.ContentLength = null;
            }
            using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/')) { Content = content };
            // The server refuses a declared length before reading: with 100-continue the client waits for that answer
            // instead of writing a megabyte into a connection the server closes (a broken pipe, not a 413).
            request.Headers.ExpectContinue = true;
            if (chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }
            using var response = await client.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge, $"{method} {path} (chunked: {chunked})");
            (await TestServer.ProblemAsync(response)).GetProperty("type").GetString().ShouldBe(ProblemTypes.TooLarge);
        }
        (await StateAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task an_invalid_heartbeat_is_refused_with_the_reason()
    {
        var cases = new[]
        {
            new Heartbeat("n1", "orders", "1.0.0", NodeHealth.Healthy, true, 5, 6, []),
            new Heartbeat("n1", "orders", "1.0.0", NodeHealth.Healthy, true, -1, 0, []),
            new Heartbeat("n1", "orders", "1.0.0", NodeHealth.Healthy, true, 1, 0, Enumerable.Repeat(1.0, 1001).ToList()),
            new Heartbeat("n1", "", "1.0.0", NodeHealth.Healthy, true, 1, 0, []),
            new Heartbeat("n1", "billing", "1.0.0", NodeHealth.Healthy, true, 1, 0, []),
        };
        foreach (var heartbeat in cases)
        {
            using var client = server.Client(agentToken);
            using var response = await client.PostAsync(Routes.Heartbeat.TrimStart('/'),
                new StringContent(System.Text.Json.JsonSerializer.Serialize(heartbeat, SnapshotJson.Options), Encoding.UTF8, "application/json"));
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, heartbeat.ToString());
        }
        server.Host.Runtime.Nodes.Find("n1").ShouldBeNull();
    }

    [Fact]
    public async Task an_invalid_configuration_is_refused_with_file_and_line_and_the_old_one_stays()
    {
        var before = await server.Admin.GetStringAsync(Routes.Config.TrimStart('/'));
        using var response = await server.Admin.PutAsync(Routes.Config.TrimStart('/'), new StringContent("services:\n  - name: orders\n    releases: 7\n", Encoding.UTF8, "application/yaml"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await TestServer.ProblemAsync(response);
        var errors = problem.GetProperty("errors").EnumerateArray().ToList();
        errors.Select(e => e.GetProperty("line").GetInt32()).ShouldBeInOrder(SortDirection.Ascending);
        errors.ShouldContain(e => e.GetProperty("line").GetInt32() == 3 && e.GetProperty("message").GetString()!.Contains("must be a list"));
        (await server.Admin.GetStringAsync(Routes.Config.TrimStart('/'))).ShouldBe(before);
    }

    [Fact]
    public async Task yaml_nested_past_the_bound_is_a_400_and_the_server_keeps_serving()
    {
        // Without the bound, one request like these ended the server process with a stack overflow.
        var deep = new string('[', 200_000);
        var before = await server.Admin.GetStringAsync(Routes.Config.TrimStart('/'));
        using (var config = await server.Admin.PutAsync(Routes.Config.TrimStart('/'), new StringContent("services: " + deep + "\n", Encoding.UTF8, "application/yaml")))
        {
            config.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await config.Content.ReadAsStringAsync()).ShouldContain("deeper than");
        }
        var contract = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-deep: " + deep + "\n";
        using (var release = await server.Admin.PostAsJsonAsync("api/v1/services/orders/releases",
            new ReleaseRegistration("9.0.0", new Artifact("app", []), Contracts: [new ContractDocument("openapi", contract)]), SnapshotJson.Options))
        {
            ((int)release.StatusCode).ShouldBeInRange(400, 499);
            (await release.Content.ReadAsStringAsync()).ShouldContain("deeper than");
        }
        (await server.Admin.GetStringAsync(Routes.Config.TrimStart('/'))).ShouldBe(before);
        (await server.Host.Runtime.Store.LoadReleasesAsync(CancellationToken.None)).ShouldNotContain(r => r.Registration.Version == "9.0.0");
    }

    [Theory]
    [InlineData("""{"dataPhases": [{"change": "add-note"}]}""", "a change and a phase")]
    [InlineData("""{"rollouts": [{"service": "orders"}]}""", "a service and a version")]
    [InlineData("""{"rollouts": [null]}""", "a service and a version")]
    [InlineData("""{"plan": "ghost"}""", "no such plan")]
    [InlineData("""{"dataPhases": [{"change": "add-note", "phase": "expand", "store": "elsewhere"}]}""", "does not run on store 'elsewhere'")]
    public async Task a_what_if_that_does_not_fit_the_configuration_is_a_400(string body, string message)
    {
        var before = await StateAsync();
        using var response = await server.Admin.PostAsync(Routes.WhatIf.TrimStart('/'), new StringContent(body, Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await TestServer.ProblemAsync(response)).GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain(message);
        (await StateAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task a_what_if_asks_at_most_a_hundred_questions()
    {
        var many = string.Join(",", Enumerable.Repeat("""{"service": "orders", "version": "1.0.0"}""", 101));
        using var response = await server.Admin.PostAsync(Routes.WhatIf.TrimStart('/'), new StringContent($$"""{"rollouts": [{{many}}]}""", Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await TestServer.ProblemAsync(response)).GetProperty("detail").GetString().ShouldNotBeNull().ShouldContain("at most 100");
    }
}
