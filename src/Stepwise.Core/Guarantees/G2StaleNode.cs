using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>
/// G2 stale-node: a node that reports a release outside the window (e.g. it was offline during a push) is
/// quarantined — told to stop serving — and moved to the release the fleet is heading to before it serves again.
/// An alert is raised while it is quarantined.
/// A node coming back (offline or new) is admitted only when its release is inside the window and uses no data shape
/// that has been contracted away (G4). A decommissioned node stays out, whatever it reports, until an operator enables
/// it again. Nodes off the window or offline raise an alert per service even when no rollout runs.
/// </summary>
public class G2StaleNode : Guarantee
{
    public override GuaranteeId Id => GuaranteeId.G2;

    public override void Observe(DecisionBuilder builder)
    {
        var ctx = builder.Context;
        foreach (var index in ctx.Services)
        {
            // One pass: each node counts for the fleet alerts as G2 leaves it (ObserveNode changes only that node), so a
            // node admitted in this decision is not counted offline; alerts are ordered by key when the decisions are built.
            var alerts = new FleetAlertLists();
            foreach (var node in index.Nodes)
            {
                ObserveNode(builder, index, node);
                alerts.Count(ctx, index, node);
            }
            FleetAlerts(builder, index, alerts);
        }
    }

    /// <summary>
    /// One node: a quarantined node is released once it runs the target; a node that reports (back, or new) is
    /// admitted when its release is sanctioned and quarantined otherwise. Also run for a node an operator enables, so
    /// that it rejoins in the same decision, never counted outside the window in between.
    /// </summary>
    public void ObserveNode(DecisionBuilder builder, ServiceIndex index, Node node)
    {
        var ctx = builder.Context;
        var state = ctx.StateOf(node);
        if (state == NodeState.Quarantined)
        {
            Unquarantine(builder, index, node);
            return;
        }
        if (!ctx.HeartbeatFresh(node) || node.ActualRelease is null || state == NodeState.Decommissioned)
        {
            return; // a decommissioned node is out of the fleet until an operator enables it
        }
        var returning = state == NodeState.Offline;
        if (returning && node.LastHeartbeat is { } hb && node.StateSince is { } since && hb <= since && !ctx.PendingState.ContainsKey(node.Id))
        {
            return; // the last heartbeat is older than the state change: not back yet
        }
        if (Sanctioned(ctx, index, node.ActualRelease, out var why))
        {
            if (returning)
            {
                builder.Add(new AdmitNode(node.Id, index.Service.Name, node.ActualRelease, $"back on {node.ActualRelease}, inside the window"));
                ctx.PendingState[node.Id] = NodeState.Active;
            }
            return;
        }
        Quarantine(builder, index, node, why);
    }

    /// <summary>
    /// Per service: one alert while counted nodes are offline, and one while counted nodes report a release outside
    /// the window (offline ones included: they will come back on it), whether or not a rollout runs.
    /// </summary>
    /// <summary>The nodes of one service that are offline, and those that report a release outside the window.</summary>
    private sealed class FleetAlertLists
    {
        public List<string>? Offline;
        public List<string>? Outside;

        public void Count(DecisionContext ctx, ServiceIndex index, Node node)
        {
            var state = ctx.StateOf(node);
            if (state == NodeState.Decommissioned)
            {
                return;
            }
            if (state == NodeState.Offline && node.LastHeartbeat is not null)
            {
                (Offline ??= []).Add(node.Id);
            }
            if (node.ActualRelease is { } actual && !index.InWindow(actual))
            {
                (Outside ??= []).Add($"{node.Id} ({actual})");
            }
        }
    }

    private void FleetAlerts(DecisionBuilder builder, ServiceIndex index, FleetAlertLists alerts)
    {
        var (offline, outside) = (alerts.Offline, alerts.Outside);
        var service = index.Service.Name;
        if (offline is not null)
        {
            builder.WantAlert(new Alert($"offline:{service}", AlertSeverity.Warning, Id,
                $"{Plural(offline.Count, "node", "nodes")} of {service} {(offline.Count == 1 ? "is" : "are")} offline: {List(offline, 5)}; they still count for the version window until they return or are decommissioned"));
        }
        if (outside is not null)
        {
            builder.WantAlert(new Alert($"outside-window:{service}", AlertSeverity.Warning, Id,
                $"{Plural(outside.Count, "node", "nodes")} of {service} {(outside.Count == 1 ? "reports" : "report")} a release outside the window ({Window(index)}): {List(outside, 5)}"));
        }
    }

