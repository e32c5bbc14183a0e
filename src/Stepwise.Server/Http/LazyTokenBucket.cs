using System.Threading.RateLimiting;

namespace Stepwise.Server.Http;

/// <summary>
/// A token bucket that refills when asked instead of on a timer. The framework's <see cref="TokenBucketRateLimiter"/>
/// either runs a timer per bucket or is refilled by its partitioned limiter every 100 ms; with a bucket per agent token
/// (100,000 of them) either way is a million refills a second of work that no request asked for. This one computes its
/// tokens from the time since it was last used, and reports itself idle once full, so <see cref="KeyedTokenBuckets"/>
/// can drop it.
/// No queue: a request either gets a permit at once or is refused with the time until one is free.
/// </summary>
/// <param name="time">The clock (null: the system's).</param>
public sealed class LazyTokenBucket(int tokenLimit, double tokensPerSecond, TimeProvider? time = null) : RateLimiter
{
    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private readonly Lock gate = new();
    private double tokens = tokenLimit;
    private long updated = (time ?? TimeProvider.System).GetTimestamp();
    private long lastUsed = (time ?? TimeProvider.System).GetTimestamp();
    private long successful;
    private long failed;

    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (gate)
            {
                Refill();
                return tokens >= tokenLimit ? clock.GetElapsedTime(lastUsed) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (gate)
        {
            Refill();
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = (long)tokens,
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = successful,
                TotalFailedLeases = failed,
            };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        if (permitCount > tokenLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, $"at most {tokenLimit} permits at once");
        }
        lock (gate)
        {
            Refill();
            lastUsed = updated;
            if (tokens >= permitCount)
            {
                tokens -= permitCount;
                successful++;
                return Lease.Acquired;
            }
            failed++;
            return new Lease(false, TimeSpan.FromSeconds((permitCount - tokens) / tokensPerSecond));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    /// <summary>Adds what the time since the last update earned, up to the limit (under the lock).</summary>
    private void Refill()
    {
        var now = clock.GetTimestamp();
        tokens = Math.Min(tokenLimit, tokens + clock.GetElapsedTime(updated, now).TotalSeconds * tokensPerSecond);
        updated = now;
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Acquired = new(true, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } after && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = after;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
