using System.Collections.Concurrent;
using Stepwise.Clients.Operations;
using Stepwise.Clients.Wire;

namespace Stepwise.Clients.Telemetry;

/// <summary>
/// Call counts per (client app, version, operation) since the last drain. Counting a known key is one dictionary
/// lookup and one interlocked increment, with no allocation. At most <c>maxKeys</c> distinct keys are held: a call
/// for a new key when the table is full is dropped and counted, and the drop count is reported with the next batch.
/// </summary>
internal sealed class CallTable(int maxKeys)
{
    // A drained counter that stayed at zero this many drains in a row is retired, so idle keys free their place.
    private const int IdleDrainsBeforeRetiring = 6;

    // Written into a retired counter: an increment that lands after it sees a negative value and retries.
    private const long Retired = long.MinValue / 2;

    private readonly ConcurrentDictionary<CallKey, Counter> counters = new();
    private readonly Lock drainGate = new();
    private int keyCount;
    private long unreported;
    private long droppedTotal;

    /// <summary>Distinct keys held.</summary>
    public int Keys => Volatile.Read(ref keyCount);

    /// <summary>Calls dropped since start (table full, or a batch the server refused as invalid).</summary>
    public long DroppedTotal => Interlocked.Read(ref droppedTotal);

    /// <summary>Dropped calls not yet reported to the server.</summary>
    public long Unreported => Interlocked.Read(ref unreported);

    public void Count(ClientIdentity client, Operation operation)
    {
        var key = new CallKey(client, operation);
        while (true)
        {
            if (!counters.TryGetValue(key, out var counter))
            {
                if (Interlocked.Increment(ref keyCount) > maxKeys)
                {
                    Interlocked.Decrement(ref keyCount);
                    Drop(1);
                    return;
                }
                counter = new Counter();
                counter.Value = 1;
                if (counters.TryAdd(key, counter))
                {
                    return;
                }
                Interlocked.Decrement(ref keyCount); // another request added it first: count on that one
                continue;
            }
            if (Interlocked.Increment(ref counter.Value) > 0)
            {
                return;
            }
            // Retired between the lookup and the increment: the key was removed, look it up again.
        }
    }

    /// <summary>Counts calls that will never be reported as calls.</summary>
    public void Drop(long calls)
    {
        Interlocked.Add(ref unreported, calls);
        Interlocked.Add(ref droppedTotal, calls);
    }

    /// <summary>Takes the unreported drop count (at most <paramref name="max"/>) to put in a batch.</summary>
    public long TakeUnreported(long max)
    {
        while (true)
        {
            var now = Interlocked.Read(ref unreported);
            var taken = Math.Min(now, max);
            if (Interlocked.CompareExchange(ref unreported, now - taken, now) == now)
            {
                return taken;
            }
        }
    }

    /// <summary>Gives back a drop count that did not reach the server.</summary>
    public void ReturnUnreported(long calls) => Interlocked.Add(ref unreported, calls);

    /// <summary>
    /// Takes every count since the last drain (an entry holds at most <paramref name="maxCount"/>; the rest stays for
    /// the next drain), sorted by operation, app and version.
    /// </summary>
    public List<CallCount> Drain(long maxCount)
    {
        var calls = new List<CallCount>();
        lock (drainGate)
        {
            foreach (var (key, counter) in counters)
            {
                var count = Interlocked.Exchange(ref counter.Value, 0);
                var retired = false;
                if (count > 0)
                {
                    counter.IdleDrains = 0;
                }
                else if (++counter.IdleDrains >= IdleDrainsBeforeRetiring && counters.TryRemove(new KeyValuePair<CallKey, Counter>(key, counter)))
                {
                    count = Interlocked.Exchange(ref counter.Value, Retired); // calls that slipped in before the removal
                    Interlocked.Decrement(ref keyCount);
                    retired = true;
                }
                if (count > maxCount)
                {
                    // The rest waits for the next drain; a retired counter has no next drain, so its rest is dropped.
                    if (retired)
                    {
                        Drop(count - maxCount);
                    }
                    else
                    {
                        Interlocked.Add(ref counter.Value, count - maxCount);
                    }
                    count = maxCount;
                }
                if (count > 0)
                {
                    calls.Add(new CallCount(key.Client.App, key.Client.Version, key.Operation.Key, count));
                }
            }
        }
        calls.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.Operation, b.Operation);
            c = c != 0 ? c : string.CompareOrdinal(a.App, b.App);
            return c != 0 ? c : string.CompareOrdinal(a.Version, b.Version);
        });
        return calls;
    }

    private readonly struct CallKey(ClientIdentity client, Operation operation) : IEquatable<CallKey>
    {
        public ClientIdentity Client { get; } = client;

        public Operation Operation { get; } = operation;

        public bool Equals(CallKey other) => ReferenceEquals(Operation, other.Operation) && Client.Equals(other.Client);

        public override bool Equals(object? obj) => obj is CallKey other && Equals(other);

        public override int GetHashCode() => HashCode.Combine(Client.GetHashCode(), System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(Operation));
    }

    private sealed class Counter
    {
        public long Value;
        public int IdleDrains; // touched by the drain alone
    }
}
