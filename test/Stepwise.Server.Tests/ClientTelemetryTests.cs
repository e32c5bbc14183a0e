using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Server.Store;

namespace Stepwise.Server.Tests;

/// <summary>Client telemetry (G8) through the real server: ingestion, validation, aggregation by day, retention, the policy and who calls what.</summary>
public sealed class ClientTelemetryTests
{
    public const string Yaml = """
        version: 1
        policy:
          heartbeatTimeout: 30s
          retention: { clientTelemetry: 30d }
          clients:
            minimumVersions: { ios-app: 4.0.0 }
        services:
          - name: orders
            releases:
              - version: 1.0.0
                provides: ["GET /orders", "GET /orders/{id}", "DELETE /orders/{id}", "POST /orders/{id}/cancel"]
              - version: 1.1.0
                provides: ["GET /orders", "GET /orders/{id}", "DELETE /orders/{id}"]
                deprecates: ["DELETE /orders/{id}"]
          - name: payments
            releases:
              - version: 1.0.0
        """;

    public static object Body(string service, params (string App, string Version, string Operation, long Count)[] calls) => new
    {
        service,
        release = "1.1.0",
        instance = "n1",
        from = DateTimeOffset.UtcNow.AddSeconds(-10),
        to = DateTimeOffset.UtcNow,
        calls = calls.Select(c => new { app = c.App, version = c.Version, operation = c.Operation, count = c.Count }).ToArray(),
        dropped = 0,
    };

    /// <summary>A server with node n1 of orders reporting, and an agent client for it.</summary>
    public static async Task<(TestServer Server, HttpClient Agent)> StartAsync(TimeProvider? time = null, string yaml = Yaml)
    {
        var server = await TestServer.StartAsync(yaml, tweak: time is null ? null : o => o with { Time = time });
        var token = await server.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
        (await server.HeartbeatAsync(token, "n1", "1.1.0")).EnsureSuccessStatusCode();
        return (server, server.Client(token));
    }

