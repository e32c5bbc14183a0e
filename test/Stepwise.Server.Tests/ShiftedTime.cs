namespace Stepwise.Server.Tests;

/// <summary>The system clock moved forward by <see cref="Offset"/>: timers still run in real time, so a server loop keeps working while a test jumps days ahead.</summary>
public sealed class ShiftedTime : TimeProvider
{
    private long offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
