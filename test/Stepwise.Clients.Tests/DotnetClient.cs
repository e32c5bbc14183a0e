using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Stepwise.Clients.Tests;

/// <summary>A .NET client of a service the way an app builds one: IHttpClientFactory with AddStepwiseClientIdentity.</summary>
public sealed class DotnetClient : IDisposable
{
    private readonly ServiceProvider services;

    public DotnetClient(Uri service, string app, string version)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(logging => logging.AddProvider(new ListLoggerProvider(Logs)));
        collection.AddHttpClient("orders", client => client.BaseAddress = service).AddStepwiseClientIdentity(app, version);
        services = collection.BuildServiceProvider();
        Http = services.GetRequiredService<IHttpClientFactory>().CreateClient("orders");
        Monitor = services.GetRequiredService<StepwiseClientMonitor>();
        Monitor.Deprecated += (_, e) => Events.Enqueue(e);
    }

    public HttpClient Http { get; }

    public StepwiseClientMonitor Monitor { get; }

    public ConcurrentQueue<string> Logs { get; } = new();

    public ConcurrentQueue<DeprecationEventArgs> Events { get; } = new();

    public IEnumerable<string> Warnings => Logs.Where(l => l.StartsWith("Warning", StringComparison.Ordinal));

    public void Dispose()
    {
        Http.Dispose();
        services.Dispose();
    }
}
