using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Stepwise.Clients;
using Stepwise.Samples.Orders;

// Usage: Stepwise.Samples.Orders --release VERSION --port PORT --db PATH [--node ID]
//        [--stepwise-server URL --stepwise-token-file PATH]   (or STEPWISE_SERVER and STEPWISE_CLIENT_TOKEN)
//    or: Stepwise.Samples.Orders old-client --client APP/VERSION --target URL [--target URL ...]
if (args is ["old-client", .. var clientArgs])
{
    return await OldClient.RunAsync(clientArgs);
}
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"error: argument '{args[i]}': expected --release VERSION --port PORT --db PATH [--node ID] [--stepwise-server URL --stepwise-token-file PATH]");
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
Uri? stepwiseServer = null;
if (options.TryGetValue("stepwise-server", out var serverText) && !Uri.TryCreate(serverText, UriKind.Absolute, out stepwiseServer))
{
    Console.Error.WriteLine($"error: --stepwise-server {serverText}: give the Stepwise server's address, e.g. http://127.0.0.1:5080");
    return 2;
}
var tokenFile = options.GetValueOrDefault("stepwise-token-file");
if (tokenFile is not null && !File.Exists(tokenFile))
{
    Console.Error.WriteLine($"error: --stepwise-token-file {tokenFile}: no such file; give the file holding the service's Stepwise token");
    return 2;
}

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
// Old clients (G8): who calls what, deprecation headers and the typed upgrade-required answer. Without a Stepwise
// server (no --stepwise-server, no STEPWISE_SERVER) it applies no policy and counts nothing.
builder.Services.AddStepwiseClients(o =>
{
    o.Service = "orders";
    o.Release = version;
    o.Instance = node;
    o.Server = stepwiseServer;
    o.TokenFile = tokenFile;
});
var app = builder.Build();
var metrics = new RequestMetrics();
var random = new Random(HashCode.Combine(node, version));
var randomGate = new Lock();

// Ready only once warmed up: a cold process (JIT, first database connections) is slower than its warm peers, and a
// canary compared with warm baselines must differ by its release, not by its age.
var warm = new TaskCompletionSource();
const string WarmupHeader = "X-Orders-Warmup";

// Outermost, so every call a client makes is counted (also those a bad release fails); not the warm-up's own calls.
app.UseWhen(context => !context.Request.Headers.ContainsKey(WarmupHeader), branch => branch.UseStepwiseClients());

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
}).ExcludeFromDescription(); // the agent's endpoints are no API operations: not counted as client calls
app.MapGet("/metrics", () => Results.Text(metrics.Render(version, node), "text/plain; version=0.0.4")).ExcludeFromDescription();
app.MapGet("/version", () => Results.Text(version)).ExcludeFromDescription();
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
