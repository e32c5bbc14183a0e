using System.Threading.RateLimiting;
using Stepwise.Server.Http;

namespace Stepwise.Server.Tests;

/// <summary>The per-token bucket: a burst, refusal with the time until a permit, refill by elapsed time, idleness.</summary>
public sealed class LazyTokenBucketTests
{
    internal static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : throw new InvalidOperationException("no Retry-After");

    [Fact]
    public void a_full_bucket_allows_a_burst_then_refuses_with_the_time_until_a_permit()
    {
        var clock = new ManualClock();
        using var bucket = new LazyTokenBucket(tokenLimit: 4, tokensPerSecond: 2, clock);
        for (var i = 0; i < 4; i++)
        {
            bucket.AttemptAcquire().IsAcquired.ShouldBeTrue($"permit {i + 1} of the burst");
        }
        using var refused = bucket.AttemptAcquire();
        refused.IsAcquired.ShouldBeFalse();
        RetryAfter(refused).ShouldBe(TimeSpan.FromSeconds(0.5));
        bucket.GetStatistics()!.TotalFailedLeases.ShouldBe(1);
    }

    [Fact]
    public void tokens_come_back_at_the_rate_and_never_above_the_limit()
    {
        var clock = new ManualClock();
        using var bucket = new LazyTokenBucket(tokenLimit: 4, tokensPerSecond: 2, clock);
        for (var i = 0; i < 4; i++)
        {
            bucket.AttemptAcquire().IsAcquired.ShouldBeTrue();
        }
        clock.Advance(TimeSpan.FromSeconds(1)); // two permits earned
        bucket.AttemptAcquire().IsAcquired.ShouldBeTrue();
        bucket.AttemptAcquire().IsAcquired.ShouldBeTrue();
        bucket.AttemptAcquire().IsAcquired.ShouldBeFalse();

        clock.Advance(TimeSpan.FromHours(1)); // a long pause earns no more than the limit
        bucket.GetStatistics()!.CurrentAvailablePermits.ShouldBe(4);
        for (var i = 0; i < 4; i++)
        {
            bucket.AttemptAcquire().IsAcquired.ShouldBeTrue();
        }
        bucket.AttemptAcquire().IsAcquired.ShouldBeFalse();
    }

    [Fact]
    public void it_is_idle_only_when_full_counting_from_its_last_use()
    {
        var clock = new ManualClock();
        using var bucket = new LazyTokenBucket(tokenLimit: 2, tokensPerSecond: 1, clock);
        bucket.AttemptAcquire().IsAcquired.ShouldBeTrue();
        bucket.IdleDuration.ShouldBeNull();
        clock.Advance(TimeSpan.FromSeconds(3));
        bucket.IdleDuration.ShouldBe(TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void more_permits_than_the_limit_at_once_is_a_caller_error()
    {
        using var bucket = new LazyTokenBucket(tokenLimit: 2, tokensPerSecond: 1, new ManualClock());
        Should.Throw<ArgumentOutOfRangeException>(() => bucket.AttemptAcquire(3));
    }
}
