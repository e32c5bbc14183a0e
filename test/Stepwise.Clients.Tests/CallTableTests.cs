using System.Text;
using System.Text.Json;
using Stepwise.Clients.Operations;
using Stepwise.Clients.Telemetry;
using Stepwise.Clients.Wire;

namespace Stepwise.Clients.Tests;

/// <summary>The call table's bookkeeping under concurrency, and batch splitting at the contract's limits.</summary>
public sealed class CallTableTests
{
    [Fact]
    public async Task every_call_is_either_drained_once_or_dropped_while_keys_are_counted_drained_and_retired_concurrently()
    {
        var table = new CallTable(maxKeys: 40);
        var operations = Enumerable.Range(0, 10).Select(i => new Operation($"GET /op{i}")).ToArray();
        var clients = Enumerable.Range(0, 6).Select(i => ClientIdentity.Create($"app{i}", "1.0.0")).ToArray();
        const int Threads = 4;
        const int CallsPerThread = 200_000;
        long drained = 0;
        using var done = new CancellationTokenSource();

        var drainer = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                drained += table.Drain(StepwiseProtocol.MaxCount).Sum(c => c.Count);
            }
        });
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, thread =>
        {
            var random = new Random(thread);
            for (var i = 0; i < CallsPerThread; i++)
            {
                // Bursts over a moving window of keys, so keys go idle, are retired and come back.
                var window = i / 20_000;
                table.Count(clients[(window + random.Next(2)) % clients.Length], operations[(window + random.Next(3)) % operations.Length]);
            }
        });
        done.Cancel();
        await drainer;
        for (var i = 0; i < 8; i++)
        {
            drained += table.Drain(StepwiseProtocol.MaxCount).Sum(c => c.Count);
        }

        (drained + table.DroppedTotal).ShouldBe((long)Threads * CallsPerThread);
        table.Keys.ShouldBe(0); // all idle, all retired
    }

    [Fact]
    public void a_new_key_beyond_the_maximum_is_dropped_and_counted()
    {
        var table = new CallTable(maxKeys: 2);
        var get = new Operation("GET /a");
        table.Count(ClientIdentity.Create("a", "1.0.0"), get);
        table.Count(ClientIdentity.Create("b", "1.0.0"), get);
        table.Count(ClientIdentity.Create("c", "1.0.0"), get);
        table.Count(ClientIdentity.Create("a", "1.0.0"), get);

        table.DroppedTotal.ShouldBe(1);
        table.TakeUnreported(long.MaxValue).ShouldBe(1);
        table.Unreported.ShouldBe(0);
        table.Drain(StepwiseProtocol.MaxCount).Select(c => (c.App, c.Count)).ShouldBe([("a", 2L), ("b", 1L)]);
    }

    [Fact]
    public void a_count_over_the_per_entry_maximum_is_carried_to_the_next_drain()
    {
        var table = new CallTable(maxKeys: 1);
        var client = ClientIdentity.Create("a", "1.0.0");
        var operation = new Operation("GET /a");
        for (var i = 0; i < 25; i++)
        {
            table.Count(client, operation);
        }

        table.Drain(maxCount: 10).Single().Count.ShouldBe(10);
        table.Drain(maxCount: 10).Single().Count.ShouldBe(10);
        table.Drain(maxCount: 10).Single().Count.ShouldBe(5);
        table.Drain(maxCount: 10).ShouldBeEmpty();
    }

    [Fact]
    public void batches_are_split_at_5000_entries_and_1_mib()
    {
        var envelope = new TelemetryBatch("orders", "1.4.0", "node-1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, [], 0);
        // Long operations of characters JSON escapes, so size rather than count limits the bodies.
        var heavy = Enumerable.Range(0, 3_000).Select(i => new CallCount(new string('a', 64), "1.0.0-" + new string('b', 58), $"GET /{i}/" + new string('"', 490), 1_000_000_000)).ToList();
        var light = Enumerable.Range(0, 12_001).Select(i => new CallCount("a", "1.0.0", $"GET /{i}", 1)).ToList();

        foreach (var calls in new[] { heavy, light })
        {
            var bodies = BatchSplitter.Split(calls, envelope);
            bodies.SelectMany(b => b).ShouldBe(calls);
            foreach (var body in bodies)
            {
                body.Count.ShouldBeLessThanOrEqualTo(5_000);
                var json = JsonSerializer.SerializeToUtf8Bytes(envelope with { Calls = body, Dropped = StepwiseProtocol.MaxDropped }, ClientsJson.Default.TelemetryBatch);
                json.Length.ShouldBeLessThanOrEqualTo(1 << 20);
            }
        }
        BatchSplitter.Split(light, envelope).Count.ShouldBe(3);
        BatchSplitter.Split(heavy, envelope).Count.ShouldBeGreaterThan(1);
        Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(heavy[0], ClientsJson.Default.CallCount)).ShouldBeGreaterThan(2_000); // escaped
    }
}
