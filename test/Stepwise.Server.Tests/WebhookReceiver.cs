using System.Collections.Concurrent;

namespace Stepwise.Server.Tests;

/// <summary>A loopback HTTP listener that records the bodies POSTed to it; the first <see cref="FailFirst"/> calls get a 503.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly LoopbackListener listener;
    private readonly ConcurrentQueue<string> received = new();
    private int calls;

    public WebhookReceiver(int failFirst = 1)
    {
        FailFirst = failFirst;
        listener = new LoopbackListener("/alerts/", (_, body) =>
        {
            if (Interlocked.Increment(ref calls) <= FailFirst)
            {
                return (503, null);
            }
            received.Enqueue(body);
            return (204, null);
        });
    }

    public Uri Url => listener.Url;

    public int FailFirst { get; }

    public IReadOnlyList<string> Received => [.. received];

    public void Dispose() => listener.Dispose();
}
