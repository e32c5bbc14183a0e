using BenchmarkDotNet.Attributes;
using Stepwise.Core.Model;
using Stepwise.Server.Store;

namespace Stepwise.Benchmarks;

/// <summary>
/// One tick's heartbeat flush on SQLite at 100,000 nodes heartbeating every 10 s: 10,000 known nodes written in one
/// transaction (the store already holds all 100,000), by rows per statement. Each flush carries newer heartbeat
/// times than the last, so every row is written.
/// </summary>
[MemoryDiagnoser]
public class HeartbeatFlushBenchmarks
{
    private const int Nodes = 100_000;
    private const int PerTick = 10_000;
    private StateStore store = null!;
    private string directory = null!;
    private readonly string[] ids = [.. Enumerable.Range(0, Nodes).Select(i => $"n{i:D6}")];
    private readonly string[] services = ["svc-0", "svc-1", "svc-2"];
    private DateTimeOffset now;
    private int tick;

    [Params(1, 4, 8, 16, 64, 200)]
    public int RowsPerStatement { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        directory = Directory.CreateTempSubdirectory("stepwise-bench-flush-").FullName;
        store = await StateStore.OpenAsync(StoreUrl.Parse("sqlite:" + Path.Combine(directory, "stepwise.db")), CancellationToken.None);
        now = DateTimeOffset.UnixEpoch.AddYears(56);
        await store.FlushHeartbeatsAsync(Batch(0, Nodes), CancellationToken.None);
        store.FlushRows = RowsPerStatement;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await store.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Benchmark]
    public Task Flush()
    {
        tick++;
        return store.FlushHeartbeatsAsync(Batch(tick % (Nodes / PerTick) * PerTick, PerTick), CancellationToken.None);
    }

    private List<Node> Batch(int first, int count)
    {
        var at = now.AddSeconds(tick);
        return [.. Enumerable.Range(first, count).Select(i => new Node(ids[i], services[i % 3], "1.1.0", null, at, NodeHealth.Healthy, NodeState.Offline, null))];
    }
}
