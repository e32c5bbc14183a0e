using Stepwise.Core.Decisions;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;
using Stepwise.Core.Rollouts;

namespace Stepwise.Core;

/// <summary>
/// The heart of Stepwise: given a snapshot of the world and the current time, decide what to do next and what to
/// refuse, and why. Pure: the same snapshot and time give the same decisions. The server, the simulator and
/// <c>stepwise plan</c> all call this.
/// </summary>
public sealed class Decider(GuaranteeSet guarantees)
{
    public static Decider Default { get; } = new(GuaranteeSet.Default);

    public GuaranteeSet Guarantees { get; } = guarantees;

    /// <summary>Decide with the standard guarantees.</summary>
    public static Decisions.Decisions Decide(Snapshot snapshot, DateTimeOffset now) => Default.Run(snapshot, now);

    public Decisions.Decisions Run(Snapshot snapshot, DateTimeOffset now)
    {
        var ctx = new DecisionContext(snapshot, now, Guarantees);
        var builder = new DecisionBuilder(ctx);

        Liveness(builder);
        Guarantees.G2.Observe(builder);
        foreach (var request in snapshot.Requests)
        {
            Requests.Handle(builder, request);
        }
        foreach (var progress in snapshot.Plans)
        {
            Plans.Step(builder, progress);
        }
        foreach (var rollout in snapshot.Rollouts)
        {
            if (rollout.InFlight && ctx.InFlight(rollout.Service) == rollout)
            {
                RolloutMachine.Step(builder, rollout);
            }
            else if (!rollout.InFlight)
            {
                TerminalAlerts(builder, rollout);
            }
        }
        foreach (var g in Guarantees.All)
        {
            if (g is not G2StaleNode)
            {
                g.Observe(builder);
            }
        }
        return builder.Build();
    }

    /// <summary>Marks nodes offline when their heartbeat times out; decommissions long-offline nodes when the policy says so.</summary>
    private static void Liveness(DecisionBuilder builder)
    {
        var ctx = builder.Context;
        var decommissionAfter = ctx.Policy.Retention.DecommissionOfflineAfter;
        foreach (var index in ctx.Services)
        {
            foreach (var node in index.Nodes)
            {
                if (node.State is NodeState.Active or NodeState.Draining or NodeState.Quarantined && !ctx.HeartbeatFresh(node) && node.LastHeartbeat is not null)
                {
                    builder.Add(new MarkNodeOffline(node.Id, node.Service, $"no heartbeat since {node.LastHeartbeat:yyyy-MM-ddTHH:mm:ssZ} (timeout {ctx.Policy.HeartbeatTimeout})"));
                    ctx.TimedOut.Add(node.Id);
                }
                else if (node.State == NodeState.Offline && decommissionAfter is { } after && !ctx.HeartbeatFresh(node) &&
                         (node.StateSince ?? node.LastHeartbeat) is { } since && ctx.Now - since >= after)
                {
                    builder.Add(new DecommissionNode(node.Id, node.Service, $"offline since {since:yyyy-MM-ddTHH:mm:ssZ}, past policy.retention.decommissionOfflineAfter ({after})"));
                    ctx.PendingState[node.Id] = NodeState.Decommissioned;
                }
            }
        }
    }

    /// <summary>Alerts that stay while a rollout that ended badly is the service's latest.</summary>
    private static void TerminalAlerts(DecisionBuilder builder, Rollout rollout)
    {
        var ctx = builder.Context;
        var latest = ctx.Rollouts.LastOrDefault(r => r.Service == rollout.Service);
        if (latest != rollout)
        {
            return;
        }
        switch (rollout.Phase)
        {
            case RolloutPhase.RolledBack:
                builder.WantAlert(new Alert($"rolled-back:{rollout.Id}", AlertSeverity.Critical, GuaranteeId.G7,
                    $"rollout {rollout.Id} ({rollout.Service} {rollout.From} -> {rollout.To}) rolled back by itself: {rollout.Reason ?? "analysis failed"}"));
                break;
            case RolloutPhase.Failed:
                builder.WantAlert(new Alert($"rehearsal-failed:{rollout.Id}", AlertSeverity.Critical, GuaranteeId.G7,
                    $"rollout {rollout.Id}: {rollout.Reason ?? "failed"}"));
                break;
        }
    }

    /// <summary>Builds and checks a rollout proposal; when every gate passes, starts it (canary chosen, desired releases set).</summary>
    internal static bool TryStartRollout(DecisionBuilder builder, ServiceIndex index, Release to, string? request, string? plan)
    {
        var ctx = builder.Context;
        var from = index.Current ?? to;
        var proposal = new RolloutProposal(index, from, to, request, plan);
        if (ctx.Guarantees.CheckRollout(builder, proposal))
        {
            return false;
        }
        var service = index.Service.Name;
        var n = ctx.Rollouts.Count(r => r.Service == service && r.To == to.Version) + 1;
        var id = $"{service}-{to.Version}-{n}";
        var eligible = index.Nodes.Where(node => ctx.IsLive(node) && node.Health == NodeHealth.Healthy && node.ActualRelease == from.Version).ToList();
        var size = ctx.Policy.Canary.SizeFor(index.Nodes.Count(node => ctx.StateOf(node) is not NodeState.Decommissioned));
        var canaries = eligible.OrderBy(node => StableOrder.Of(id, node.Id)).ThenBy(node => node.Id, StringComparer.Ordinal).Take(size).Select(node => node.Id).ToList();
        if (canaries.Count == 0)
        {
            builder.Add(new CompleteRequest(request ?? id, false, $"no live, healthy {service} node runs {from.Version} to canary on"));
            return false;
        }
        builder.Add(new StartRollout(id, service, from.Version, to.Version, canaries, plan, $"start {service} {from.Version} -> {to.Version} with {canaries.Count} canary node(s)"));
        var rollout = new Rollout(id, service, from.Version, to.Version, RolloutPhase.Canary, ctx.Now, 0, canaries, Plan: plan);
        ctx.AddStarted(rollout);
        foreach (var nodeId in canaries)
        {
            builder.SetDesired(index.Node(nodeId)!, to.Version, id, "canary");
        }
        return true;
    }

    /// <summary>Builds and checks a data-phase proposal; when every gate passes, runs it.</summary>
    internal static bool TryRunDataPhase(DecisionBuilder builder, DataChange change, DataPhaseKind phase, string store, string? request, string? plan)
    {
        var proposal = new DataPhaseProposal(change, phase, store, request, plan);
        if (builder.Context.Guarantees.CheckDataPhase(builder, proposal))
        {
            return false;
        }
        builder.Add(new RunDataPhase(change.Id, phase, store, $"run {proposal.Subject}" + (plan is null ? "" : $" (plan {plan})")));
        builder.Context.AddStarted(change.Id, phase, store);
        return true;
    }
}
