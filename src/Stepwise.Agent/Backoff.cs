namespace Stepwise.Agent;

/// <summary>
/// Exponential backoff with jitter for retrying the controller: the n-th consecutive failure waits a random time
/// between half and all of min(max, initial·2ⁿ). The random source is seeded from the node id, so a fleet does not
/// retry in lockstep and one node's waits replay exactly.
/// </summary>
public sealed class Backoff(string node, TimeSpan initial, TimeSpan max)
{
    private readonly Random random = new(Seed(node));

    public int Failures { get; private set; }

    /// <summary>
    /// The wait before the next try: doubling from the initial wait, jittered, and never longer than
    /// <paramref name="cap"/> (the heartbeat interval): a controller that comes back must hear from every agent within
    /// one interval, or it would count healthy nodes offline after its start-up grace.
    /// </summary>
    public TimeSpan Next(TimeSpan? cap = null)
    {
        var most = cap is { } c && c < max ? c : max;
        var ceiling = Math.Min(most.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(Failures, 30)));
        Failures++;
        return TimeSpan.FromMilliseconds(ceiling / 2 + random.NextDouble() * ceiling / 2);
    }

    public void Reset() => Failures = 0;

    /// <summary>FNV-1a of the node id: stable across processes (string.GetHashCode is not).</summary>
    internal static int Seed(string node)
    {
        var hash = 2166136261u;
        foreach (var c in node)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return unchecked((int)hash);
    }
}