    private static string Window(ServiceIndex index) => index.InFlight is { } r ? $"{r.From} and {r.To}" : index.Current?.Version ?? "?";

    /// <summary>
    /// Every release each service's nodes may serve now (inside the window, no contracted shape): what a node that
    /// comes back on one of them is admitted on. The server answers a returning node's heartbeat with it, so a node
    /// that reconnects on a sanctioned release keeps serving; the next decision admits it for good.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlySet<string>> SanctionedReleases(DecisionContext ctx)
    {
        var result = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var index in ctx.Services)
        {
            result[index.Service.Name] = index.Service.Releases.Where(r => Sanctioned(ctx, index, r.Version, out _)).Select(r => r.Version).ToHashSet(StringComparer.Ordinal);
        }
        return result;
    }

    /// <summary>Whether a node of this service may serve <paramref name="release"/> now.</summary>
    protected virtual bool Sanctioned(DecisionContext ctx, ServiceIndex index, string release, out string why)
    {
        if (!index.InWindow(release))
        {
            why = $"reports {release}, outside the window ({Window(index)})";
            return false;
        }
        // The data-shape answer depends only on (service, release) within one call: work it out once per release.
        if (!index.ContractedShapeCache.TryGetValue(release, out var contracted))
        {
            contracted = ContractedShape(ctx, index, release);
            index.ContractedShapeCache[release] = contracted;
        }
        why = contracted ?? "";
        return contracted is null;
    }

    /// <summary>Why <paramref name="release"/> may not serve because a data shape it uses has been contracted, or null.</summary>
    private static string? ContractedShape(DecisionContext ctx, ServiceIndex index, string release)
    {
        var rel = index.Service.Find(release);
        foreach (var changeId in rel?.UsesOldShapeOf ?? [])
        {
            var change = ctx.Config.FindChange(changeId);
            if (change is null)
            {
                continue;
            }
            foreach (var store in change.Stores)
            {
                if (ctx.Phase(change.Id, DataPhaseKind.Contract, store)?.State is DataPhaseState.Complete or DataPhaseState.Running)
                {
                    return $"reports {release}, which uses the old shape of '{change.Id}', contracted on {store}";
                }
            }
        }
        return null;
    }

    private void Quarantine(DecisionBuilder builder, ServiceIndex index, Node node, string why)
    {
        var ctx = builder.Context;
        builder.Add(new QuarantineNode(node.Id, index.Service.Name, node.ActualRelease, $"{node.Id} {why}; it may not serve until it runs {index.Target}"));
        ctx.PendingState[node.Id] = NodeState.Quarantined;
        if (index.Target is { } target)
        {
            builder.SetDesired(node, target, null, $"move quarantined {node.Id} to {target}");
        }
        builder.WantAlert(QuarantineAlert(node, index));
    }

    private void Unquarantine(DecisionBuilder builder, ServiceIndex index, Node node)
    {
        var ctx = builder.Context;
        var target = index.Target;
        if (target is null)
        {
            return;
        }
        if (node.ActualRelease == target && node.Health == NodeHealth.Healthy && ctx.HeartbeatFresh(node) && Sanctioned(ctx, index, target, out _))
        {
            builder.Add(new ReleaseNode(node.Id, index.Service.Name, target, $"{node.Id} runs {target} and is healthy"));
            ctx.PendingState[node.Id] = NodeState.Active;
            return;
        }
        builder.SetDesired(node, target, null, $"move quarantined {node.Id} to {target}");
        builder.WantAlert(QuarantineAlert(node, index));
    }

    private Alert QuarantineAlert(Node node, ServiceIndex index) =>
        new($"quarantine:{node.Id}", AlertSeverity.Warning, Id, $"{index.Service.Name} node {node.Id} is quarantined until it runs {index.Target ?? "a sanctioned release"}");
}
