using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using Stepwise.Core.Model;
using Stepwise.Server;

namespace Stepwise.Benchmarks;

/// <summary>
/// What an operator's reads cost at 100,000 nodes, through a real server on loopback (SQLite store): a Prometheus
/// scrape of /metrics and the dashboard's view (GET /api/v1/dashboard, what its event stream sends). Ten nodes per
/// service run the previous release, so the per-node series and the dashboard's list of nodes that need a look are
/// not empty. The reconciler loop is off: the reads are measured alone. Sizes are printed at setup.
/// </summary>
[MemoryDiagnoser]
public class ServerReadBenchmarks
{
    private const int Nodes = 100_000;
    private const int Services = 3;
    private const string Admin = "sw_bench-admin-secret-0123456789abcdef";
    private ServerHost host = null!;
    private HttpClient http = null!;
    private string directory = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        directory = Directory.CreateTempSubdirectory("stepwise-bench-server-").FullName;
        var yaml = "version: 1\nservices:\n" + string.Concat(Enumerable.Range(0, Services).Select(s =>
            $"  - name: svc-{s}\n    releases:\n      - version: 1.0.0\n      - version: 1.1.0\n"));
        await File.WriteAllTextAsync(Path.Combine(directory, "stepwise.yaml"), yaml);
        host = await ServerHost.BuildAsync(new ServerOptions
        {
            Store = "sqlite:" + Path.Combine(directory, "stepwise.db"),
            Urls = "http://127.0.0.1:0",
            ConfigFile = Path.Combine(directory, "stepwise.yaml"),
            AdminToken = Admin,
            RunReconcilerLoop = false,
            // The dashboard's view is built at most once per tick; a zero tick builds it on every call, which is what is measured.
            Tick = TimeSpan.Zero,
        });
        await host.StartAsync();
        var now = host.Runtime.Time.GetUtcNow();
        host.Runtime.Nodes.Load(Enumerable.Range(0, Nodes).Select(i =>
        {
            var release = i % (Nodes / Services / 10) == 0 ? "1.0.0" : "1.1.0";
            return new Node($"n{i:D6}", $"svc-{i % Services}", release, "1.1.0", now, NodeHealth.Healthy, NodeState.Active, now);
        }));
        // One tick makes this server the leader (its last decisions hold the refusals the view shows) and stores the nodes.
        await host.Reconciler.TickAsync(CancellationToken.None);
        http = new HttpClient { BaseAddress = new Uri(host.Urls[0].Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Admin);
        Console.WriteLine($"// /metrics: {(await ScrapeAsync()).Length:N0} bytes; /api/v1/dashboard: {(await DashboardAsync()).Length:N0} bytes");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        http.Dispose();
        await host.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark(Description = "GET /metrics, 100,000 nodes")]
    public Task<string> ScrapeAsync() => http.GetStringAsync("metrics");

    [Benchmark(Description = "GET /api/v1/dashboard, 100,000 nodes")]
    public Task<string> DashboardAsync() => http.GetStringAsync("api/v1/dashboard");
}
