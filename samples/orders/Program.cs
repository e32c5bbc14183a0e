using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Stepwise.Samples.Orders;

// Usage: Stepwise.Samples.Orders --release VERSION --port PORT --db PATH [--node ID]
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"error: argument '{args[i]}': expected --release VERSION --port PORT --db PATH [--node ID]");
        return 2;
    }
    options[args[i][2..]] = args[++i];
}
if (!options.TryGetValue("release", out var version) || ReleaseBehaviour.Find(version) is not { } release)
{
    Console.Error.WriteLine($"error: --release {options.GetValueOrDefault("release") ?? "(missing)"}: give one of {string.Join(", ", ReleaseBehaviour.All.Select(r => r.Version))}");
    return 2;
}
if (!options.TryGetValue("port", out var portText) || !int.TryParse(portText, out var port) || port is < 1 or > 65535)
{
    Console.Error.WriteLine($"error: --port {portText ?? "(missing)"}: give a TCP port between 1 and 65535");
    return 2;
}
if (!options.TryGetValue("db", out var db))
{
    Console.Error.WriteLine("error: --db is missing: give the path of the orders SQLite database");
    return 2;
}
var node = options.GetValueOrDefault("node") ?? Environment.MachineName;

var store = new OrdersStore(db, release);
try
{
    store.EnsureBaseline();
}
catch (SqliteException e)
{
    Console.Error.WriteLine($"error: --db {db}: {e.Message}");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var app = builder.Build();
var metrics = new RequestMetrics();
var random = new Random(HashCode.Combine(node, version));
var randomGate = new Lock();

// Ready only once warmed up: a cold process (JIT, first database connections) is slower than its warm peers, and a
// canary compared with warm baselines must differ by its release, not by its age.
var warm = new TaskCompletionSource();
const string WarmupHeader = "X-Orders-Warmup";

// Every /orders request is measured (warm-up requests excepted); a bad release fails some and slows all of them.
app.Use(async (context, next) =>
{
    if (!context.Request.Path.StartsWithSegments("/orders") || context.Request.Headers.ContainsKey(WarmupHeader))
    {
        await next(context);
        return;
    }
    var clock = Stopwatch.StartNew();
    bool fail;
    lock (randomGate)
    {
        fail = random.NextDouble() < release.ErrorRate;
    }
    if (release.ExtraLatencyMs > 0)
    {
        await Task.Delay(release.ExtraLatencyMs);
    }
    if (fail)
    {
        context.Response.StatusCode = 500;
        await context.Response.WriteAsync($"orders {version} failed this request");
    }
    else
    {
        try
        {
            await next(context);
        }
        catch (SqliteException e)
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync($"database error: {e.Message}");
        }
    }
    metrics.Record(context.Response.StatusCode, clock.Elapsed.TotalMilliseconds);
});

app.MapGet("/healthz", () =>
{
    if (!warm.Task.IsCompleted)
    {
        return Results.Text("warming up", statusCode: 503);
    }
    try
    {
        return store.SchemaProblem() is { } problem ? Results.Text(problem, statusCode: 503) : Results.Text($"ok {version}");
    }
    catch (SqliteException e)
    {
        return Results.Text($"database error: {e.Message}", statusCode: 503);
    }
});
app.MapGet("/metrics", () => Results.Text(metrics.Render(version, node), "text/plain; version=0.0.4"));
app.MapGet("/version", () => Results.Text(version));
app.MapPost("/orders", (NewOrder order) =>
    string.IsNullOrWhiteSpace(order.Item) || order.Quantity < 1
        ? Results.BadRequest("give an item and a quantity of at least 1")
        : Results.Created($"/orders/{{id}}", store.Add(order.Item, order.Quantity, order.Email)));
app.MapGet("/orders/{id:long}", (long id) => store.Get(id) is { } order ? Results.Ok(order) : Results.NotFound());
if (release.ListOrders)
{
    app.MapGet("/orders", () => Results.Ok(store.Latest(20)));
}
if (release.Delete)
{
    app.MapDelete("/orders/{id:long}", (long id) => store.Delete(id) ? Results.NoContent() : Results.NotFound());
}

await app.StartAsync();
using (var self = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") })
{
    self.DefaultRequestHeaders.Add(WarmupHeader, "1");
    for (var i = 0; i < 200; i++)
    {
        try
        {
            (await self.GetAsync(release.ListOrders && i % 2 == 0 ? "/orders" : $"/orders/{i}")).Dispose();
        }
        catch (HttpRequestException)
        {
        }
    }
}
warm.SetResult();
Console.WriteLine($"orders {version} (node {node}) listening on 127.0.0.1:{port}, database {db}");
await app.WaitForShutdownAsync();
return 0;

internal sealed record NewOrder(string Item, int Quantity, string? Email);
