using Stepwise.Core.Analysis;

namespace Stepwise.Core.Model;

/// <summary>The declared world: policy, stores, services with their releases, data changes and plans (from stepwise.yaml).</summary>
public sealed record StepwiseConfig(
    Policy Policy,
    IReadOnlyList<Store> Stores,
    IReadOnlyList<Service> Services,
    IReadOnlyList<DataChange> DataChanges,
    IReadOnlyList<Plan> Plans)
{
    private Dictionary<string, Service>? services;
    private Dictionary<string, DataChange>? changes;

    public static StepwiseConfig Empty { get; } = new(Policy.Default, [], [], [], []);

    public Service? FindService(string? name)
    {
        if (name is null)
        {
            return null;
        }
        services ??= Services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        return services.GetValueOrDefault(name);
    }

    public DataChange? FindChange(string? id)
    {
        if (id is null)
        {
            return null;
        }
        changes ??= DataChanges.ToDictionary(c => c.Id, StringComparer.Ordinal);
        return changes.GetValueOrDefault(id);
    }

    public Plan? FindPlan(string? id) => Plans.FirstOrDefault(p => p.Id == id);

    public Release? FindRelease(string service, string? version) => FindService(service)?.Find(version);
}

/// <summary>The release a service is settled on (the To of its last completed rollout).</summary>
public sealed record ServiceStatus(string Service, string Current);

/// <summary>Analysis samples collected for one rollout in its current stage (canary nodes against baseline nodes).</summary>
public sealed record RolloutSamples(string Rollout, RolloutPhase Stage, IReadOnlyList<MetricSamples> Samples);

/// <summary>
/// Everything Decide looks at: the declared world and the observed state. The server builds it from its store,
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
    IReadOnlyList<RolloutSamples> Samples)
{
    public static Snapshot Of(StepwiseConfig config, IReadOnlyList<Node> nodes) =>
        new(config, nodes, [], [], [], [], [], [], [], []);
}
