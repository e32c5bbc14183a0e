using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Tests;

/// <summary>
/// A controller on 127.0.0.1:0 that answers every heartbeat with <see cref="Reply"/>, for real agent processes:
/// plain HTTP, or HTTPS with the given server certificate.
/// </summary>
public sealed class FakeController : IAsyncDisposable
{
    public const string Token = "agent-token-0123456789abcdef";

    private readonly WebApplication app;

    private FakeController(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ConcurrentQueue<Heartbeat> Received { get; } = new();

    public Func<Heartbeat, HeartbeatReply> Reply { get; set; } = hb => new HeartbeatReply(hb.Node, null, false, NodeState.Active, null, 1);

    public static async Task<FakeController> StartAsync(X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        FakeController? self = null;
        app.MapPost(Routes.Heartbeat, async (HttpContext context) =>
        {
            var hb = await JsonSerializer.DeserializeAsync<Heartbeat>(context.Request.Body, SnapshotJson.Options);
            if (context.Request.Headers.Authorization.ToString() != "Bearer " + Token || hb is null)
            {
                return Results.StatusCode((int)HttpStatusCode.Unauthorized);
            }
            self!.Received.Enqueue(hb);
            return Results.Text(JsonSerializer.Serialize(self.Reply(hb), SnapshotJson.Options), "application/json");
        });
        await app.StartAsync();
        self = new FakeController(app, new Uri(app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal)));
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
