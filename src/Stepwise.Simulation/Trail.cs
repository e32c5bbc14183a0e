namespace Stepwise.Simulation;

/// <summary>The last events, for a violation report.</summary>
internal sealed class Trail(int length)
{
    private readonly (DateTimeOffset At, string Text)[] ring = new (DateTimeOffset, string)[length];
    private int next;
    private int count;

    public void Add(DateTimeOffset at, string text)
    {
        ring[next] = (at, text);
        next = (next + 1) % ring.Length;
        count = Math.Min(count + 1, ring.Length);
    }

    public IReadOnlyList<string> Render()
    {
        var list = new List<string>(count);
        for (var k = 0; k < count; k++)
        {
            var (at, text) = ring[(next - count + k + ring.Length) % ring.Length];
            list.Add($"+{(at - SimWorld.Epoch):hh\\:mm\\:ss} {text}");
        }
        return list;
    }
}
