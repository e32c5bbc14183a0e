using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stepwise.Clients.Tests;

/// <summary>The server's policy: fetched at start, refreshed from telemetry answers, merged over the local one.</summary>
public sealed class PolicyTests
{
    private static JsonObject Policy(string? minimumApp = null, string? minimum = null, string? removed = null, string? deprecated = null, string? sunset = null, string? link = null)
    {
        var policy = FakeStepwiseServer.EmptyPolicy("orders");
        if (minimumApp is not null)
        {
            policy["minimumVersions"]!.AsArray().Add(new JsonObject { ["app"] = minimumApp, ["minimum"] = minimum });
        }
        if (removed is not null)
        {
            policy["removed"]!.AsArray().Add(new JsonObject { ["operation"] = removed, ["removedIn"] = "1.4.0" });
        }
        if (deprecated is not null)
        {
            policy["deprecated"]!.AsArray().Add(new JsonObject { ["operation"] = deprecated, ["deprecatedIn"] = "1.2.0", ["sunset"] = sunset, ["link"] = link });
        }
        return policy;
    }

    private static async Task<string?> MinimumIn(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe((HttpStatusCode)426);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("minimumVersion").GetString();
    }

    [Fact]
    public async Task the_server_policy_is_fetched_at_start_and_applied()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        server.Policy = Policy(removed: "DELETE /orders/{id}");
        await using var app = await ServiceApp.StartAsync(o => (o.Server, o.Token) = (server.Address, FakeStepwiseServer.Token));

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (app.Telemetry.PolicyReceivedAt is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        app.Telemetry.PolicyReceivedAt.ShouldNotBeNull();
        server.PolicyRequests.ShouldBeGreaterThanOrEqualTo(1);
        (await app.SendAsync(HttpMethod.Delete, "/orders/3", "ios-app/4.2.1")).StatusCode.ShouldBe((HttpStatusCode)426);
    }

