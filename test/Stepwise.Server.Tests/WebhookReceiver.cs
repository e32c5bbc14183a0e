using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Stepwise.Server.Tests;

/// <summary>A loopback HTTP listener that records the bodies POSTed to it; the first <see cref="FailFirst"/> calls get a 503.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly ConcurrentQueue<string> received = new();
    private int calls;

    public WebhookReceiver(int failFirst = 1)
    {
        FailFirst = failFirst;
        Url = new Uri($"http://127.0.0.1:{Stepwise.Testing.Scratch.FreePort()}/alerts/");
        listener.Prefixes.Add(Url.ToString());
        listener.Start();
        _ = Task.Run(LoopAsync);
    }

    public Uri Url { get; }

    public int FailFirst { get; }

    public IReadOnlyList<string> Received => [.. received];

    private async Task LoopAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Increment(ref calls) <= FailFirst)
            {
                context.Response.StatusCode = 503;
            }
            else
            {
                received.Enqueue(body);
                context.Response.StatusCode = 204;
            }
            context.Response.Close();
        }
    }

    public void Dispose() => listener.Close();
}
