using System.Collections.Concurrent;

namespace Stepwise.Server.Http;

/// <summary>
/// Failed authentication backs off per client address: after <see cref="Free"/> failures in a row an address waits
/// 1 s, then 2 s, 4 s ... up to <see cref="MaxWait"/> before a token from it is even looked at (429 with Retry-After).
/// A success clears its count. Bounded: at most <see cref="MaxAddresses"/> addresses are remembered.
/// </summary>
public sealed class AuthFailures(TimeProvider time)
{
    public const int Free = 5;
    public const int MaxAddresses = 100_000;
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, (int Failures, DateTimeOffset Until)> byAddress = new(StringComparer.Ordinal);

    /// <summary>How long <paramref name="address"/> must still wait, or null when it may try.</summary>
    public TimeSpan? Blocked(string address) =>
        byAddress.TryGetValue(address, out var entry) && entry.Until > time.GetUtcNow() ? entry.Until - time.GetUtcNow() : null;

    public void Failed(string address)
    {
        if (byAddress.Count >= MaxAddresses)
        {
            byAddress.Clear(); // under a flood of addresses, forget rather than grow
        }
        byAddress.AddOrUpdate(address, _ => (1, DateTimeOffset.MinValue), (_, e) =>
        {
            var failures = e.Failures + 1;
            if (failures < Free)
            {
                return (failures, DateTimeOffset.MinValue);
            }
            var wait = TimeSpan.FromSeconds(Math.Min(MaxWait.TotalSeconds, Math.Pow(2, Math.Min(30, failures - Free))));
            return (failures, time.GetUtcNow() + wait);
        });
    }

    public void Succeeded(string address) => byAddress.TryRemove(address, out _);
}
