using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stepwise.Clients;

namespace Stepwise.Benchmarks;

/// <summary>
/// A whole ASP.NET Core request in process, without the network: a WebApplication's pipeline (routing, the
/// endpoint, a JSON answer) for GET /orders/{id:long}, with and without the Stepwise.Clients middleware (counting
/// on, a minimum version and a deprecation for other apps and operations). The network and Kestrel's parsing, which
/// the loopback load test adds, are the same with and without it.
/// </summary>
[MemoryDiagnoser]
public class ClientsPipelineBenchmarks
{
    private static readonly string[] Clients = ["ios-app/4.2.1", "ios-app/4.1.0", "android-app/2.0.0", "web/1.0.0"];
    private static readonly string[] Paths = Enumerable.Range(0, 64).Select(i => $"/orders/{i}").ToArray();
    private WebApplication withoutApp = null!;
    private WebApplication withApp = null!;
    private RequestDelegate without = null!;
    private RequestDelegate with = null!;
    private int next;

    [GlobalSetup]
    public void Setup()
    {
        (withoutApp, without) = Build(withMiddleware: false);
        (withApp, with) = Build(withMiddleware: true);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        await withoutApp.DisposeAsync();
        await withApp.DisposeAsync();
    }

    private static (WebApplication, RequestDelegate) Build(bool withMiddleware)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (withMiddleware)
        {
            builder.Services.AddStepwiseClients(o =>
            {
                o.ReadEnvironment = false;
                o.Service = "orders";
                o.Server = new Uri("http://127.0.0.1:9"); // counting on; the flush loop is not started
                o.Policy.RequireMinimum("android-app", "1.0.0").Deprecate("POST /orders", "1.2.0");
            });
        }
        var app = builder.Build();
        // The pipeline the host would build (routing, then the middleware, then the endpoints), built here directly.
        app.UseRouting();
        if (withMiddleware)
        {
            app.UseStepwiseClients();
        }
        app.MapGet("/orders/{id:long}", (long id) => Results.Ok(new Order(id, "widget", 1)));
        app.UseEndpoints(_ => { });
        return (app, ((IApplicationBuilder)app).Build());
    }

    private Task Send(RequestDelegate pipeline, IServiceProvider services)
    {
        var i = next++;
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = Paths[i & 63];
        context.Request.Headers[StepwiseProtocol.ClientHeader] = Clients[i & 3];
        context.Response.Body = Stream.Null;
        return pipeline(context);
    }

    [Benchmark(Baseline = true, Description = "GET /orders/{id}, without the middleware")]
    public Task Without() => Send(without, withoutApp.Services);

    [Benchmark(Description = "GET /orders/{id}, with the middleware")]
    public Task With() => Send(with, withApp.Services);

    private sealed record Order(long Id, string Item, int Quantity);
}
