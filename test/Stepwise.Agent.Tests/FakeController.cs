using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent.Tests;

/// <summary>What the fake controller does with the next heartbeat.</summary>
public enum FakeMode
{
    Answer,
    ServerError,
    Hang,
}

/// <summary>
/// A fake controller on 127.0.0.1:0 implementing the heartbeat route, for the faults a real controller won't
/// produce on demand: 500s, hangs past the agent's timeout, and refusals (stopped listener).
/// </summary>
public sealed class FakeController : IAsyncDisposable
{
    private readonly WebApplication app;

    public ConcurrentQueue<Heartbeat> Received { get; } = new();

    public FakeMode Mode { get; set; } = FakeMode.Answer;

    /// <summary>The reply to the next heartbeat (Node is filled in).</summary>
    public Func<Heartbeat, HeartbeatReply> Reply { get; set; } = hb => new HeartbeatReply(hb.Node, null, false, NodeState.Active, null, 1);

    public Uri Address { get; }

    /// <summary>When set, the raw body of the next 200 reply (crafted, possibly malformed JSON) instead of <see cref="Reply"/>.</summary>
    public Func<Heartbeat, string>? RawReply { get; set; }

    private FakeController(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public static async Task<FakeController> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        FakeController? self = null;
        app.MapPost(Routes.Heartbeat, async (HttpContext context) =>
        {
            var hb = await JsonSerializer.DeserializeAsync<Heartbeat>(context.Request.Body, SnapshotJson.Options);
            if (context.Request.Headers.Authorization.ToString() != "Bearer agent-token" || hb is null)
            {
                return Results.StatusCode((int)HttpStatusCode.Unauthorized);
            }
            self!.Received.Enqueue(hb);
            switch (self.Mode)
            {
                case FakeMode.ServerError:
                    return Results.Problem("the store is down", statusCode: 500);
                case FakeMode.Hang:
                    await Task.Delay(TimeSpan.FromMinutes(1), context.RequestAborted);
                    return Results.StatusCode(504);
                default:
                    if (self.RawReply is { } raw)
                    {
                        return Results.Text(raw(hb), "application/json");
                    }
                    // A reply that cannot be built is a test bug: show it rather than a bare 500.
                    try
                    {
                        return Results.Text(JsonSerializer.Serialize(self.Reply(hb), SnapshotJson.Options), "application/json");
                    }
                    catch (Exception e)
                    {
                        return Results.Text(e.Message, statusCode: 500);
                    }
                case (FakeMode)(-1):
                    return Results.Text(JsonSerializer.Serialize(self.Reply(hb), SnapshotJson.Options), "application/json");
            }
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        self = new FakeController(app, address);
        return self;
    }

    public Heartbeat? Last => Received.LastOrDefault();

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
