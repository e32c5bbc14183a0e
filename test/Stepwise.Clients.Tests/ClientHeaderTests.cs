using System.Net;
using CsCheck;

namespace Stepwise.Clients.Tests;

/// <summary>The Stepwise-Client header through real HTTP: whatever a client sends, the request is served and counted.</summary>
public sealed class ClientHeaderTests
{
    public static TheoryData<string?> Malformed() =>
    [
        "", " ", "ios-app", "ios-app/", "/4.2.1", "ios app/4.2.1", "ios-app/4", "ios-app/4.2.1.5", "ios-app/04.2.1",
        "ios-app/4.2.1-", "ios-app/4.2.1-01", "ios-app/4.2.1+", "ios-app/4.2.1/x", "ios-app/4.2.1, android-app/1.0.0",
        "ios-app/v4.2.1", new string('a', 65) + "/1.0.0", "ios-app/" + new string('1', 65), new string('x', 8_000),
        "ios-app\t/4.2.1", "ios-app/4.2.1;q=1",
    ];

    [Theory]
    [InlineData(null)]
    [MemberData(nameof(Malformed))]
    public async Task malformed_or_missing_client_header_counts_as_unknown_and_never_fails_a_request(string? header)
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await ServiceApp.StartAsync(o =>
        {
            o.Server = server.Address;
            o.Token = FakeStepwiseServer.Token;
            o.Policy.RequireMinimum("ios-app", "9.0.0"); // a malformed header is never "below the minimum"
        });

        var response = await app.SendAsync(HttpMethod.Get, "/orders/3", header);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        await app.Telemetry.FlushAsync();
        server.Violations.ShouldBeEmpty();
        server.Calls.ShouldBe([new ReceivedCall("unknown", "unknown", "GET /orders/{id}", 1)]);
    }

    [Fact]
    public async Task a_repeated_client_header_counts_as_unknown()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await ServiceApp.StartAsync(o => (o.Server, o.Token) = (server.Address, FakeStepwiseServer.Token));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/3");
        request.Headers.TryAddWithoutValidation(StepwiseProtocol.ClientHeader, ["ios-app/4.2.1", "ios-app/4.2.1"]);

        (await app.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await app.Telemetry.FlushAsync();
        server.Calls.ShouldBe([new ReceivedCall("unknown", "unknown", "GET /orders/{id}", 1)]);
    }

    [Fact]
    public async Task any_printable_header_value_is_served_and_counted_once()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await ServiceApp.StartAsync(o => (o.Server, o.Token) = (server.Address, FakeStepwiseServer.Token));
        var sent = 0;

        // Any visible ASCII an HTTP client lets through, biased towards almost-valid values.
        var gen = Gen.OneOf(
            Gen.String[Gen.Char['\u0020', '\u007e'], 0, 300],
            Gen.Select(Gen.String[Gen.Char["abc.-_/0123456789+"], 1, 20], Gen.String[Gen.Char["0123456789.-+ab"], 0, 20], (a, v) => $"{a}/{v}"));
        await gen.SampleAsync(async value =>
        {
            var response = await app.SendAsync(HttpMethod.Get, "/orders/1", value);
            Interlocked.Increment(ref sent);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }, iter: 150, threads: 1);

        await app.Telemetry.FlushAsync();
        server.Violations.ShouldBeEmpty();
        server.Calls.Sum(c => c.Count).ShouldBe(sent);
        foreach (var call in server.Calls)
        {
            call.Operation.ShouldBe("GET /orders/{id}");
            (call.App == "unknown" ? call.Version == "unknown" : ClientIdentity.TryParse($"{call.App}/{call.Version}", out _)).ShouldBeTrue(call.ToString());
        }
    }

    [Fact]
    public async Task user_agent_names_the_client_when_the_fallback_is_on_and_the_header_is_missing()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await ServiceApp.StartAsync(o => (o.Server, o.Token, o.UserAgentFallback) = (server.Address, FakeStepwiseServer.Token, true));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/orders/3");
        request.Headers.TryAddWithoutValidation("User-Agent", "ios-app/4.2.1 (iPhone; iOS 18.1) CFNetwork/1.0");

        (await app.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.SendAsync(HttpMethod.Get, "/orders/3", "android-app/2.0.0")).StatusCode.ShouldBe(HttpStatusCode.OK); // the header wins

        await app.Telemetry.FlushAsync();
        server.Calls.OrderBy(c => c.App).ShouldBe(
        [
            new ReceivedCall("android-app", "2.0.0", "GET /orders/{id}", 1),
            new ReceivedCall("ios-app", "4.2.1", "GET /orders/{id}", 1),
        ]);
    }
}
