using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// The controller's client telemetry (G8), kept as the server's store keeps it (<c>client_calls</c>): calls summed per
/// (service, UTC day, app, version, operation) with the time the last batch holding the key arrived, and read back as
/// the server's reconciler reads it: the rows of the days from the window's start on whose last call is within the
/// window, summed per (service, operation, app, version). It outlives a controller restart (it is the store).
/// </summary>
internal sealed class ClientTelemetryTable
{
    private readonly Dictionary<(string Service, long Day, string App, string Version, string Operation), (long Calls, DateTimeOffset LastSeen)> rows = [];

    /// <summary>Adds one telemetry batch, stamped with the time it arrived.</summary>
    public void Add(IReadOnlyList<ClientCalls> batch, DateTimeOffset at)
    {
        var day = DayOf(at);
        foreach (var c in batch)
        {
            var key = (c.Service, day, c.App, c.Version, c.Operation);
            var row = rows.GetValueOrDefault(key);
            rows[key] = (row.Calls + c.Calls, row.LastSeen > at ? row.LastSeen : at);
        }
    }

    /// <summary>The calls since <paramref name="since"/>, per (service, operation, app, version), in a stable order.</summary>
    public IReadOnlyList<ClientCalls> Load(DateTimeOffset since)
    {
        var fromDay = DayOf(since);
        return rows
            .Where(r => r.Key.Day >= fromDay && r.Value.LastSeen > since)
            .GroupBy(r => (r.Key.Service, r.Key.Operation, r.Key.App, r.Key.Version))
            .Select(g => new ClientCalls(g.Key.Service, g.Key.Operation, g.Key.App, g.Key.Version, g.Sum(r => r.Value.Calls), g.Max(r => r.Value.LastSeen)))
            .OrderBy(c => c.Service, StringComparer.Ordinal).ThenBy(c => c.Operation, StringComparer.Ordinal)
            .ThenBy(c => c.App, StringComparer.Ordinal).ThenBy(c => c.Version, StringComparer.Ordinal)
            .ToList();
    }

    private static long DayOf(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 86_400_000;
}
