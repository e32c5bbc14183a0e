namespace Stepwise.Simulation;

/// <summary>What to simulate. Everything that varies between runs is derived from <see cref="Seed"/>.</summary>
/// <param name="Nodes">Nodes in the fleet, spread round-robin over the services (at least one per service).</param>
/// <param name="Services">Services in the dependency chain (service i calls service i+1).</param>
/// <param name="Seed">Seed of the simulation's one random source.</param>
/// <param name="Faults">Faults to inject.</param>
/// <param name="Sabotage">A deliberately broken rule to swap into the decider, or null.</param>
/// <param name="TrailLength">How many of the last events a violation shows.</param>
public sealed record SimulationOptions(
    int Nodes,
    int Services,
    int Seed,
    FaultProfile Faults,
    SabotageRule? Sabotage = null,
    int TrailLength = 20)
{
    /// <summary>Longest simulated time before a run that has not settled is reported as stalled.</summary>
    public TimeSpan MaxSimulatedTime { get; init; } = TimeSpan.FromHours(12);

    /// <summary>How often the controller runs Decide.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The canary analysis judges error_rate and latency_ms; without it Decide treats every analysis as passed.</summary>
    public bool Analysis { get; init; } = true;

    /// <summary>
    /// The analysis reads its metrics from Prometheus (PromQL templates, <see cref="Core.Analysis.MetricSpec.Prometheus"/>)
    /// instead of the heartbeats: Core plans the queries, a simulated Prometheus answers them from the nodes' own
    /// counters (with <see cref="FaultProfile.QueryFailures"/>, not always), and Core assembles the answers for Decide.
    /// </summary>
    public bool Prometheus { get; init; }

    /// <summary>
    /// The fleet meets the controller for the first time: every node joins by heartbeat before the first tick and is
    /// admitted by it, as agents join a new server (otherwise half the nodes start provisioned, half admitted earlier).
    /// </summary>
    public bool JoinByHeartbeat { get; init; }

    /// <summary>The approval gates of the policy (<c>approve</c>): every rollout waits at each for the simulated operator.</summary>
    public IReadOnlyList<Core.Model.ApprovalGate> Approve { get; init; } = [];

    /// <summary>How long the simulated operator watches a rollout waiting at a gate before approving it.</summary>
    public TimeSpan ApproveAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Client populations (G8): client apps whose versions call svc-0 and age out, the operator's removals and minimum
    /// version raises, and the checker's G8 rules. Null (the default): no clients, and the world has no client operations.
    /// </summary>
    public ClientPopulation? Clients { get; init; }

    /// <summary>Checks the options; returns an error message or null.</summary>
    public string? Validate()
    {
        if (Services < 1 || Services > 50)
        {
            return $"--services must be between 1 and 50 (got {Services})";
        }
        if (Nodes < Services * 2)
        {
            return $"--nodes must be at least twice --services ({Services * 2}) so that every service has a canary and a baseline (got {Nodes})";
        }
        if (Nodes > 2_000_000)
        {
            return $"--nodes must be at most 2000000 (got {Nodes})";
        }
        if (ApproveAfter < TimeSpan.Zero)
        {
            return $"the approval delay must not be negative (got {ApproveAfter})";
        }
        if (Prometheus && !Analysis)
        {
            return "--prometheus needs the canary analysis: without it there is no metric to query";
        }
        if (Clients?.Validate() is { } clients)
        {
            return clients;
        }
        if (Sabotage == SabotageRule.OldClients && Clients is null)
        {
            return "--sabotage old-clients needs client populations (--clients): without clients there is nothing for G8 to keep";
        }
        return TrailLength < 1 ? "the trail length must be at least 1" : null;
    }
}
