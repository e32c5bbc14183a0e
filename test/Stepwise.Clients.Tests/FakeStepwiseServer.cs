using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Stepwise.Clients.Tests;

/// <summary>What the fake server does with the next telemetry body.</summary>
public enum TelemetryMode
{
    Accept,
    ServerError,
    Unavailable,
    RateLimited,
    Hang,
    Invalid,
}

/// <summary>One telemetry entry as the fake server read it.</summary>
public sealed record ReceivedCall(string App, string Version, string Operation, long Count);

/// <summary>One telemetry body as the fake server read it.</summary>
public sealed record ReceivedBatch(string Service, string? Release, string? Instance, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ReceivedCall> Calls, long Dropped);

/// <summary>
/// A Stepwise server on 127.0.0.1 implementing the client wire contract of docs/clients.md on its own (JsonDocument,
/// not the library's records), so a mismatch between the two shows: it checks the token, the field names and the
/// limits, answers 400 to what breaks them, and records what it took. Faults on demand: 500, 503, 429, hangs.
/// </summary>
public sealed class FakeStepwiseServer : IAsyncDisposable
{
    public const string Token = "service-token-1";

    private readonly WebApplication app;

    private FakeStepwiseServer(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    public TelemetryMode Mode { get; set; } = TelemetryMode.Accept;

    /// <summary>The policy the server answers with (GET policy, and in each telemetry answer).</summary>
    public JsonObject Policy { get; set; } = EmptyPolicy("orders");

    public ConcurrentQueue<ReceivedBatch> Batches { get; } = new();

    /// <summary>Bodies that broke the contract, with why: a conforming client leaves this empty.</summary>
    public ConcurrentQueue<string> Violations { get; } = new();

    public int TelemetryRequests => telemetryRequests;

    public int PolicyRequests => policyRequests;

    private readonly TaskCompletionSource hanging = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int telemetryRequests;
    private int policyRequests;

    public IEnumerable<ReceivedCall> Calls => Batches.SelectMany(b => b.Calls);

    public long Dropped => Batches.Sum(b => b.Dropped);

    public static JsonObject EmptyPolicy(string service) => new()
    {
        ["service"] = service, ["release"] = "1.4.0", ["minimumVersions"] = new JsonArray(), ["removed"] = new JsonArray(), ["deprecated"] = new JsonArray(), ["refreshSeconds"] = 60,
    };

    public static Task<FakeStepwiseServer> StartAsync() => StartAsync(0);

    public static async Task<FakeStepwiseServer> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}").UseShutdownTimeout(TimeSpan.FromSeconds(1));
        var app = builder.Build();
        FakeStepwiseServer? self = null;
        app.MapGet("/api/v1/clients/policy", (HttpContext context) =>
        {
            Interlocked.Increment(ref self!.policyRequests);
            if (!Authorized(context))
            {
                return Problem(401, "unauthorized", "no valid token");
            }
            var service = context.Request.Query["service"].ToString();
            var policy = (JsonObject)self.Policy.DeepClone();
            policy["service"] = service;
            policy["release"] = context.Request.Query["release"].ToString() is { Length: > 0 } release ? release : null;
            return Results.Text(policy.ToJsonString(), "application/json");
        });
        app.MapPost("/api/v1/clients/telemetry", async (HttpContext context) =>
        {
            Interlocked.Increment(ref self!.telemetryRequests);
            if (!Authorized(context))
            {
                return Problem(401, "unauthorized", "no valid token");
            }
            var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            if (body.Length > 1 << 20)
            {
                self.Violations.Enqueue($"body of {body.Length} bytes");
                return Problem(413, "too-large", "over 1 MiB");
            }
            switch (self.Mode)
            {
                case TelemetryMode.ServerError:
                    return Problem(500, "internal", "the store failed");
                case TelemetryMode.Unavailable:
                    return Problem(503, "unavailable", "the store is down");
                case TelemetryMode.RateLimited:
                    context.Response.Headers.RetryAfter = "1";
                    return Problem(429, "rate-limited", "slow down");
                case TelemetryMode.Hang:
                    self.hanging.TrySetResult();
                    await self.release.Task.WaitAsync(context.RequestAborted);
                    return Problem(503, "unavailable", "released after a hang");
                case TelemetryMode.Invalid:
                    return Problem(400, "bad-request", "refused on purpose");
            }
            string? violation;
            ReceivedBatch? batch;
            try
            {
                (batch, violation) = Read(body.ToArray());
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
            {
                (batch, violation) = (null, e.Message);
            }
            if (violation is not null || batch is null)
            {
                self.Violations.Enqueue(violation ?? "empty");
                return Problem(400, "bad-request", violation ?? "empty");
            }
            self.Batches.Enqueue(batch);
            var answer = new JsonObject { ["accepted"] = batch.Calls.Count, ["policy"] = self.Policy.DeepClone() };
            return Results.Text(answer.ToJsonString(), "application/json", statusCode: 202);
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        self = new FakeStepwiseServer(app, address);
        return self;
    }

    /// <summary>Completes once a telemetry request hangs (bounded, so a broken test fails instead of waiting forever).</summary>
    public Task WaitForTelemetryRequestAsync() => hanging.Task.WaitAsync(TimeSpan.FromMinutes(1));

    /// <summary>Lets every hanging request (and any later one in Hang mode) answer 503.</summary>
    public void ReleaseHangs() => release.TrySetResult();

    private static bool Authorized(HttpContext context) => context.Request.Headers.Authorization.ToString() == $"Bearer {Token}";

    private static IResult Problem(int status, string type, string detail) =>
        Results.Json(new { type = $"https://stepwise.dev/problems/{type}", title = type, status, detail }, contentType: "application/problem+json", statusCode: status);

    // The contract, read field by field: exactly these names, these types, these limits.
    private static (ReceivedBatch?, string?) Read(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        string[] fields = ["service", "release", "instance", "from", "to", "calls", "dropped"];
        if (root.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => !fields.Contains(n)) is { } unknown)
        {
            return (null, $"unknown field '{unknown}'");
        }
        var calls = root.GetProperty("calls");
        if (calls.GetArrayLength() > 5_000)
        {
            return (null, $"{calls.GetArrayLength()} entries (at most 5,000)");
        }
        var received = new List<ReceivedCall>();
        foreach (var call in calls.EnumerateArray())
        {
            var app = call.GetProperty("app").GetString()!;
            var version = call.GetProperty("version").GetString()!;
            var operation = call.GetProperty("operation").GetString()!;
            var count = call.GetProperty("count").GetInt64();
            if (count is < 1 or > 1_000_000_000)
            {
                return (null, $"count {count}");
            }
            if (operation.Length > 512 || !operation.Contains(' '))
            {
                return (null, $"operation '{operation}'");
            }
            if (!(app == "unknown" && version == "unknown") && !ClientIdentity.TryParse($"{app}/{version}", out _))
            {
                return (null, $"client '{app}/{version}'");
            }
            received.Add(new ReceivedCall(app, version, operation, count));
        }
        var dropped = root.GetProperty("dropped").GetInt64();
        if (dropped is < 0 or > 1_000_000_000_000)
        {
            return (null, $"dropped {dropped}");
        }
        var from = Time(root.GetProperty("from").GetString()!);
        var to = Time(root.GetProperty("to").GetString()!);
        return (new ReceivedBatch(root.GetProperty("service").GetString()!, root.GetProperty("release").GetString(), root.GetProperty("instance").GetString(), from, to, received, dropped), null);
    }

    private static DateTimeOffset Time(string text)
    {
        // ISO 8601 with an offset.
        if (!(text.EndsWith('Z') || text[^6] is '+' or '-'))
        {
            throw new FormatException($"time '{text}' has no offset");
        }
        return DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
