using System.Collections.Concurrent;
using Stepwise.Clients;

// Usage: Stepwise.Clients.LoadBench --port PORT --middleware on|off
// An orders-shaped service (GET/POST /orders, GET /orders/{id:long}) over an in-memory store, so that the
// middleware's share of each request is as large as it gets. With the middleware on, it counts every call and
// ships the counts every second to a telemetry sink in this process (a second Kestrel listener standing in for the
// Stepwise server), so counting, draining and sending are all inside the measurement.
var port = 0;
string? mode = null;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port" when int.TryParse(args[i + 1], out var p) && p is > 0 and < 65536:
            port = p;
            break;
        case "--middleware" when args[i + 1] is "on" or "off" or "local" or "sink" or "services":
            mode = args[i + 1];
            break;
        default:
            Console.Error.WriteLine($"error: '{args[i]} {args[i + 1]}': expected --port PORT --middleware on|off");
            return 2;
    }
}
if (port == 0 || mode is null)
{
    Console.Error.WriteLine("error: expected --port PORT --middleware on|off");
    return 2;
}

WebApplication? sink = null;
long received = 0;
if (mode is "on" or "sink")
{
    var sinkBuilder = WebApplication.CreateSlimBuilder();
    sinkBuilder.Logging.ClearProviders();
    sinkBuilder.WebHost.UseUrls("http://127.0.0.1:0");
    sink = sinkBuilder.Build();
    sink.MapGet("/api/v1/clients/policy", () => Results.Text("""{"service":"orders","release":"1.4.0","minimumVersions":[],"removed":[],"deprecated":[],"refreshSeconds":60}""", "application/json"));
    sink.MapPost("/api/v1/clients/telemetry", async (HttpRequest request) =>
    {
        Interlocked.Add(ref received, (await new StreamReader(request.Body).ReadToEndAsync()).Length);
        return Results.Text("""{"accepted":1,"policy":null}""", "application/json", statusCode: 202);
    });
    await sink.StartAsync();
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
if (mode is "on" or "local" or "services")
{
    builder.Services.AddStepwiseClients(o =>
    {
        o.ReadEnvironment = false;
        o.Service = "orders";
        o.Release = "1.4.0";
        o.Instance = "bench";
        o.Server = sink is null ? null : new Uri(sink.Urls.First());
        o.Token = "bench";
        o.FlushInterval = TimeSpan.FromSeconds(1);
        o.Policy.RequireMinimum("android-app", "1.0.0").Deprecate("POST /orders", "1.2.0");
    });
}
var app = builder.Build();
if (mode is "on" or "local")
{
    app.UseStepwiseClients();
}
var orders = new ConcurrentDictionary<long, Order>();
for (var id = 0; id < 1_000; id++)
{
    orders[id] = new Order(id, "widget", 1 + (id % 5));
}
app.MapGet("/healthz", () => "ok").ExcludeFromDescription();
app.MapGet("/orders/{id:long}", (long id) => orders.TryGetValue(id, out var order) ? Results.Ok(order) : Results.NotFound());
app.MapGet("/orders", () => Results.Ok(orders.Values.Take(20)));
app.MapPost("/orders", (Order order) => Results.Created($"/orders/{order.Id}", orders[order.Id] = order));
await app.StartAsync();
Console.WriteLine($"listening on 127.0.0.1:{port}, middleware {mode}");
await app.WaitForShutdownAsync();
if (sink is not null)
{
    Console.WriteLine($"telemetry bytes received by the sink: {Interlocked.Read(ref received)}");
    await sink.StopAsync();
}
return 0;

internal sealed record Order(long Id, string Item, int Quantity);
