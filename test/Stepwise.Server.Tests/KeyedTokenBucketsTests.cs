using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Stepwise.Server.Http;

namespace Stepwise.Server.Tests;

/// <summary>A bucket per key without a timer: keys apart, unkeyed requests free, idle full buckets dropped and nothing else.</summary>
public sealed class KeyedTokenBucketsTests
{
    private static HttpContext Request(string? key)
    {
        var context = new DefaultHttpContext();
        if (key is not null)
        {
            context.Request.Headers.Authorization = key;
        }
        return context;
    }

    private static KeyedTokenBuckets Limiter(ManualClock clock) =>
        new(context => context.Request.Headers.Authorization.ToString() is { Length: > 0 } key ? key : null, tokenLimit: 2, tokensPerSecond: 1, clock);

    [Fact]
    public void each_key_has_its_own_bucket_and_a_request_without_a_key_is_not_limited()
    {
        var clock = new ManualClock();
        using var limiter = Limiter(clock);
        limiter.AttemptAcquire(Request("a")).IsAcquired.ShouldBeTrue();
        limiter.AttemptAcquire(Request("a")).IsAcquired.ShouldBeTrue();
        using var refused = limiter.AttemptAcquire(Request("a"));
        refused.IsAcquired.ShouldBeFalse();
        LazyTokenBucketTests.RetryAfter(refused).ShouldBe(TimeSpan.FromSeconds(1));
        limiter.AttemptAcquire(Request("b")).IsAcquired.ShouldBeTrue("another key has its own allowance");
        for (var i = 0; i < 100; i++)
        {
            limiter.AttemptAcquire(Request(null)).IsAcquired.ShouldBeTrue("a request the key function leaves out");
        }
        limiter.Count.ShouldBe(2);
        limiter.GetStatistics(Request("a"))!.TotalFailedLeases.ShouldBe(1);
    }

    [Fact]
    public void a_sweep_drops_only_buckets_that_are_full_and_idle_long_enough()
    {
        var clock = new ManualClock();
        using var limiter = Limiter(clock);
        limiter.AttemptAcquire(Request("idle")).IsAcquired.ShouldBeTrue();
        clock.Advance(KeyedTokenBuckets.SweepEvery);
        limiter.AttemptAcquire(Request("busy")).IsAcquired.ShouldBeTrue();
        limiter.AttemptAcquire(Request("busy")).IsAcquired.ShouldBeTrue();
        limiter.Sweep();
        limiter.Count.ShouldBe(1, "the idle full bucket goes; the one just emptied stays");
        limiter.AttemptAcquire(Request("busy")).IsAcquired.ShouldBeFalse("the kept bucket still remembers it is empty");
        limiter.AttemptAcquire(Request("idle")).IsAcquired.ShouldBeTrue("a dropped bucket comes back full, as it was");
    }

    [Fact]
    public async Task requests_start_a_sweep_once_it_is_due_without_a_timer()
    {
        var clock = new ManualClock();
        using var limiter = Limiter(clock);
        for (var i = 0; i < 50; i++)
        {
            limiter.AttemptAcquire(Request($"k{i}")).IsAcquired.ShouldBeTrue();
        }
        clock.Advance(KeyedTokenBuckets.SweepEvery * 2);
        limiter.AttemptAcquire(Request("now")).IsAcquired.ShouldBeTrue(); // due: this request queues the pass
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (limiter.Count > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        limiter.Count.ShouldBe(1, "the 50 idle full buckets are dropped by the pass the request started");
    }
}
