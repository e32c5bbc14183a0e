using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Stepwise.Server.Http;

/// <summary>
/// A <see cref="LazyTokenBucket"/> per key (a bearer token, a client address) for the ASP.NET Core rate limiter, with
/// no timer. The framework's partitioned limiter visits every partition every 100 ms to refill and expire it: with a
/// bucket per agent (100,000 of them) that is a million visits a second that no request asked for. Here a request
/// touches only its own bucket, and at most once every <see cref="SweepEvery"/> a request starts, on the thread pool,
/// one pass that drops buckets that are full and were idle that long. A full bucket is exactly what a new one would
/// be, so dropping it forgets nothing; a request racing with the pass may take its permit from the bucket being
/// dropped, so a key can get at most one permit beyond its limit per pass.
/// </summary>
/// <param name="keyOf">The request's key; null: the request is not limited.</param>
/// <param name="time">The clock (null: the system's).</param>
public sealed class KeyedTokenBuckets(Func<HttpContext, string?> keyOf, int tokenLimit, double tokensPerSecond, TimeProvider? time = null)
    : PartitionedRateLimiter<HttpContext>
{
    /// <summary>How often idle buckets are dropped, and how long a full bucket must have been idle to go.</summary>
    public static readonly TimeSpan SweepEvery = TimeSpan.FromSeconds(10);

    private readonly int limit = tokenLimit;
    private readonly double rate = tokensPerSecond;
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, LazyTokenBucket> buckets = new(StringComparer.Ordinal);
    private long lastSweep = (time ?? TimeProvider.System).GetTimestamp();
    private int sweeping;

    /// <summary>How many keys hold a bucket now.</summary>
    public int Count => buckets.Count;

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) =>
        keyOf(resource) is { } key && buckets.TryGetValue(key, out var bucket) ? bucket.GetStatistics() : null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
    {
        if (keyOf(resource) is not { } key)
        {
            return Unlimited.Lease;
        }
        SweepIfDue();
        return buckets.GetOrAdd(key, static (_, self) => new LazyTokenBucket(self.limit, self.rate, self.clock), this)
            .AttemptAcquire(permitCount);
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(resource, permitCount));

    /// <summary>Drops full buckets idle for <see cref="SweepEvery"/> (what a due pass does; also for tests).</summary>
    public void Sweep()
    {
        foreach (var (key, bucket) in buckets)
        {
            if (bucket.IdleDuration is { } idle && idle >= SweepEvery && buckets.TryRemove(KeyValuePair.Create(key, bucket)))
            {
                bucket.Dispose();
            }
        }
    }

    private void SweepIfDue()
    {
        var last = Interlocked.Read(ref lastSweep);
        if (clock.GetElapsedTime(last) < SweepEvery || Interlocked.CompareExchange(ref sweeping, 1, 0) != 0)
        {
            return;
        }
        Interlocked.Exchange(ref lastSweep, clock.GetTimestamp());
        ThreadPool.UnsafeQueueUserWorkItem(static self =>
        {
            try
            {
                self.Sweep();
            }
            finally
            {
                Volatile.Write(ref self.sweeping, 0);
            }
        }, this, preferLocal: false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var bucket in buckets.Values)
            {
                bucket.Dispose();
            }
            buckets.Clear();
        }
        base.Dispose(disposing);
    }

    private sealed class Unlimited : RateLimitLease
    {
        public static readonly Unlimited Lease = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
