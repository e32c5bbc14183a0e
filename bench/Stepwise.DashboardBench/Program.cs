// Dashboard first render: a real server (SQLite, reconciler off) whose node table holds N nodes (ten per service on
// the previous release), and the dashboard in chromium through Playwright, signed in. For each run a fresh page
// loads /ui/ and the page marks its first render of the server's view ("stepwise-first-render"); the time is that
// mark, from the start of the navigation, as the browser's own performance timeline has it.
//
//   dotnet run -c Release --project bench/Stepwise.DashboardBench -- [nodes=100000] [runs=7] [chromium=/usr/bin/chromium]
using System.Diagnostics;
using Microsoft.Playwright;
using Stepwise.Core.Model;
using Stepwise.Server;

var nodes = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
var runs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 7;
var chromium = args.Length > 2 ? args[2] : Environment.GetEnvironmentVariable("STEPWISE_CHROMIUM") ?? "/usr/bin/chromium";
const int Services = 3;
const string Admin = "sw_bench-admin-secret-0123456789abcdef";

var directory = Directory.CreateTempSubdirectory("stepwise-bench-dashboard-").FullName;
try
{
    var yaml = "version: 1\nservices:\n" + string.Concat(Enumerable.Range(0, Services).Select(s => $"  - name: svc-{s}\n    releases:\n      - version: 1.0.0\n      - version: 1.1.0\n"));
    await File.WriteAllTextAsync(Path.Combine(directory, "stepwise.yaml"), yaml);
    await using var host = await ServerHost.BuildAsync(new ServerOptions
    {
        Store = "sqlite:" + Path.Combine(directory, "stepwise.db"),
        Urls = "http://127.0.0.1:0",
        ConfigFile = Path.Combine(directory, "stepwise.yaml"),
        AdminToken = Admin,
        RunReconcilerLoop = false,
    });
    await host.StartAsync();
    var now = host.Runtime.Time.GetUtcNow();
    var stale = Math.Max(1, nodes / Services / 10);
    host.Runtime.Nodes.Load(Enumerable.Range(0, nodes).Select(i =>
        new Node($"n{i:D6}", $"svc-{i % Services}", i % stale == 0 ? "1.0.0" : "1.1.0", "1.1.0", now, NodeHealth.Healthy, NodeState.Active, now)));
    // One tick makes this server the leader (its last decisions hold the refusals the view shows) and stores the nodes.
    await host.Reconciler.TickAsync(CancellationToken.None);
    var baseUrl = host.Urls[0].Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/";

    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] });
    var times = new List<double>();
    for (var run = 0; run < runs; run++)
    {
        // Playwright evaluates its wait condition as a string, which the page's content security policy forbids.
        var context = await browser.NewContextAsync(new() { BypassCSP = true });
        await context.AddInitScriptAsync($"sessionStorage.setItem('stepwise-token', '{Admin}')");
        var page = await context.NewPageAsync();
        var wall = Stopwatch.StartNew();
        await page.GotoAsync(baseUrl + "ui/");
        await page.WaitForFunctionAsync("performance.getEntriesByName('stepwise-first-render').length > 0", null, new() { Timeout = 60_000 });
        var mark = await page.EvaluateAsync<double>("performance.getEntriesByName('stepwise-first-render')[0].startTime");
        Console.WriteLine($"run {run + 1}: first render {mark:F0} ms after navigation start (wall {wall.ElapsedMilliseconds} ms)");
        if (run > 0)
        {
            times.Add(mark); // the first run warms the server's JIT and the browser's cache
        }
        await context.CloseAsync();
    }
    times.Sort();
    Console.WriteLine($"{nodes:N0} nodes, {times.Count} measured runs: median {times[times.Count / 2]:F0} ms, worst {times[^1]:F0} ms");
}
finally
{
    Directory.Delete(directory, recursive: true);
}