    [Fact]
    public async Task telemetry_is_summed_by_key_and_day_and_shown_with_share_and_last_seen()
    {
        var (server, agent) = await StartAsync();
        await using var _ = server;
        for (var i = 0; i < 20; i++)
        {
            using var response = await agent.PostAsJsonAsync(Routes.ClientTelemetry,
                Body("orders", ("old-client", "1.2", "DELETE /orders/{id}", 3), ("ios-app", "4.2.1+build.7", "DELETE /orders/{id}", 1), ("unknown", "unknown", "GET /orders", 5)));
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            var accepted = (await response.Content.ReadFromJsonAsync<ClientTelemetryAccepted>(SnapshotJson.Options))!;
            accepted.Accepted.ShouldBe(3);
            accepted.Policy.MinimumVersions.ShouldBe([new MinimumVersionView("ios-app", "4.0.0")]);
        }
        // Summed in memory until the next tick writes them: 60 posts' worth of entries, three keys, one day: three rows.
        await server.Host.Runtime.ClientCallLedger.FlushAsync(CancellationToken.None);
        (await server.Host.Runtime.Store.ClientCallRowsAsync(CancellationToken.None)).ShouldBe(3);
        var all = await server.GetAsync<List<ClientView>>(Routes.Clients);
        all.Count.ShouldBe(3);
        var old = all.Single(c => c.App == "old-client");
        old.Version.ShouldBe("1.2.0"); // normalised
        old.Calls.ShouldBe(60);
        old.Share.ShouldBe(0.75);
        old.LastSeen.ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1));
        all.Single(c => c.App == "ios-app").Version.ShouldBe("4.2.1");
        var filtered = await server.GetAsync<List<ClientView>>(Routes.Clients + "?service=orders&operation=" + Uri.EscapeDataString("GET /orders"));
        filtered.ShouldHaveSingleItem().App.ShouldBe("unknown");
        filtered[0].Share.ShouldBe(1);
        (await server.GetAsync<List<ClientView>>(Routes.Clients + "?service=payments")).ShouldBeEmpty();
    }

    public static TheoryData<string, string> Hostile() => new()
    {
        { """{"service":"orders","from":"2026-12-01T10:00:00Z","to":"2026-12-01T10:00:10Z","dropped":0}""", "calls is required" },
        { """{"service":"orders","calls":[],"dropped":0}""", "from and to are required" },
        { """{"service":"orders","from":"2026-12-01T10:00:10Z","to":"2026-12-01T10:00:00Z","calls":[],"dropped":0}""", "is after to" },
        { """{"service":"orders","from":"2026-12-01T10:00:00Z","to":"2026-12-01T10:00:10Z","calls":[],"dropped":-1}""", "dropped must be" },
        { """{"service":"orders","from":"2026-12-01T10:00:00Z","to":"2026-12-01T10:00:10Z","calls":[],"dropped":1000000000001}""", "dropped must be" },
        { Entry("ios-app", "4.2.1", "GET /orders", "0"), "count must be 1 to" },
        { Entry("ios-app", "4.2.1", "GET /orders", "1000000001"), "count must be 1 to" },
        { Entry("ios-app", "4.2.1", "GET /orders", "99999999999999999999999"), "invalid ClientTelemetryBody JSON" },
        { Entry("ios-app", "4.2.1", "GET /orders", "1.5"), "invalid ClientTelemetryBody JSON" },
        { Entry("ios app", "4.2.1", "GET /orders", "1"), "calls[0].app" },
        { Entry("ios-app", "4.02.1", "GET /orders", "1"), "calls[0].version" },
        { Entry("ios-app", "unknown", "GET /orders", "1"), "both 'unknown'" },
        { Entry("ios-app", "4.2.1", "get /orders", "1"), "not an operation key" },
        { Entry("ios-app", "4.2.1", "GET orders", "1"), "not an operation key" },
        { Entry("ios-app", "4.2.1", "GET /a\u200Bb", "1"), "invisible or control character" },
        { Entry("ios-app", "4.2.1", "GET /" + new string('a', 600), "1"), "at most 512" },
        { Entry("ios-app", "4.2.1", "GET /orders", "1", twice: true), "listed twice" },
        { """{"service":"orders","service":"payments","from":"2026-12-01T10:00:00Z","to":"2026-12-01T10:00:10Z","calls":[],"dropped":0}""", "" },
        { """{"service":"../etc","from":"2026-12-01T10:00:00Z","to":"2026-12-01T10:00:10Z","calls":[],"dropped":0}""", "service" },
        { """{"service":"orders","from":"2026-12-01T10:00:00Z","to":"2026-12-01T10:00:10Z","calls":[null],"dropped":0}""", "calls[0] is null" },
        { "[1,2,3]", "invalid ClientTelemetryBody JSON" },
        { Calls("""{"app":"ios-app","version":"4.2.1","operation":"GET /orders","count":1,"extra":1}"""), "'extra' is not a member of a calls entry" },
        { Calls("""{"app":"ios-app","App":"web","version":"4.2.1","operation":"GET /orders","count":1}"""), "appears twice" },
        { Calls("""{"app":"ios-app","version":"4.2.1","operation":"GET /orders","COUNT":1,"count":2}"""), "appears twice" },
        { Calls("""{"app":5,"version":"4.2.1","operation":"GET /orders","count":1}"""), "at $.calls[0]" },
        { Calls("""{"app":["ios-app"],"version":"4.2.1","operation":"GET /orders","count":1}"""), "at $.calls[0]" },
        { Calls("""{"app":"ios-app","version":"4.2.1","operation":"GET /orders","count":"1"}"""), "at $.calls[0]" },
        { Calls("""{"app":"ios-app","version":"4.2.1","operation":"GET /orders","count":1e3}"""), "at $.calls[0]" },
        { Calls("""{"app":"ios-app","version":"4.2.1","operation":"GET /orders","count":1,}"""), "trailing comma" },
        { Calls("""["ios-app","4.2.1","GET /orders",1]"""), "a calls entry is a JSON object" },
        { Calls("\"ios-app\""), "a calls entry is a JSON object" },
        { Calls("""{"app":"ios-app","version":"4.2.1","operation":"GET /orders","count":1}{"""), "invalid ClientTelemetryBody JSON" },
        { Calls("""{"app":"ios-app","version":"4.2.1","operation":"GET /orders\ud800","count":1}"""), "invalid ClientTelemetryBody JSON" },
    };

    private static string Calls(string entries) =>
        $$"""{"service":"orders","from":"2026-12-01T10:00:00Z","to":"2026-12-01T10:00:10Z","calls":[{{entries}}],"dropped":0}""";

    private static string Entry(string app, string version, string operation, string count, bool twice = false)
    {
        var entry = $$"""{"app":{{JsonSerializer.Serialize(app)}},"version":{{JsonSerializer.Serialize(version)}},"operation":{{JsonSerializer.Serialize(operation)}},"count":{{count}}}""";
        return $$"""{"service":"orders","from":"2026-12-01T10:00:00Z","to":"2026-12-01T10:00:10Z","calls":[{{entry}}{{(twice ? "," + entry : "")}}],"dropped":0}""";
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task a_hostile_body_is_a_400_naming_what_is_wrong_and_nothing_is_stored(string body, string expected)
    {
        var (server, agent) = await StartAsync();
        await using var _ = server;
        using var response = await agent.PostAsync(Routes.ClientTelemetry, new StringContent(body, Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await TestServer.ProblemAsync(response)).GetProperty("detail").GetString()!.ShouldContain(expected);
        (await server.Host.Runtime.Store.ClientCallRowsAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task entries_are_read_like_every_body_names_in_any_case_escapes_and_comments()
    {
        var (server, agent) = await StartAsync();
        await using var _ = server;
        var body = Calls("""
            {"App":"ios-app","VERSION":"4.2","Operation":"GET /orders","Count":2},
            {"app":"\u0069os-app", /* the same key, escaped */ "version":"4.2.0","operation":"GET \/orders/{id}","count":3},
            {"app":"unknown","version":"unknown","operation":"GET /orders/caf\u00e9","count":4}
            """);
        using var response = await agent.PostAsync(Routes.ClientTelemetry, new StringContent(body, Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var seen = await server.GetAsync<List<ClientView>>(Routes.Clients);
        seen.Select(c => (c.App, c.Version, c.Operation, c.Calls)).OrderBy(c => c.Operation, StringComparer.Ordinal).ShouldBe(
            [("ios-app", "4.2.0", "GET /orders", 2), ("unknown", "unknown", "GET /orders/café", 4), ("ios-app", "4.2.0", "GET /orders/{id}", 3)]);
    }

    [Fact]
    public async Task the_strings_bodies_share_are_bounded_however_many_distinct_ones_arrive()
    {
        var (server, agent) = await StartAsync();
        await using var _ = server;
        var apps = Http.ClientCallCountReader.Pool.MaxStrings + 5_000;
        for (var first = 0; first < apps; first += Http.ClientsEndpoints.MaxCallsPerBody)
        {
            var calls = Enumerable.Range(first, Math.Min(Http.ClientsEndpoints.MaxCallsPerBody, apps - first)).Select(i => ($"app-{i}", "1.0.0", "GET /orders", 1L)).ToArray();
            using var response = await agent.PostAsJsonAsync(Routes.ClientTelemetry, Body("orders", calls));
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }
        Http.ClientCallCountReader.Pool.Count.ShouldBeLessThanOrEqualTo(Http.ClientCallCountReader.Pool.MaxStrings);
        var seen = await server.GetAsync<List<ClientView>>(Routes.Clients);
        seen.Count.ShouldBe(apps);
        seen.Select(c => c.App).Distinct().Count().ShouldBe(apps);
    }

    [Fact]
    public async Task too_many_entries_or_bytes_are_refused_before_anything_is_stored()
    {
        var (server, agent) = await StartAsync();
        await using var _ = server;
        var many = Enumerable.Range(0, 5_001).Select(i => ("app", $"1.0.{i}", "GET /orders", 1L)).ToArray();
        using var tooMany = await agent.PostAsJsonAsync(Routes.ClientTelemetry, Body("orders", many));
        tooMany.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await TestServer.ProblemAsync(tooMany)).GetProperty("detail").GetString()!.ShouldContain("at most 5,000");
        var huge = "{\"service\":\"orders\",\"pad\":\"" + new string('x', 1 << 20) + "\"}";
        // The server refuses by Content-Length and closes the connection; a client still writing the megabyte could see a
        // broken pipe instead of the answer, so this one waits for the server's go-ahead before sending the body.
        using var oversized = new HttpRequestMessage(HttpMethod.Post, Routes.ClientTelemetry) { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        oversized.Headers.ExpectContinue = true;
        using var tooLarge = await agent.SendAsync(oversized);
        tooLarge.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await server.Host.Runtime.Store.ClientCallRowsAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task only_an_agent_of_the_service_may_report_for_it()
    {
        var (server, agent) = await StartAsync();
        await using var _ = server;
        using var otherService = await agent.PostAsJsonAsync(Routes.ClientTelemetry, Body("payments", ("a", "1.0.0", "GET /x", 1)));
        otherService.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await TestServer.ProblemAsync(otherService)).GetProperty("detail").GetString()!.ShouldContain("not for service 'payments'");
        var stranger = server.Client(await server.TokenAsync(TokenKind.Agent, "agent-n9", "n9"));
        using var unknownNode = await stranger.PostAsJsonAsync(Routes.ClientTelemetry, Body("orders", ("a", "1.0.0", "GET /x", 1)));
        unknownNode.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await TestServer.ProblemAsync(unknownNode)).GetProperty("detail").GetString()!.ShouldContain("has not reported a heartbeat");
        using var admin = await server.Admin.PostAsJsonAsync(Routes.ClientTelemetry, Body("orders", ("a", "1.0.0", "GET /x", 1)));
        admin.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var undeclared = await agent.PostAsJsonAsync(Routes.ClientTelemetry, Body("nope", ("a", "1.0.0", "GET /x", 1)));
        undeclared.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await server.Host.Runtime.Store.ClientCallRowsAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task a_service_token_reports_for_its_service_only_and_never_as_a_node()
    {
        var (server, _) = await StartAsync();
        await using var __ = server;
        var reporter = server.Client(await server.TokenAsync(TokenKind.Agent, "orders-telemetry", service: "orders"));

        // Its own service, with no node of it known: taken.
        using var own = await reporter.PostAsJsonAsync(Routes.ClientTelemetry, Body("orders", ("ios-app", "4.2.1", "GET /orders", 3)));
        own.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        using var policy = await reporter.GetAsync(Routes.ClientPolicy.TrimStart('/') + "?service=orders");
        policy.StatusCode.ShouldBe(HttpStatusCode.OK);

        using var otherService = await reporter.PostAsJsonAsync(Routes.ClientTelemetry, Body("payments", ("a", "1.0.0", "GET /x", 1)));
        otherService.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await TestServer.ProblemAsync(otherService)).GetProperty("detail").GetString()!.ShouldContain("reports for service 'orders', not for service 'payments'");
        using var heartbeat = await reporter.PostAsJsonAsync(Routes.Heartbeat, new Heartbeat("n1", "orders", "1.1.0", NodeHealth.Healthy, true, 1, 0, []), SnapshotJson.Options);
        heartbeat.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await TestServer.ProblemAsync(heartbeat)).GetProperty("detail").GetString()!.ShouldContain("client telemetry for service 'orders' only");
        using var fleet = await reporter.GetAsync(Routes.Nodes.TrimStart('/'));
        fleet.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await server.Host.Runtime.ClientCallLedger.FlushAsync(CancellationToken.None);
        (await server.Host.Runtime.Store.ClientCallRowsAsync(CancellationToken.None)).ShouldBe(1);

        // Listed with its service; a rotation keeps it; a revocation holds at once.
        var listed = await server.GetAsync<List<TokenView>>(Routes.Tokens);
        listed.Single(t => t.Name == "orders-telemetry").ShouldSatisfyAllConditions(t => t.Service.ShouldBe("orders"), t => t.Node.ShouldBeNull());
        using var rotate = await server.Admin.PostAsync(Routes.Tokens.TrimStart('/') + "/orders-telemetry/rotate", null);
        var rotated = (await rotate.Content.ReadFromJsonAsync<TokenCreated>(SnapshotJson.Options))!;
        rotated.Service.ShouldBe("orders");
        var again = server.Client(rotated.Token);
        using (var accepted = await again.PostAsJsonAsync(Routes.ClientTelemetry, Body("orders", ("ios-app", "4.2.1", "GET /orders", 1))))
        {
            accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }
        (await server.Admin.PostAsync(Routes.Tokens.TrimStart('/') + "/orders-telemetry/revoke", null)).EnsureSuccessStatusCode();
        using var revoked = await again.PostAsJsonAsync(Routes.ClientTelemetry, Body("orders", ("ios-app", "4.2.1", "GET /orders", 1)));
        revoked.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("""{"kind":"agent","name":"t1"}""", "exactly one")]
    [InlineData("""{"kind":"agent","name":"t1","node":"n1","service":"orders"}""", "exactly one")]
    [InlineData("""{"kind":"read","name":"t1","service":"orders"}""", "only agent tokens")]
    [InlineData("""{"kind":"agent","name":"t1","service":"bad service"}""", "'service'")]
    public async Task a_token_for_a_service_is_checked_when_created(string body, string expected)
    {
        await using var server = await TestServer.StartAsync(Yaml);
        using var response = await server.Admin.PostAsync(Routes.Tokens.TrimStart('/'), new StringContent(body, Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await TestServer.ProblemAsync(response)).GetProperty("detail").GetString()!.ShouldContain(expected);
        (await server.GetAsync<List<TokenView>>(Routes.Tokens)).ShouldNotContain(t => t.Name == "t1");
    }

    [Fact]
    public async Task a_row_saturates_instead_of_overflowing()
    {
        var (server, _) = await StartAsync();
        await using var __ = server;
        var store = server.Host.Runtime.Store;
        for (var i = 0; i < 3; i++)
        {
            var now = DateTimeOffset.UtcNow;
            await store.WriteClientCallsAsync([new("orders", StateStore.DayOf(now), "a", "1.0.0", "GET /x", long.MaxValue / 2, now.ToUnixTimeMilliseconds())], CancellationToken.None);
        }
        (await store.LoadClientCallsAsync(DateTimeOffset.UtcNow.AddDays(-1), null, null, CancellationToken.None)).ShouldHaveSingleItem().Calls
            .ShouldBe(Stepwise.Server.Store.StateStore.MaxCallsPerRow);
    }

    [Fact]
    public async Task calls_older_than_the_retention_are_no_longer_shown_and_are_pruned()
    {
        var time = new ShiftedTime();
        var (server, agent) = await StartAsync(time);
        await using var _ = server;
        (await agent.PostAsJsonAsync(Routes.ClientTelemetry, Body("orders", ("old-client", "1.0.0", "GET /orders", 7)))).EnsureSuccessStatusCode();
        (await server.GetAsync<List<ClientView>>(Routes.Clients)).ShouldHaveSingleItem().Calls.ShouldBe(7);
        time.Advance(TimeSpan.FromDays(31));
        (await server.GetAsync<List<ClientView>>(Routes.Clients)).ShouldBeEmpty();
        await server.Host.Runtime.Store.PruneClientCallsAsync(time.GetUtcNow() - TimeSpan.FromDays(30), CancellationToken.None);
        (await server.Host.Runtime.Store.ClientCallRowsAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task the_policy_names_minimum_versions_removed_and_deprecated_operations_as_seen_from_a_release()
    {
        var (server, agent) = await StartAsync();
        await using var _ = server;
        using var client = agent;
        var policy = (await client.GetFromJsonAsync<ClientPolicyView>(Routes.ClientPolicy + "?service=orders&release=1.1.0", SnapshotJson.Options))!;
        policy.MinimumVersions.ShouldBe([new MinimumVersionView("ios-app", "4.0.0")]);
        policy.Removed.ShouldBe([new RemovedOperationView("POST /orders/{id}/cancel", "1.1.0")]);
        policy.Deprecated.ShouldBe([new DeprecatedOperationView("DELETE /orders/{id}", "1.1.0")]);
        var first = (await client.GetFromJsonAsync<ClientPolicyView>(Routes.ClientPolicy + "?service=orders&release=1.0.0", SnapshotJson.Options))!;
        first.Removed.ShouldBeEmpty();
        first.Deprecated.ShouldBeEmpty();
        (await client.GetAsync(Routes.ClientPolicy + "?service=nope")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.GetAsync(Routes.ClientPolicy + "?service=orders&release=v1")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
