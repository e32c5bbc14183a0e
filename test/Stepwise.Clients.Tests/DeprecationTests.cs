using System.Globalization;
using System.Net;

namespace Stepwise.Clients.Tests;

/// <summary>Deprecation (RFC 9745), Sunset (RFC 8594) and Link headers through real HTTP, and the handler's report.</summary>
public sealed class DeprecationTests
{
    private static readonly DateTimeOffset DeprecatedAt = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Sunset = new(2027, 1, 1, 0, 0, 0, TimeSpan.FromHours(1));
    private static readonly Uri Docs = new("https://example.com/docs/orders");

    private static Task<ServiceApp> StartAsync() => ServiceApp.StartAsync(o => o.Policy
        .Deprecate("GET /orders", "1.2.0", DeprecatedAt, Sunset, Docs)
        .Deprecate("POST /orders", "1.3.0"));

    [Fact]
    public async Task deprecated_operation_carries_deprecation_sunset_and_link_headers()
    {
        await using var app = await StartAsync();

        var response = await app.SendAsync(HttpMethod.Get, "/orders", "ios-app/4.2.1");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        // RFC 9745: an RFC 9651 Date, "@" and Unix seconds.
        response.Headers.GetValues("Deprecation").Single().ShouldBe($"@{DeprecatedAt.ToUnixTimeSeconds()}");
        // RFC 8594: an HTTP-date, in GMT.
        var sunset = response.Headers.GetValues("Sunset").Single();
        DateTimeOffset.ParseExact(sunset, "r", CultureInfo.InvariantCulture).ShouldBe(Sunset);
        sunset.ShouldEndWith(" GMT");
        var links = response.Headers.GetValues("Link").ToList();
        links.ShouldContain($"<{Docs.AbsoluteUri}>; rel=\"deprecation\"");
        links.ShouldContain($"<{Docs.AbsoluteUri}>; rel=\"sunset\"");
        response.Headers.GetValues(StepwiseProtocol.OperationHeader).Single().ShouldBe("GET /orders");
    }

    [Fact]
    public async Task deprecation_without_sunset_or_link_sends_the_deprecation_date_alone()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        await using var app = await StartAsync();

        var response = await app.SendAsync(HttpMethod.Post, "/orders", null);

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        // No configured date: the moment this process applied the deprecation.
        var seconds = long.Parse(response.Headers.GetValues("Deprecation").Single().TrimStart('@'), CultureInfo.InvariantCulture);
        seconds.ShouldBeInRange(before, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        response.Headers.Contains("Sunset").ShouldBeFalse();
        response.Headers.Contains("Link").ShouldBeFalse();
    }

    [Fact]
    public async Task operations_that_are_not_deprecated_carry_no_deprecation_headers()
    {
        await using var app = await StartAsync();

        var response = await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/4.2.1");

        response.Headers.Contains("Deprecation").ShouldBeFalse();
        response.Headers.Contains("Sunset").ShouldBeFalse();
        response.Headers.Contains(StepwiseProtocol.OperationHeader).ShouldBeFalse();
    }

    [Fact]
    public async Task handler_logs_a_deprecation_once_per_operation_and_raises_its_event()
    {
        await using var app = await StartAsync();
        using var client = new DotnetClient(app.Address, "ios-app", "4.2.1");

        for (var i = 0; i < 3; i++)
        {
            (await client.Http.GetAsync("/orders")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        (await client.Http.PostAsync("/orders", null)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.Http.PostAsync("/orders", null)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.Http.GetAsync("/orders/5")).StatusCode.ShouldBe(HttpStatusCode.OK);

        client.Events.Select(e => e.Operation).ShouldBe(["GET /orders", "POST /orders"]);
        var list = client.Events.First();
        list.Deprecation.ShouldBe(DeprecatedAt);
        list.Sunset.ShouldBe(Sunset);
        list.Link.ShouldBe(Docs);
        list.SunsetLink.ShouldBe(Docs);
        list.RequestUri.ShouldBe(new Uri(app.Address, "/orders"));
        client.Events.Last().Sunset.ShouldBeNull();
        var warnings = client.Warnings.ToList();
        warnings.Count.ShouldBe(2);
        warnings[0].ShouldContain("GET /orders is deprecated");
        warnings[0].ShouldContain(Sunset.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); // in UTC, as the header says
        warnings[0].ShouldContain(Docs.AbsoluteUri);
    }

    [Fact]
    public async Task a_failing_event_subscriber_does_not_fail_the_call()
    {
        await using var app = await StartAsync();
        using var client = new DotnetClient(app.Address, "ios-app", "4.2.1");
        client.Monitor.Deprecated += (_, _) => throw new InvalidOperationException("subscriber bug");

        (await client.Http.GetAsync("/orders")).StatusCode.ShouldBe(HttpStatusCode.OK);

        client.Logs.ShouldContain(l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("GET /orders"));
    }
}
