using System.Text.Json.Serialization;

namespace Stepwise.Core.Model;

/// <summary>An operation of another service that a service or release calls, e.g. ("payments", "POST /refunds").</summary>
public sealed record OperationCall(string Service, string Operation)
{
    public override string ToString() => $"{Service}:{Operation}";
}

/// <summary>A declared dependency: this service calls <paramref name="Service"/>'s <paramref name="Calls"/>.</summary>
public sealed record ServiceDependency(string Service, IReadOnlyList<string> Calls);

/// <summary>
/// One release of a service, as linked (<see cref="Config.ConfigLinker"/>). Releases are ordered per service;
/// <see cref="Ordinal"/> is the position in that order (0 = oldest), so "N+1" means ordinal + 1 regardless of how
/// versions are spelled.
/// </summary>
/// <param name="Provides">Operations this release serves (e.g. "GET /orders/{id}" or "orders.v1.Orders/Get").</param>
/// <param name="Deprecates">Operations this release still serves but marks for removal.</param>
/// <param name="Calls">Operations of other services this release calls: its own and its service's dependsOn calls.</param>
/// <param name="Needs">Data changes whose expand (and backfill, when declared) must be complete and baked before this release rolls out.</param>
/// <param name="UsesOldShapeOf">Data changes whose old shape this release still reads or writes (their contract must wait).</param>
/// <param name="NeedsExpandOnly">Of <paramref name="Needs"/>, the changes this release needs only the expand of.</param>
public sealed record Release(
    string Service,
    string Version,
    int Ordinal,
    IReadOnlyList<string> Provides,
    IReadOnlyList<string> Deprecates,
    IReadOnlyList<OperationCall> Calls,
    IReadOnlyList<string> Needs,
    IReadOnlyList<string> UsesOldShapeOf,
    IReadOnlyList<string>? NeedsExpandOnly = null,
    ReleaseOrigin Origin = ReleaseOrigin.Config)
{
    /// <summary>The contract documents the release was registered with (G6); not part of the configuration's JSON view.</summary>
    [JsonIgnore]
    public IReadOnlyList<ContractDocument> Contracts { get; init; } = [];

    /// <summary>
    /// The phases of <paramref name="change"/> this release needs complete: the expand only for a release that reads
    /// both shapes (written "change:expand" in stepwise.yaml), otherwise the expand and the backfill.
    /// </summary>
    public IEnumerable<DataPhaseKind> PhasesNeeded(string change) =>
        NeedsExpandOnly?.Contains(change) == true ? [DataPhaseKind.Expand] : [DataPhaseKind.Expand, DataPhaseKind.Backfill];

    /// <summary>The release's needs as written: "change" or "change:expand".</summary>
    public IEnumerable<string> NeedsAsWritten => Needs.Select(n => NeedsExpandOnly?.Contains(n) == true ? n + ":expand" : n);

    public ReleaseRef Ref => new(Service, Version);

    public override string ToString() => $"{Service}@{Version}";
}

/// <summary>
/// A service, the services it depends on and its ordered releases, as linked. Built only by
/// <see cref="Config.ConfigLinker"/>; immutable, with its index built once here (never copied along with a record).
/// </summary>
/// <summary>
/// Where a service's app answers GET with 2xx when healthy (<paramref name="Health"/>) and serves Prometheus text
/// (<paramref name="Metrics"/>): absolute paths on the app's port, as stepwise.yaml's <c>app:</c> gives them.
/// </summary>
public sealed record AppPaths(string Health = AppPaths.DefaultHealth, string Metrics = AppPaths.DefaultMetrics)
{
    public const string DefaultHealth = "/healthz";
    public const string DefaultMetrics = "/metrics";
    public const int MaxLength = 512;

    public static AppPaths Default { get; } = new();

    /// <summary>What is wrong with a path for an app (null: nothing): absolute, printable, no scheme or host, bounded.</summary>
    public static string? Problem(string path)
    {
        if (path.Length is 0 or > MaxLength)
        {
            return $"it must be 1 to {MaxLength} characters long";
        }
        if (path[0] != '/' || path.StartsWith("//", StringComparison.Ordinal))
        {
            return "it must be an absolute path on the app's port, starting with one '/', e.g. /healthz";
        }
        return path.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '#') ? "it holds spaces, control characters or '#'" : null;
    }
}

public sealed class Service
{
    private readonly Dictionary<string, Release> byVersion;

    internal Service(string name, IReadOnlyList<ServiceDependency> dependsOn, IReadOnlyList<Release> releases, AppPaths? app = null)
    {
        Name = name;
        DependsOn = dependsOn;
        Releases = releases;
        App = app ?? AppPaths.Default;
        byVersion = releases.ToDictionary(r => r.Version, StringComparer.Ordinal);
    }

    public string Name { get; }

    /// <summary>Where the service's app answers health probes and serves its metrics, for releases whose artifact does not say.</summary>
    public AppPaths App { get; }

    public IReadOnlyList<ServiceDependency> DependsOn { get; }

    public IReadOnlyList<Release> Releases { get; }

    /// <summary>The release with this version, or null.</summary>
    public Release? Find(string? version) => version is null ? null : byVersion.GetValueOrDefault(version);

    /// <summary>Ordinal of a version, or -1 when the version is not a release of this service.</summary>
    public int OrdinalOf(string? version) => Find(version)?.Ordinal ?? -1;

    /// <summary>The release at an ordinal, or null when out of range.</summary>
    public Release? At(int ordinal) => ordinal >= 0 && ordinal < Releases.Count ? Releases[ordinal] : null;

    public bool DependsOnService(string other) => DependsOn.Any(d => d.Service == other);

    public override string ToString() => Name;
}

/// <summary>A data store a data change runs against.</summary>
public sealed record Store(string Id, StoreKind Kind);

/// <summary>Kinds of data store. Persisted: values pinned.</summary>
public enum StoreKind
{
    Postgres = 0,
    Sqlite = 1,
    Other = 2,
}
