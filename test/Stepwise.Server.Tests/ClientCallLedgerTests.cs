using Stepwise.Server.Store;

namespace Stepwise.Server.Tests;

/// <summary>Client telemetry between arrival and the store: summed per key in memory, one row write per key and flush, read-your-writes.</summary>
public sealed class ClientCallLedgerTests : IAsyncLifetime
{
    private readonly string directory = Directory.CreateTempSubdirectory("stepwise-ledger-").FullName;
    private StateStore store = null!;

    public async ValueTask InitializeAsync() =>
        store = await StateStore.OpenAsync(StoreUrl.Parse("sqlite:" + Path.Combine(directory, "s.db")), CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await store.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task bodies_are_summed_per_key_and_written_once_per_flush()
    {
        var ledger = new ClientCallLedger(store);
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 50; i++)
        {
            ledger.Add("orders", [("ios-app", "4.2.1", "GET /orders", 2), ("web", "1.0.0", "GET /orders", 1)], at.AddSeconds(i)).ShouldBe(0);
        }
        (await store.ClientCallRowsAsync(CancellationToken.None)).ShouldBe(0, "nothing is written before a flush");
        await ledger.FlushAsync(CancellationToken.None);
        (await store.ClientCallRowsAsync(CancellationToken.None)).ShouldBe(2);
        await ledger.FlushAsync(CancellationToken.None); // nothing pending: nothing written twice
        ledger.Add("orders", [("ios-app", "4.2.1", "GET /orders", 5)], at.AddMinutes(5));
        // A read writes what is pending first, so it sees every body accepted.
        var calls = await ledger.LoadAsync(at.AddDays(-1), "orders", null, CancellationToken.None);
        var ios = calls.Single(c => c.App == "ios-app");
        ios.Calls.ShouldBe(105);
        ios.LastSeen.ShouldBe(at.AddMinutes(5));
        calls.Single(c => c.App == "web").Calls.ShouldBe(50);
    }

    [Fact]
    public async Task sums_saturate_and_each_utc_day_is_its_own_row()
    {
        var ledger = new ClientCallLedger(store);
        var at = new DateTimeOffset(2026, 12, 1, 23, 59, 0, TimeSpan.Zero);
        ledger.Add("orders", [("a", "1.0.0", "GET /x", long.MaxValue / 2)], at);
        ledger.Add("orders", [("a", "1.0.0", "GET /x", long.MaxValue / 2)], at);
        ledger.Add("orders", [("a", "1.0.0", "GET /x", 1)], at.AddMinutes(2));
        await ledger.FlushAsync(CancellationToken.None);
        (await store.ClientCallRowsAsync(CancellationToken.None)).ShouldBe(2);
        var calls = await ledger.LoadAsync(at.AddDays(-1), null, null, CancellationToken.None);
        calls.ShouldHaveSingleItem().Calls.ShouldBe(StateStore.MaxCallsPerRow + 1);
    }

    [Fact]
    public void past_the_pending_key_limit_calls_for_new_keys_are_dropped_and_counted_and_known_keys_still_add()
    {
        var ledger = new ClientCallLedger(store);
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        var full = Enumerable.Range(0, ClientCallLedger.MaxPendingKeys).Select(i => ($"app-{i}", "1.0.0", "GET /x", 1L)).ToList();
        ledger.Add("orders", full, at).ShouldBe(0);
        ledger.Add("orders", [("one-more", "1.0.0", "GET /x", 9), ("app-0", "1.0.0", "GET /x", 2)], at).ShouldBe(9);
    }

    [Fact]
    public async Task keys_being_written_count_against_the_limit_so_a_failed_write_puts_them_back_within_it()
    {
        var writing = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var ledger = new ClientCallLedger(store, maxPendingKeys: 3)
        {
            Write = async (rows, ct) =>
            {
                writing.SetResult();
                await release.Task.WaitAsync(ct);
                throw new IOException("the store is down");
            },
        };
        var at = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        ledger.Add("orders", [("a", "1.0.0", "GET /x", 1), ("b", "1.0.0", "GET /x", 1)], at).ShouldBe(0);
        var flush = ledger.FlushAsync(TestContext.Current.CancellationToken);
        await writing.Task.WaitAsync(TestContext.Current.CancellationToken);
        // Two keys are being written: room for one more, and a key already waiting still adds.
        ledger.Add("orders", [("c", "1.0.0", "GET /x", 1), ("d", "1.0.0", "GET /x", 7), ("c", "1.0.0", "GET /x", 1)], at).ShouldBe(7);
        ledger.PendingKeys.ShouldBe(3);
        release.SetResult();
        await Should.ThrowAsync<IOException>(flush);
        ledger.PendingKeys.ShouldBe(3, "the failed write's keys are back, and no more than the limit waits");
        ledger.Add("orders", [("a", "1.0.0", "GET /x", 4), ("e", "1.0.0", "GET /x", 5)], at).ShouldBe(5);
    }
}
