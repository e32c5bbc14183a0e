using Stepwise.Core.Model;
using Stepwise.Server.Store;
using Key = (string Service, long Day, string App, string Version, string Operation);
using Sum = (long Calls, long LastSeen);

namespace Stepwise.Server;

/// <summary>
/// Client telemetry (G8) between its arrival and the store. A body's calls are added here in memory, summed per
/// (service, UTC day, app, version, operation); the reconciler writes the sums once a tick (and on stop), so the store
/// takes one row per key and tick however many bodies and instances reported it. Every read of the calls in this
/// process writes what is pending first, so it sees every body this process accepted; other replicas see them after
/// this one's next tick. A write that fails keeps the sums for the next one. At most <see cref="MaxPendingKeys"/>
/// keys wait at once (while the store is down), those being written included: calls for further keys are dropped and
/// counted.
/// </summary>
public sealed class ClientCallLedger(StateStore store, int maxPendingKeys = ClientCallLedger.MaxPendingKeys)
{
    /// <summary>The most keys that wait for the store at once.</summary>
    public const int MaxPendingKeys = 1_000_000;

    private readonly Lock gate = new();
    private readonly SemaphoreSlim writer = new(1, 1);
    private Dictionary<Key, Sum> pending = [];

    /// <summary>The keys of the write under way: they come back to <see cref="pending"/> if it fails, so they count against the limit.</summary>
    private int writing;

    /// <summary>The store's write of the sums (replaced in tests to hold or fail it).</summary>
    internal Func<IReadOnlyList<ClientCallRow>, CancellationToken, Task> Write { get; init; } = store.WriteClientCallsAsync;

    /// <summary>How many keys wait, those being written included.</summary>
    internal int PendingKeys
    {
        get
        {
            lock (gate)
            {
                return pending.Count + writing;
            }
        }
    }

    /// <summary>Adds the calls of one body, taken at <paramref name="at"/> (the server's time). Returns the calls dropped because too many keys wait.</summary>
    public long Add(string service, IReadOnlyList<(string App, string Version, string Operation, long Count)> calls, DateTimeOffset at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        var day = StateStore.DayOf(at);
        long dropped = 0;
        lock (gate)
        {
            foreach (var (app, version, operation, count) in calls)
            {
                Key key = (service, day, app, version, operation);
                if (pending.TryGetValue(key, out var sum) || pending.Count + writing < maxPendingKeys)
                {
                    pending[key] = Merge(sum, (count, ms));
                }
                else
                {
                    dropped += count;
                }
            }
        }
        return dropped;
    }

    /// <summary>Writes what is pending in one transaction; on failure the sums wait for the next write.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await writer.WaitAsync(cancellationToken);
        try
        {
            Dictionary<Key, Sum> taken;
            lock (gate)
            {
                if (pending.Count == 0)
                {
                    return;
                }
                taken = pending;
                pending = [];
                writing = taken.Count;
            }
            try
            {
                await Write([.. taken.Select(e => new ClientCallRow(e.Key.Service, e.Key.Day, e.Key.App, e.Key.Version, e.Key.Operation, e.Value.Calls, e.Value.LastSeen))], cancellationToken);
                lock (gate)
                {
                    writing = 0;
                }
            }
            catch
            {
                // Keys added during the write were held to the room it left, so these fit back under the limit.
                lock (gate)
                {
                    foreach (var (key, sum) in taken)
                    {
                        pending[key] = Merge(pending.GetValueOrDefault(key), sum);
                    }
                    writing = 0;
                }
                throw;
            }
        }
        finally
        {
            writer.Release();
        }
    }

    /// <summary>
    /// The calls since <paramref name="since"/> (see <see cref="StateStore.LoadClientCallsAsync"/>), after writing what is
    /// pending. A store that takes no writes still answers reads: the pending sums then wait, unseen, for the next write.
    /// </summary>
    public async Task<IReadOnlyList<ClientCalls>> LoadAsync(DateTimeOffset since, string? service, string? operation, CancellationToken cancellationToken)
    {
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
        }
        return await store.LoadClientCallsAsync(since, service, operation, cancellationToken);
    }

    /// <summary>Two sums of one key as one: calls added (saturating at a row's cap), the later last-seen time.</summary>
    private static Sum Merge(Sum a, Sum b) =>
        (a.Calls > StateStore.MaxCallsPerRow - b.Calls ? StateStore.MaxCallsPerRow : a.Calls + b.Calls, Math.Max(a.LastSeen, b.LastSeen));
}
