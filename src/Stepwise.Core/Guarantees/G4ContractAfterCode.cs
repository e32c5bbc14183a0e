using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>
/// G4 contract-after-code: the contract phase of a data change runs only when no live or returning node (anything
/// not decommissioned, offline and quarantined included) runs or is told to run a release that still uses the old
/// shape, and no rollout in flight involves such a release; and only after the change's expand and backfill are
/// complete on that store. Once contracted, rolling code back to a release that uses the old shape is refused.
/// </summary>
public class G4ContractAfterCode : Guarantee
{
    public override GuaranteeId Id => GuaranteeId.G4;

    public override bool CheckDataPhase(DecisionBuilder builder, DataPhaseProposal proposal)
    {
        if (proposal.Phase != DataPhaseKind.Contract)
        {
            return false;
        }
        var ctx = builder.Context;
        var change = proposal.Change;
        var blockers = new List<Blocker>();
        var unblock = new List<string>();

        foreach (var phase in new[] { DataPhaseKind.Expand, DataPhaseKind.Backfill })
        {
            if (change.Declares(phase) && ctx.Phase(change.Id, phase, proposal.Store)?.State != DataPhaseState.Complete)
            {
                blockers.Add(new Blocker(BlockerKind.Store, proposal.Store, $"{change.Id} {Names.Of(phase)} is not complete"));
                unblock.Add($"complete {change.Id} {Names.Of(phase)} on {proposal.Store}");
            }
        }

        var oldShape = ctx.Config.OldShapeUsers(change.Id).ToHashSet();
        var nodes = new List<(Node Node, string Release)>();
        foreach (var service in oldShape.Select(r => r.Service).Distinct())
        {
            var index = ctx.Index(service);
            if (index is null)
            {
                continue;
            }
            // Which of this service's releases use the old shape, by ordinal (one array lookup per node).
            var usesOld = index.Service.Releases.Select(r => oldShape.Contains(new ReleaseRef(service, r.Version))).ToArray();
            bool UsesOld(string? version) => index.OrdinalOf(version) is var o && o >= 0 && usesOld[o];
            foreach (var node in index.Nodes)
            {
                if (ctx.StateOf(node) == NodeState.Decommissioned)
                {
                    continue;
                }
                var desired = ctx.DesiredOf(node);
                if (node.ActualRelease is { } actual && UsesOld(actual))
                {
                    nodes.Add((node, actual));
                }
                else if (desired is not null && UsesOld(desired))
                {
                    nodes.Add((node, desired));
                }
            }
            if (index.InFlight is { } r && (oldShape.Contains(new ReleaseRef(service, r.From)) || oldShape.Contains(new ReleaseRef(service, r.To))))
            {
                blockers.Add(new Blocker(BlockerKind.Rollout, r.Id, $"{service} {r.From} -> {r.To} is in flight ({Names.Of(r.Phase)})"));
                unblock.Add($"let rollout {r.Id} finish");
            }
        }
        foreach (var group in nodes.GroupBy(n => (n.Node.Service, n.Release)))
        {
            var ids = group.Select(n => n.Node.Id).ToList();
            var offline = group.Count(n => ctx.StateOf(n.Node) == NodeState.Offline);
            foreach (var (node, release) in group)
            {
                blockers.Add(new Blocker(BlockerKind.Node, node.Id, $"{node.Service}@{release}, {Names.Of(ctx.StateOf(node))}"));
            }
            unblock.Add($"move {group.Key.Service} off {group.Key.Release} ({List(ids)})" + (offline > 0 ? $"; {Plural(offline, "of them is", "of them are")} offline: bring back and upgrade, or decommission" : ""));
        }
        if (blockers.Count == 0)
        {
            return false;
        }
        var nodeCount = nodes.Count;
        var message = nodeCount > 0
            ? $"contracting {change.Id} on {proposal.Store} would break {Plural(nodeCount, "node", "nodes")} still running code that uses the old shape: " +
              string.Join("; ", nodes.GroupBy(n => $"{n.Node.Service}@{n.Release}").Select(g => $"{g.Key} on {List(g.Select(n => n.Node.Id).ToList())}"))
            : $"contracting {change.Id} on {proposal.Store} is not safe yet: {string.Join("; ", blockers.Select(b => b.Detail))}";
        return builder.Refuse(Refusal(proposal.Subject, message, blockers, string.Join("; ", unblock.Distinct()) + ", then contract", proposal.Request, proposal.Plan));
    }

    public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal)
    {
        var ctx = builder.Context;
        var blockers = new List<Blocker>();
        foreach (var changeId in proposal.To.UsesOldShapeOf)
        {
            var change = ctx.Config.FindChange(changeId);
            foreach (var store in change?.Stores ?? [])
            {
                var state = ctx.Phase(changeId, DataPhaseKind.Contract, store)?.State;
                if (state is DataPhaseState.Complete or DataPhaseState.Running)
                {
                    blockers.Add(new Blocker(BlockerKind.DataChange, changeId, $"contract {Names.Of(state.Value)} on {store}"));
                }
            }
        }
        if (blockers.Count == 0)
        {
            return false;
        }
        return builder.Refuse(Refusal(
            proposal.Subject,
            $"{proposal.To} uses the old shape of {string.Join(", ", blockers.Select(b => $"'{b.Id}' ({b.Detail})"))}: it would fail on the contracted data",
            blockers,
            $"roll forward instead: pick a release that does not use the old shape (one that needs {string.Join(", ", blockers.Select(b => b.Id).Distinct())})",
            proposal.Request,
            proposal.Plan));
    }
}