    [Fact]
    public async Task server_policy_wins_over_the_local_one_for_the_same_key_and_local_keys_stay()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await ServiceApp.StartAsync(o =>
        {
            (o.Server, o.Token) = (server.Address, FakeStepwiseServer.Token);
            o.Policy.RequireMinimum("ios-app", "3.0.0").RequireMinimum("android-app", "2.0.0");
            o.Policy.Deprecate("GET /orders", sunset: new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        });
        (await app.Telemetry.RefreshPolicyAsync()).ShouldBeTrue(); // an empty server policy: the local one alone
        (await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/3.5.0")).StatusCode.ShouldBe(HttpStatusCode.OK);

        server.Policy = Policy("ios-app", "4.0.0", "DELETE /orders/{id}", "GET /orders", "2027-01-01T00:00:00+00:00", "https://example.com/docs/orders");
        (await app.Telemetry.RefreshPolicyAsync()).ShouldBeTrue();

        (await MinimumIn(await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/3.5.0"))).ShouldBe("4.0.0");
        (await MinimumIn(await app.SendAsync(HttpMethod.Get, "/orders/1", "android-app/1.9.9"))).ShouldBe("2.0.0");
        (await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/4.0.0")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var removed = await app.SendAsync(HttpMethod.Delete, "/orders/1", "ios-app/4.0.0");
        JsonDocument.Parse(await removed.Content.ReadAsStringAsync()).RootElement.GetProperty("removedIn").GetString().ShouldBe("1.4.0");
        var list = await app.SendAsync(HttpMethod.Get, "/orders", "ios-app/4.0.0");
        DateTimeOffset.ParseExact(list.Headers.GetValues("Sunset").Single(), "r", CultureInfo.InvariantCulture)
            .ShouldBe(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero)); // the server's sunset, not the local one
        list.Headers.GetValues("Link").ShouldContain("<https://example.com/docs/orders>; rel=\"deprecation\"");
        var deprecation = long.Parse(list.Headers.GetValues("Deprecation").Single().TrimStart('@'), CultureInfo.InvariantCulture);
        deprecation.ShouldBeLessThanOrEqualTo(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task every_telemetry_answer_refreshes_the_policy()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await ServiceApp.StartAsync(o => (o.Server, o.Token) = (server.Address, FakeStepwiseServer.Token));
        (await app.Telemetry.RefreshPolicyAsync()).ShouldBeTrue();
        (await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/3.0.0")).StatusCode.ShouldBe(HttpStatusCode.OK);

        server.Policy = Policy("ios-app", "4.0.0"); // the minimum is raised on the server
        var requestsBefore = server.PolicyRequests;
        await app.Telemetry.FlushAsync();

        server.PolicyRequests.ShouldBe(requestsBefore); // it came with the telemetry answer
        (await MinimumIn(await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/3.0.0"))).ShouldBe("4.0.0");
    }

    [Fact]
    public async Task invalid_entries_of_a_server_policy_are_skipped_with_a_warning_and_the_rest_applies()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        var policy = Policy("ios-app", "4.0.0", deprecated: "GET /orders", sunset: "next tuesday", link: "javascript:alert(1)");
        policy["minimumVersions"]!.AsArray().Add(new JsonObject { ["app"] = "bad app", ["minimum"] = "1.0.0" });
        policy["minimumVersions"]!.AsArray().Add(new JsonObject { ["app"] = "web", ["minimum"] = "x.y" });
        policy["removed"]!.AsArray().Add(new JsonObject { ["operation"] = "orders/{id}", ["removedIn"] = "1.4.0" });
        policy["removed"]!.AsArray().Add(null);
        policy["futureField"] = new JsonObject { ["anything"] = 1 };
        server.Policy = policy;
        await using var app = await ServiceApp.StartAsync(o => (o.Server, o.Token) = (server.Address, FakeStepwiseServer.Token));

        (await app.Telemetry.RefreshPolicyAsync()).ShouldBeTrue();

        (await MinimumIn(await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/3.0.0"))).ShouldBe("4.0.0");
        var list = await app.SendAsync(HttpMethod.Get, "/orders", "web/1.0.0");
        list.StatusCode.ShouldBe(HttpStatusCode.OK);
        list.Headers.Contains("Deprecation").ShouldBeTrue(); // kept, without the bad sunset and link
        list.Headers.Contains("Sunset").ShouldBeFalse();
        list.Headers.Contains("Link").ShouldBeFalse();
        var warnings = app.Logs.Where(l => l.StartsWith("Warning", StringComparison.Ordinal)).ToList();
        warnings.ShouldContain(l => l.Contains("bad app"));
        warnings.ShouldContain(l => l.Contains("x.y"));
        warnings.ShouldContain(l => l.Contains("orders/{id}"));
        warnings.ShouldContain(l => l.Contains("next tuesday"));
        warnings.ShouldContain(l => l.Contains("javascript:alert(1)"));
    }

    [Fact]
    public async Task an_unreachable_server_leaves_the_local_policy_in_force()
    {
        int port;
        await using (var probe = await FakeStepwiseServer.StartAsync())
        {
            port = probe.Address.Port;
        }
        await using var app = await ServiceApp.StartAsync(o =>
        {
            (o.Server, o.Token) = (new Uri($"http://127.0.0.1:{port}"), FakeStepwiseServer.Token);
            o.Policy.RequireMinimum("ios-app", "4.0.0");
        });

        (await app.Telemetry.RefreshPolicyAsync()).ShouldBeFalse();

        (await MinimumIn(await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/3.0.0"))).ShouldBe("4.0.0");
    }

    [Fact]
    public async Task a_policy_answer_over_4_mib_is_not_read_and_the_policy_in_force_stays()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await ServiceApp.StartAsync(o =>
        {
            (o.Server, o.Token) = (server.Address, FakeStepwiseServer.Token);
            o.Policy.RequireMinimum("ios-app", "4.0.0");
        });
        var policy = Policy("ios-app", "1.0.0");
        policy["padding"] = new string('x', 5 << 20);
        server.Policy = policy;

        (await app.Telemetry.RefreshPolicyAsync()).ShouldBeFalse();

        (await MinimumIn(await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/3.0.0"))).ShouldBe("4.0.0");
    }

    [Fact]
    public async Task a_bad_local_policy_stops_the_service_at_start_with_what_to_fix()
    {
        var e = await Should.ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            ServiceApp.StartAsync(o => o.Policy.RequireMinimum("ios-app", "four")));

        e.Message.ShouldContain("'four' is not a client version");
    }
}
