namespace Stepwise.Core.Model;

/// <summary>
/// How often one client app and version called one operation of a service within the telemetry window
/// (<c>policy.retention.clientTelemetry</c>), as the server aggregates what services report (G8).
/// </summary>
/// <param name="Version">The normalised client version, or "unknown" (with app "unknown") for a client that did not name itself.</param>
/// <param name="LastSeen">When the last batch holding a call of this key arrived.</param>
public sealed record ClientCalls(string Service, string Operation, string App, string Version, long Calls, DateTimeOffset LastSeen);

/// <summary>The minimum version a client app must run: calls from below it get the typed 426 upgrade-required answer (G8).</summary>
public sealed record MinimumVersion(string App, string Version);

/// <summary>What stepwise.yaml says about client apps (<c>policy.clients</c>).</summary>
public sealed record ClientPolicy(IReadOnlyList<MinimumVersion> MinimumVersions)
{
    public static ClientPolicy Default { get; } = new([]);

    /// <summary>The minimum version of <paramref name="app"/>, or null when it has none.</summary>
    public string? MinimumOf(string app) => MinimumVersions.FirstOrDefault(m => m.App == app)?.Version;
}
