namespace Stepwise.Core.Model;

/// <summary>Where a declared element was written: a file position, for error messages. Null for elements registered through the API.</summary>
public sealed record SourcePos(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

/// <summary>A declared value with where it was written (null when it came from the API).</summary>
public sealed record Located<T>(T Value, SourcePos? At = null);

/// <summary>Where a release was declared. Persisted in snapshots: values pinned.</summary>
public enum ReleaseOrigin
{
    /// <summary>Declared in stepwise.yaml.</summary>
    Config = 0,

    /// <summary>Registered through the API (<c>stepwise release register</c>); carries an artifact and contracts.</summary>
    Registered = 1,
}

/// <summary>
/// A contract document shipped with a release (G6). Several documents of one kind form one contract: the first is its
/// root, the others are what its <c>$ref</c>s may name (by <paramref name="Name"/>); nothing outside them is read.
/// </summary>
/// <param name="Kind">openapi | protobuf | jsonschema.</param>
/// <param name="Content">The document text (OpenAPI JSON/YAML, JSON Schema), or a base64 FileDescriptorSet for protobuf.</param>
/// <param name="Name">The document's name as <c>$ref</c>s of the root name it (e.g. "schemas/order.yaml"); null for the root.</param>
public sealed record ContractDocument(string Kind, string Content, string? Name = null);

/// <summary>One release as declared (stepwise.yaml or a registration), before linking.</summary>
/// <param name="Needs">Data changes the release needs: "change" (expand and backfill) or "change:expand" (the expand only).</param>
/// <param name="At">Where the release was declared (its version), or null for a registration.</param>
public sealed record ReleaseDeclaration(
    string Version,
    IReadOnlyList<string> Provides,
    IReadOnlyList<string> Deprecates,
    IReadOnlyList<Located<OperationCall>> Calls,
    IReadOnlyList<Located<string>> Needs,
    IReadOnlyList<Located<string>> UsesOldShapeOf,
    SourcePos? At = null,
    ReleaseOrigin Origin = ReleaseOrigin.Config,
    IReadOnlyList<ContractDocument>? Contracts = null);

/// <summary>A declared dependency: the service calls <paramref name="Service"/>'s <paramref name="Calls"/> from every release.</summary>
public sealed record DependencyDeclaration(string Service, IReadOnlyList<string> Calls, SourcePos? At = null);

/// <summary>One service as declared, with its releases oldest first.</summary>
/// <param name="App">Where its app answers health probes and serves its metrics (null: <see cref="AppPaths.Default"/>).</param>
public sealed record ServiceDeclaration(string Name, IReadOnlyList<DependencyDeclaration> DependsOn, IReadOnlyList<ReleaseDeclaration> Releases, SourcePos? At = null, AppPaths? App = null);

/// <summary>
/// A data change as declared. <paramref name="NeededBy"/> and <paramref name="OldShapeUsedBy"/> ("service@version") are the
/// change-side spelling of the releases' needs and usesOldShapeOf; the linker merges both sides into the releases.
/// </summary>
public sealed record DataChangeDeclaration(
    string Id,
    IReadOnlyList<Located<string>> Stores,
    SqlPhase? Expand,
    BackfillSpec? Backfill,
    SqlPhase? Contract,
    IReadOnlyList<Located<string>> NeededBy,
    IReadOnlyList<Located<string>> OldShapeUsedBy,
    SourcePos? At = null,
    TimeSpan? TimeLimit = null);

/// <summary>One plan step as declared; <paramref name="StoreAt"/> is where its store was named.</summary>
public sealed record PlanStepDeclaration(PlanStep Step, SourcePos? At = null, SourcePos? StoreAt = null);

public sealed record PlanDeclaration(string Id, IReadOnlyList<PlanStepDeclaration> Steps, SourcePos? At = null);

public sealed record StoreDeclaration(Store Store, SourcePos? At = null);

/// <summary>
/// Everything declared, before linking: what stepwise.yaml says, plus the releases registered through the API
/// appended to their services. <see cref="Config.ConfigLinker"/> turns it into a <see cref="StepwiseConfig"/>.
/// </summary>
/// <param name="Retired">Releases an operator retired: declared, but out of their service's ordering.</param>
public sealed record ConfigDeclaration(
    Policy Policy,
    IReadOnlyList<StoreDeclaration> Stores,
    IReadOnlyList<ServiceDeclaration> Services,
    IReadOnlyList<DataChangeDeclaration> DataChanges,
    IReadOnlyList<PlanDeclaration> Plans,
    IReadOnlyList<ReleaseRef>? Retired = null)
{
    public static ConfigDeclaration Empty { get; } = new(Policy.Default, [], [], [], []);

    /// <summary>This declaration with one more retired release.</summary>
    public ConfigDeclaration Retire(ReleaseRef release) =>
        (Retired ?? []).Contains(release) ? this : this with { Retired = [.. Retired ?? [], release] };

    /// <summary>This declaration with a release registered through the API appended to its service.</summary>
    public ConfigDeclaration Register(string service, ReleaseDeclaration release) => this with
    {
        Services = Services.Select(s => s.Name == service ? s with { Releases = [.. s.Releases, release] } : s).ToList(),
    };
}
