using System.Net;

namespace Stepwise.Clients.Tests;

/// <summary>Counts shipped to a fake Stepwise server through real HTTP, and what happens when it fails.</summary>
public sealed class TelemetryTests
{
    private static Task<ServiceApp> StartAsync(FakeStepwiseServer server, Action<StepwiseClientsOptions>? configure = null) => StartAsync(server.Address, configure);

    private static Task<ServiceApp> StartAsync(Uri server, Action<StepwiseClientsOptions>? configure = null) =>
        ServiceApp.StartAsync(o =>
        {
            o.Server = server;
            o.Token = FakeStepwiseServer.Token;
            configure?.Invoke(o);
        });

    private static async Task CallAsync(ServiceApp app, HttpMethod method, string path, string? client, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            (await app.SendAsync(method, path, client)).IsSuccessStatusCode.ShouldBeTrue($"{method} {path} as {client}");
        }
    }

    private static IEnumerable<ReceivedCall> Totals(FakeStepwiseServer server) =>
        server.Calls.GroupBy(c => (c.App, c.Version, c.Operation)).Select(g => new ReceivedCall(g.Key.App, g.Key.Version, g.Key.Operation, g.Sum(c => c.Count)))
            .OrderBy(c => c.Operation, StringComparer.Ordinal).ThenBy(c => c.App, StringComparer.Ordinal).ThenBy(c => c.Version, StringComparer.Ordinal);

    [Fact]
    public async Task counts_arrive_at_the_server_per_app_version_and_operation()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await StartAsync(server);

        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1", 3);
        await CallAsync(app, HttpMethod.Get, "/orders/99", "ios-app/4.2.1");
        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2", 2); // the same client as 4.2.0
        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.0");
        await CallAsync(app, HttpMethod.Post, "/orders", "android-app/1.0.0-beta.1", 2);
        await CallAsync(app, HttpMethod.Get, "/orders", null);
        await CallAsync(app, HttpMethod.Get, "/healthz", "ios-app/4.2.1"); // excluded from the API description: not counted
        (await app.SendAsync(HttpMethod.Get, "/nowhere", "ios-app/4.2.1")).StatusCode.ShouldBe(HttpStatusCode.NotFound); // unmatched: not counted
        await CallAsync(app, HttpMethod.Get, "/api/v2/items/5/widget", "web/2.0.0");
        await CallAsync(app, HttpMethod.Get, "/files/a/b/c.txt", "web/2.0.0");
        await CallAsync(app, HttpMethod.Get, "/legacy/x", "web/2.0.0");
        await CallAsync(app, HttpMethod.Put, "/echo", "web/2.0.0");
        (await app.SendAsync(HttpMethod.Get, "/boom", "web/2.0.0")).StatusCode.ShouldBe(HttpStatusCode.InternalServerError); // failed calls count too

        await app.Telemetry.FlushAsync();

        server.Violations.ShouldBeEmpty();
        Totals(server).ShouldBe(
        [
            new ReceivedCall("web", "2.0.0", "GET /api/v2/items/{id}/{name}", 1),
            new ReceivedCall("web", "2.0.0", "GET /boom", 1),
            new ReceivedCall("web", "2.0.0", "GET /files/{path}", 1),
            new ReceivedCall("unknown", "unknown", "GET /orders", 1),
            new ReceivedCall("ios-app", "4.2.0", "GET /orders/{id}", 3),
            new ReceivedCall("ios-app", "4.2.1", "GET /orders/{id}", 4),
            new ReceivedCall("web", "2.0.0", "GET /v1/legacy/{id}", 1),
            new ReceivedCall("android-app", "1.0.0-beta.1", "POST /orders", 2),
            new ReceivedCall("web", "2.0.0", "PUT /echo", 1),
        ]);
        var batch = server.Batches.Single();
        (batch.Service, batch.Release, batch.Instance, batch.Dropped).ShouldBe(("orders", "1.4.0", "node-1", 0L));
        batch.From.ShouldBeLessThanOrEqualTo(batch.To);
        batch.To.ShouldBeLessThanOrEqualTo(DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task consecutive_flushes_send_each_call_once_in_successive_windows()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await StartAsync(server);

        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1", 2);
        await app.Telemetry.FlushAsync();
        await app.Telemetry.FlushAsync(); // nothing new: no batch
        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1");
        await app.Telemetry.FlushAsync();

        var batches = server.Batches.ToList();
        batches.Select(b => b.Calls.Single().Count).ShouldBe([2L, 1L]);
        batches[1].From.ShouldBeGreaterThanOrEqualTo(batches[0].To); // the empty window between them is not sent
    }

    [Fact]
    public async Task server_unreachable_keeps_a_bounded_table_counts_the_drops_and_reports_them_later()
    {
        // A port nothing listens on until the server starts on it later.
        int port;
        await using (var probe = await FakeStepwiseServer.StartAsync())
        {
            port = probe.Address.Port;
        }
        await using var app = await StartAsync(new Uri($"http://127.0.0.1:{port}"), o => (o.MaxKeys, o.MaxRetainedBatches) = (3, 1));

        await CallAsync(app, HttpMethod.Get, "/orders/1", "a/1.0.0", 2);
        await CallAsync(app, HttpMethod.Get, "/orders/1", "b/1.0.0");
        await CallAsync(app, HttpMethod.Get, "/orders/1", "c/1.0.0");
        await CallAsync(app, HttpMethod.Get, "/orders/1", "d/1.0.0"); // a fourth key: dropped
        await CallAsync(app, HttpMethod.Get, "/orders/1", "e/1.0.0"); // dropped
        await app.Telemetry.FlushAsync(); // connection refused: the batch waits
        await CallAsync(app, HttpMethod.Get, "/orders/1", "a/1.0.0", 3); // a held key: still counted
        await CallAsync(app, HttpMethod.Get, "/orders/1", "f/1.0.0"); // dropped
        await app.Telemetry.FlushAsync(); // still refused; the waiting batch is the cap, the table keeps counting

        app.Telemetry.PendingBatches.ShouldBe(1);
        app.Telemetry.BufferedKeys.ShouldBe(3);
        app.Telemetry.DroppedCalls.ShouldBe(3);
        app.Telemetry.UnreportedDroppedCalls.ShouldBe(3);
        app.Telemetry.LastError.ShouldNotBeNull();

        await using var server = await FakeStepwiseServer.StartAsync(port);
        await app.Telemetry.FlushAsync(); // the waiting batch, with the drop count
        await app.Telemetry.FlushAsync(); // what the table held meanwhile

        server.Violations.ShouldBeEmpty();
        Totals(server).ShouldBe(
        [
            new ReceivedCall("a", "1.0.0", "GET /orders/{id}", 5),
            new ReceivedCall("b", "1.0.0", "GET /orders/{id}", 1),
            new ReceivedCall("c", "1.0.0", "GET /orders/{id}", 1),
        ]);
        server.Batches.First().Dropped.ShouldBe(3);
        server.Dropped.ShouldBe(3);
        app.Telemetry.UnreportedDroppedCalls.ShouldBe(0);
        app.Telemetry.PendingBatches.ShouldBe(0);
        app.Telemetry.LastError.ShouldBeNull();
    }

    [Fact]
    public async Task a_hanging_server_does_not_hold_requests_and_the_batch_is_kept()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await StartAsync(server);
        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1", 2);
        server.Mode = TelemetryMode.Hang;

        var flush = app.Telemetry.FlushAsync();
        await server.WaitForTelemetryRequestAsync();
        for (var i = 0; i < 20; i++)
        {
            (await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/4.2.1")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        flush.IsCompleted.ShouldBeFalse(); // the send still hangs, the requests were served beside it
        server.ReleaseHangs();
        await flush;
        app.Telemetry.PendingBatches.ShouldBe(1);

        server.Mode = TelemetryMode.Accept;
        await app.Telemetry.FlushAsync();
        await app.Telemetry.FlushAsync();
        Totals(server).ShouldBe([new ReceivedCall("ios-app", "4.2.1", "GET /orders/{id}", 22)]);
    }

    [Fact]
    public async Task a_send_that_gets_no_answer_within_the_timeout_is_retried()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await StartAsync(server, o => o.SendTimeout = TimeSpan.FromMilliseconds(200));
        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1");
        server.Mode = TelemetryMode.Hang;

        await app.Telemetry.FlushAsync();

        app.Telemetry.LastError!.ShouldContain("no answer");
        app.Telemetry.PendingBatches.ShouldBe(1);
        server.Mode = TelemetryMode.Accept;
        await app.Telemetry.FlushAsync();
        Totals(server).ShouldBe([new ReceivedCall("ios-app", "4.2.1", "GET /orders/{id}", 1)]);
    }

    [Theory]
    [InlineData(TelemetryMode.ServerError, "500")]
    [InlineData(TelemetryMode.Unavailable, "503")]
    [InlineData(TelemetryMode.RateLimited, "429")]
    public async Task a_failing_server_keeps_the_batch_for_a_retry_and_requests_keep_their_status(TelemetryMode mode, string status)
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await StartAsync(server, o => o.Policy.Remove("DELETE /orders/{id}", "1.4.0"));
        server.Mode = mode;

        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1", 2);
        await app.Telemetry.FlushAsync();
        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1");
        (await app.SendAsync(HttpMethod.Delete, "/orders/1", "ios-app/4.2.1")).StatusCode.ShouldBe((HttpStatusCode)426);
        (await app.SendAsync(HttpMethod.Get, "/boom", "ios-app/4.2.1")).StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        await app.Telemetry.FlushAsync();

        app.Telemetry.LastError!.ShouldStartWith(status);
        app.Telemetry.PendingBatches.ShouldBe(2);
        server.Batches.ShouldBeEmpty();
        server.Mode = TelemetryMode.Accept;
        await app.Telemetry.FlushAsync();

        Totals(server).ShouldBe(
        [
            new ReceivedCall("ios-app", "4.2.1", "DELETE /orders/{id}", 1),
            new ReceivedCall("ios-app", "4.2.1", "GET /boom", 1),
            new ReceivedCall("ios-app", "4.2.1", "GET /orders/{id}", 3),
        ]);
        server.Dropped.ShouldBe(0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // with nothing else to send, a body without calls carries the drops
    public async Task a_batch_the_server_refuses_as_invalid_is_dropped_and_its_calls_reported_as_dropped(bool callsAfter)
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await StartAsync(server);
        server.Mode = TelemetryMode.Invalid;
        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1", 4);

        await app.Telemetry.FlushAsync();

        app.Telemetry.PendingBatches.ShouldBe(0);
        app.Telemetry.DroppedCalls.ShouldBe(4);
        server.Mode = TelemetryMode.Accept;
        if (callsAfter)
        {
            await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1");
        }
        await app.Telemetry.FlushAsync();
        server.Batches.Single().Dropped.ShouldBe(4);
        Totals(server).ShouldBe(callsAfter ? [new ReceivedCall("ios-app", "4.2.1", "GET /orders/{id}", 1)] : []);
    }

    [Fact]
    public async Task the_last_counts_are_shipped_when_the_service_stops()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        var app = await StartAsync(server);
        await CallAsync(app, HttpMethod.Post, "/orders", "ios-app/4.2.1", 2);

        await app.DisposeAsync();

        Totals(server).ShouldBe([new ReceivedCall("ios-app", "4.2.1", "POST /orders", 2)]);
    }

    [Fact]
    public async Task without_a_server_nothing_is_counted_and_the_local_policy_applies()
    {
        await using var app = await ServiceApp.StartAsync(o => o.Policy.RequireMinimum("ios-app", "4.0.0"));

        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1", 3);
        (await app.SendAsync(HttpMethod.Get, "/orders/1", "ios-app/3.0.0")).StatusCode.ShouldBe((HttpStatusCode)426);
        await app.Telemetry.FlushAsync();

        app.Telemetry.Enabled.ShouldBeFalse();
        app.Telemetry.BufferedKeys.ShouldBe(0);
        app.Telemetry.PendingBatches.ShouldBe(0);
    }

    [Fact]
    public async Task a_wrong_token_keeps_the_batch_and_says_why()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await ServiceApp.StartAsync(o => (o.Server, o.Token) = (server.Address, "not-the-token"));
        await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1");

        await app.Telemetry.FlushAsync();

        app.Telemetry.LastError!.ShouldStartWith("401");
        app.Telemetry.PendingBatches.ShouldBe(1);
        app.Logs.ShouldContain(l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("does not take batches"));
    }

    [Fact]
    public async Task the_token_is_read_from_its_file_at_each_send()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, "old-token\n");
            await using var app = await ServiceApp.StartAsync(o => (o.Server, o.TokenFile) = (server.Address, file));
            await CallAsync(app, HttpMethod.Get, "/orders/1", "ios-app/4.2.1");
            await app.Telemetry.FlushAsync();
            app.Telemetry.PendingBatches.ShouldBe(1);

            await File.WriteAllTextAsync(file, FakeStepwiseServer.Token + "\n"); // rotated
            await app.Telemetry.FlushAsync();

            Totals(server).ShouldBe([new ReceivedCall("ios-app", "4.2.1", "GET /orders/{id}", 1)]);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
