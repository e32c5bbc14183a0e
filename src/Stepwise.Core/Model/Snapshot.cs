using System.Text.Json;
using System.Text.Json.Serialization;
using Stepwise.Core.Analysis;

namespace Stepwise.Core.Model;

/// <summary>
/// The linked world: policy, stores, services with their releases, data changes and plans, with every derived
/// relation (who needs a change, who uses its old shape, who calls an operation) computed from the releases by
/// <see cref="Config.ConfigLinker"/>, whatever path declared them (stepwise.yaml or the API). Immutable; its indexes
/// are built once, here, and a new declaration means a new link. In JSON it is its declaration.
/// </summary>
[JsonConverter(typeof(StepwiseConfigJsonConverter))]
public sealed class StepwiseConfig
{
    private readonly Dictionary<string, Service> services;
    private readonly Dictionary<string, DataChange> changes;
    private readonly Dictionary<string, Plan> plans;
    private readonly Dictionary<string, IReadOnlyList<ReleaseRef>> neededBy;
    private readonly Dictionary<string, IReadOnlyList<ReleaseRef>> oldShapeUsers;
    private readonly Dictionary<OperationCall, IReadOnlyList<ReleaseRef>> callers;

    internal StepwiseConfig(ConfigDeclaration declaration, IReadOnlyList<Store> stores, IReadOnlyList<Service> services, IReadOnlyList<DataChange> dataChanges, IReadOnlyList<Plan> plans)
    {
        Declaration = declaration;
        Policy = declaration.Policy;
        Stores = stores;
        Services = services;
        DataChanges = dataChanges;
        Plans = plans;
        this.services = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        changes = dataChanges.ToDictionary(c => c.Id, StringComparer.Ordinal);
        this.plans = plans.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var releases = services.SelectMany(s => s.Releases).ToList();
        neededBy = dataChanges.ToDictionary(c => c.Id, c => (IReadOnlyList<ReleaseRef>)releases.Where(r => r.Needs.Contains(c.Id)).Select(r => r.Ref).ToList(), StringComparer.Ordinal);
        oldShapeUsers = dataChanges.ToDictionary(c => c.Id, c => (IReadOnlyList<ReleaseRef>)releases.Where(r => r.UsesOldShapeOf.Contains(c.Id)).Select(r => r.Ref).ToList(), StringComparer.Ordinal);
        callers = releases.SelectMany(r => r.Calls.Select(call => (call, r.Ref))).GroupBy(x => x.call)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<ReleaseRef>)g.Select(x => x.Ref).Distinct().ToList());
    }

    public static StepwiseConfig Empty { get; } = Config.ConfigLinker.Link(ConfigDeclaration.Empty);

    /// <summary>What this configuration was linked from.</summary>
    public ConfigDeclaration Declaration { get; }

    public Policy Policy { get; }
    public IReadOnlyList<Store> Stores { get; }
    public IReadOnlyList<Service> Services { get; }
    public IReadOnlyList<DataChange> DataChanges { get; }
    public IReadOnlyList<Plan> Plans { get; }

    public Service? FindService(string? name) => name is null ? null : services.GetValueOrDefault(name);

    public DataChange? FindChange(string? id) => id is null ? null : changes.GetValueOrDefault(id);

    public Plan? FindPlan(string? id) => id is null ? null : plans.GetValueOrDefault(id);

    public Release? FindRelease(string service, string? version) => FindService(service)?.Find(version);

    /// <summary>The releases that need <paramref name="change"/> (its expand, and its backfill unless expand-only).</summary>
    public IReadOnlyList<ReleaseRef> NeededBy(string change) => neededBy.GetValueOrDefault(change) ?? [];

    /// <summary>The releases that still read or write the old shape of <paramref name="change"/> (its contract waits for them).</summary>
    public IReadOnlyList<ReleaseRef> OldShapeUsers(string change) => oldShapeUsers.GetValueOrDefault(change) ?? [];

    /// <summary>The releases (of any service) that call <paramref name="operation"/> of <paramref name="service"/>.</summary>
    public IReadOnlyList<ReleaseRef> CallersOf(string service, string operation) => callers.GetValueOrDefault(new OperationCall(service, operation)) ?? [];

    /// <summary>A new link of this configuration's declaration changed by <paramref name="change"/>.</summary>
    public StepwiseConfig Relink(Func<ConfigDeclaration, ConfigDeclaration> change) => Config.ConfigLinker.Link(change(Declaration));
}

/// <summary>Writes a <see cref="StepwiseConfig"/> as its declaration and reads one back by linking it.</summary>
public sealed class StepwiseConfigJsonConverter : JsonConverter<StepwiseConfig>
{
    public override StepwiseConfig Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var declaration = JsonSerializer.Deserialize(ref reader, options.Info<ConfigDeclaration>()) ?? throw new JsonException("the configuration is null");
        return Config.ConfigLinker.Link(declaration);
    }

    public override void Write(Utf8JsonWriter writer, StepwiseConfig value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.Declaration, options.Info<ConfigDeclaration>());
}

/// <summary>The release a service is settled on (the To of its last completed rollout).</summary>
public sealed record ServiceStatus(string Service, string Current);

/// <summary>Analysis samples collected for one rollout in its current stage (canary nodes against baseline nodes).</summary>
public sealed record RolloutSamples(string Rollout, RolloutPhase Stage, IReadOnlyList<MetricSamples> Samples);

/// <summary>
/// Everything Decide looks at: the declared world and the observed state. <see cref="LivenessFrom"/> is when this
/// controller started listening (a start or a change of leader): a heartbeat it could not have received is not held
/// against a node, so a controller outage never marks healthy nodes offline. The server builds it from its store,
/// the simulator from its simulated world, <c>stepwise plan</c> from stepwise.yaml and a fleet file.
/// </summary>
public sealed record Snapshot(
    StepwiseConfig Config,
    IReadOnlyList<Node> Nodes,
    IReadOnlyList<ServiceStatus> Services,
    IReadOnlyList<Rollout> Rollouts,
    IReadOnlyList<DataPhaseStatus> DataPhases,
    IReadOnlyList<PlanProgress> Plans,
    IReadOnlyList<OperatorRequest> Requests,
    IReadOnlyList<Override> Overrides,
    IReadOnlyList<Alert> Alerts,
    IReadOnlyList<RolloutSamples> Samples,
    DateTimeOffset? LivenessFrom = null,
    IReadOnlyList<ClientCalls>? Clients = null)
{
    /// <summary>Client telemetry within the window (G8): who called which operation; none when not given.</summary>
    public IReadOnlyList<ClientCalls> ClientTelemetry => Clients ?? [];

    public static Snapshot Of(StepwiseConfig config, IReadOnlyList<Node> nodes) =>
        new(config, nodes, [], [], [], [], [], [], [], []);
}
