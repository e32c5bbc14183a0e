namespace Stepwise.Server.Tests;

/// <summary>A clock that moves only when told (timestamps only: what the rate limiter reads).</summary>
internal sealed class ManualClock : TimeProvider
{
    private long ticks = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => ticks;

    public void Advance(TimeSpan by) => ticks += by.Ticks;
}
