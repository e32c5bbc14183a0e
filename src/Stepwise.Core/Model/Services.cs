namespace Stepwise.Core.Model;

/// <summary>An operation of another service that a service or release calls, e.g. ("payments", "POST /refunds").</summary>
public sealed record OperationCall(string Service, string Operation)
{
    public override string ToString() => $"{Service}:{Operation}";
}

/// <summary>A declared dependency: this service calls <paramref name="Service"/>'s <paramref name="Calls"/>.</summary>
public sealed record ServiceDependency(string Service, IReadOnlyList<string> Calls);

/// <summary>
/// One release of a service. Releases are ordered per service; <see cref="Ordinal"/> is the position in that
/// order (0 = oldest), so "N+1" means ordinal + 1 regardless of how versions are spelled.
/// </summary>
/// <param name="Provides">Operations this release serves (e.g. "GET /orders/{id}" or "orders.v1.Orders/Get").</param>
/// <param name="Deprecates">Operations this release still serves but marks for removal.</param>
/// <param name="Calls">Operations of other services this release calls (in addition to the service-level dependencies).</param>
/// <param name="Needs">Data changes whose expand (and backfill, when declared) must be complete and baked before this release rolls out.</param>
/// <param name="UsesOldShapeOf">Data changes whose old shape this release still reads or writes (their contract must wait).</param>
public sealed record Release(
    string Service,
    string Version,
    int Ordinal,
    IReadOnlyList<string> Provides,
    IReadOnlyList<string> Deprecates,
    IReadOnlyList<OperationCall> Calls,
    IReadOnlyList<string> Needs,
    IReadOnlyList<string> UsesOldShapeOf,
    IReadOnlyList<string>? NeedsExpandOnly = null)
{
    /// <summary>
    /// The phases of <paramref name="change"/> this release needs complete: the expand only for a release that reads
    /// both shapes (written "change:expand" in stepwise.yaml), otherwise the expand and the backfill.
    /// </summary>
    public IEnumerable<DataPhaseKind> PhasesNeeded(string change) =>
        NeedsExpandOnly?.Contains(change) == true ? [DataPhaseKind.Expand] : [DataPhaseKind.Expand, DataPhaseKind.Backfill];

    public override string ToString() => $"{Service}@{Version}";
}

/// <summary>A service, the services it depends on and its ordered releases.</summary>
public sealed record Service(string Name, IReadOnlyList<ServiceDependency> DependsOn, IReadOnlyList<Release> Releases)
{
    private Dictionary<string, Release>? byVersion;

    /// <summary>The release with this version, or null.</summary>
    public Release? Find(string? version)
    {
        if (version is null)
        {
            return null;
        }
        byVersion ??= Releases.ToDictionary(r => r.Version, StringComparer.Ordinal);
        return byVersion.GetValueOrDefault(version);
    }

    /// <summary>Ordinal of a version, or -1 when the version is not a release of this service.</summary>
    public int OrdinalOf(string? version) => Find(version)?.Ordinal ?? -1;

    /// <summary>The release at an ordinal, or null when out of range.</summary>
    public Release? At(int ordinal) => ordinal >= 0 && ordinal < Releases.Count ? Releases[ordinal] : null;

    public bool DependsOnService(string other) => DependsOn.Any(d => d.Service == other);
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
