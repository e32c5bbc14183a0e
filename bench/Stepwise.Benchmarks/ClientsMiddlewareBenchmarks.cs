using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Stepwise.Clients;

namespace Stepwise.Benchmarks;

/// <summary>
/// The Stepwise.Clients middleware's cost per request, in process: one request (routing already done, as in a real
/// pipeline) through the middleware and an empty endpoint, against the same pipeline without it. Telemetry is on (a
/// server is configured; nothing is sent, the flush loop does not run), and the policy has a minimum version and a
/// deprecation for other apps and operations, so every check runs.
/// </summary>
[MemoryDiagnoser]
public class ClientsMiddlewareBenchmarks
{
    private RequestDelegate without = null!;
    private RequestDelegate with = null!;
    private HttpContext known = null!;
    private HttpContext unknown = null!;
    private HttpContext deprecated = null!;
    private ServiceProvider services = null!;

    [GlobalSetup]
    public void Setup()
    {
        services = new ServiceCollection()
            .AddLogging()
            .AddStepwiseClients(o =>
            {
                o.ReadEnvironment = false;
                o.Service = "orders";
                o.Release = "1.4.0";
                o.Server = new Uri("http://127.0.0.1:9");
                o.Policy.RequireMinimum("android-app", "2.0.0").Deprecate("GET /orders", "1.2.0", sunset: DateTimeOffset.UnixEpoch.AddYears(60), link: new Uri("https://example.com/docs"));
            })
            .BuildServiceProvider();
        without = Pipeline(withMiddleware: false);
        with = Pipeline(withMiddleware: true);
        known = Request("/orders/{id:long}", "/orders/42", "ios-app/4.2.1");
        unknown = Request("/orders/{id:long}", "/orders/42", null);
        deprecated = Request("/orders", "/orders", "ios-app/4.2.1");
    }

    [GlobalCleanup]
    public void Cleanup() => services.Dispose();

    private RequestDelegate Pipeline(bool withMiddleware)
    {
        var app = new ApplicationBuilder(services);
        if (withMiddleware)
        {
            app.UseStepwiseClients();
        }
        app.Run(static _ => Task.CompletedTask);
        return app.Build();
    }

    private static DefaultHttpContext Request(string pattern, string path, string? client)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = path;
        if (client is not null)
        {
            context.Request.Headers[StepwiseProtocol.ClientHeader] = client;
        }
        context.SetEndpoint(new RouteEndpoint(static _ => Task.CompletedTask, RoutePatternFactory.Parse(pattern), 0,
            new EndpointMetadataCollection(new HttpMethodMetadata([HttpMethods.Get])), $"GET {pattern}"));
        return context;
    }

    [Benchmark(Baseline = true, Description = "without the middleware")]
    public Task Without() => without(known);

    [Benchmark(Description = "known operation, known client")]
    public Task KnownOperation() => with(known);

    [Benchmark(Description = "known operation, no client header")]
    public Task UnknownClient() => with(unknown);

    [Benchmark(Description = "deprecated operation (headers added)")]
    public Task DeprecatedOperation()
    {
        deprecated.Response.Headers.Clear();
        return with(deprecated);
    }
}
