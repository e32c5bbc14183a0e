using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Stepwise.Clients.Tests;

/// <summary>
/// A service of the orders sample's shape on 127.0.0.1 (a free port) with the middleware: GET/POST /orders,
/// GET /orders/{id:long}, a health check excluded from the API description, a catch-all, a route group, an endpoint
/// with an explicit operation, and one accepting any method.
/// </summary>
public sealed class ServiceApp : IAsyncDisposable
{
    private readonly WebApplication app;

    private ServiceApp(WebApplication app, Uri address, ConcurrentQueue<string> logs)
    {
        this.app = app;
        Logs = logs;
        Address = address;
        Http = new HttpClient { BaseAddress = address };
    }

    public Uri Address { get; }

    /// <summary>A plain client: no Stepwise handler.</summary>
    public HttpClient Http { get; }

    public StepwiseClientsTelemetry Telemetry => app.Services.GetRequiredService<StepwiseClientsTelemetry>();

    public IServiceProvider Services => app.Services;

    public ConcurrentQueue<string> Logs { get; }

    public static async Task<ServiceApp> StartAsync(Action<StepwiseClientsOptions> configure, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var logs = new ConcurrentQueue<string>();
        builder.Logging.ClearProviders().AddProvider(new ListLoggerProvider(logs)).SetMinimumLevel(LogLevel.Information);
        builder.WebHost.UseUrls("http://127.0.0.1:0").UseShutdownTimeout(TimeSpan.FromSeconds(2));
        builder.Services.AddStepwiseClients(options =>
        {
            options.ReadEnvironment = false;
            options.Service = "orders";
            options.Release = "1.4.0";
            options.Instance = "node-1";
            options.FlushInterval = TimeSpan.FromHours(1); // tests flush explicitly
            configure(options);
        });
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseStepwiseClients();
        app.MapGet("/orders/{id:long}", (long id) => Results.Ok(new { id }));
        app.MapGet("/orders", () => Results.Ok(Array.Empty<int>()));
        app.MapPost("/orders", () => Results.Created("/orders/1", new { id = 1 }));
        app.MapGet("/healthz", () => "ok").ExcludeFromDescription();
        app.MapGet("/files/{**path}", (string path) => path);
        app.MapGroup("/api/v2").MapGet("/items/{id:int}/{name?}", (int id) => id);
        app.MapGet("/legacy/{id}", (string id) => id).WithStepwiseOperation("GET /v1/legacy/{id}");
        app.Map("/echo", (HttpContext context) => context.Request.Method);
        app.MapGet("/boom", () => Results.StatusCode(500));
        await app.StartAsync();
        return new ServiceApp(app, new Uri(app.Urls.First()), logs);
    }

    /// <summary>A request with a client header (null: none).</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? client)
    {
        using var request = new HttpRequestMessage(method, path);
        if (client is not null)
        {
            request.Headers.TryAddWithoutValidation(StepwiseProtocol.ClientHeader, client);
        }
        var response = await Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>Collects log lines ("Level Category: message") for tests that read what was logged.</summary>
public sealed class ListLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ListLogger(lines, categoryName);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ConcurrentQueue<string> lines, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}
