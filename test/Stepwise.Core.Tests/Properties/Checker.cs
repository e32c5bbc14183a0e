using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Properties;

/// <summary>
/// An independent statement of what a decision may never do, from the guarantees' definitions (docs/guarantees.md),
/// using only the configuration's declared facts, the state before and after, and the actions.
/// </summary>
internal static class Checker
{
    public static List<string> Check(Snapshot before, ControllerState after, Decisions.Decisions decisions, DateTimeOffset now)
    {
        var flagged = new List<string>();
        var config = after.Config;
        var nodesAfter = after.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);

        int Ordinal(string service, string? version) => version is null ? -1 : config.FindService(service)?.Find(version)?.Ordinal ?? -1;

        // G1: the controller names only releases inside the window (the current release, or either end of the
        // rollout in flight); and a rollout starts only one step from every release a counted node runs (offline
        // nodes count until they return or are decommissioned; quarantined ones are held out until they run the target).
        foreach (var set in decisions.Actions.OfType<SetDesiredRelease>())
        {
            if (!Window(after, set.Service).Contains(set.Release))
            {
                flagged.Add($"G1: {set.Service} nodes told to run {set.Release}, outside {string.Join("/", Window(after, set.Service).OfType<string>())}");
            }
        }
        foreach (var start in decisions.Actions.OfType<StartRollout>())
        {
            var target = Ordinal(start.Service, start.To);
            foreach (var node in before.Nodes.Where(n => n.Service == start.Service && n.State is NodeState.Active or NodeState.Draining or NodeState.Offline))
            {
                var o = Ordinal(start.Service, node.ActualRelease);
                if (o >= 0 && Math.Abs(o - target) > 1)
                {
                    flagged.Add($"G1: {start.Service} rollout to {start.To} started while {node.Id} ({node.State}) runs {node.ActualRelease}");
                }
            }
        }

        // G2: a node is admitted only on a release inside its service's window (the current release, or either end of
        // the rollout in flight).
        foreach (var admit in decisions.Actions.OfType<AdmitNode>())
        {
            var window = Window(after, admit.Service);
            if (!window.Contains(admit.Release))
            {
                flagged.Add($"G2: {admit.Node} admitted on {admit.Release}, outside {string.Join("/", window.OfType<string>())}");
            }
        }

        // G3: a rollout starts only when every data change its release needs is done (expand, and the backfill when
        // declared unless only the expand is needed) on every store, and has baked.
        foreach (var start in decisions.Actions.OfType<StartRollout>())
        {
            var release = config.FindRelease(start.Service, start.To)!;
            foreach (var need in release.Needs)
            {
                var change = config.FindChange(need)!;
                var phases = new List<DataPhaseKind> { DataPhaseKind.Expand };
                if (change.Backfill is not null && !(release.NeedsExpandOnly ?? []).Contains(need))
                {
                    phases.Add(DataPhaseKind.Backfill);
                }
                foreach (var store in change.Stores)
                {
                    foreach (var phase in phases)
                    {
                        var status = before.DataPhases.FirstOrDefault(p => p.Change == need && p.Phase == phase && p.Store == store);
                        if (status is not { State: DataPhaseState.Complete, CompletedAt: { } done } || now - done < config.Policy.DataBake)
                        {
                            flagged.Add($"G3: {start.Service} {start.To} started before {need}:{Names.Of(phase)} on {store} was done and baked");
                        }
                    }
                }
            }
        }

        // G4: a contract phase runs only when no node outside decommission runs, or is told to run, a release that
        // uses the old shape (read from the releases' own declarations).
        foreach (var run in decisions.Actions.OfType<RunDataPhase>().Where(r => r.Phase == DataPhaseKind.Contract))
        {
            foreach (var node in before.Nodes.Where(n => n.State != NodeState.Decommissioned))
            {
                foreach (var version in new[] { node.ActualRelease, nodesAfter[node.Id].DesiredRelease })
                {
                    if (config.FindRelease(node.Service, version) is { } r && r.UsesOldShapeOf.Contains(run.Change))
                    {
                        flagged.Add($"G4: contract of {run.Change} runs while {node.Id} has {version}, which uses the old shape");
                    }
                }
            }
        }

        // G5: one rollout in flight per service.
        foreach (var service in after.Rollouts.Where(r => r.InFlight).GroupBy(r => r.Service).Where(g => g.Count() > 1))
        {
            flagged.Add($"G5: {service.Count()} rollouts of {service.Key} in flight");
        }

        // G7: waves come only after the rollback was rehearsed (the canary re-released after its rehearsal bake).
        foreach (var advance in decisions.Actions.OfType<AdvanceRollout>().Where(a => a.To == RolloutPhase.Waves))
        {
            var rollout = before.Rollouts.FirstOrDefault(r => r.Id == advance.Rollout);
            var from = rollout?.Phase == RolloutPhase.Paused ? rollout.PausedFrom : rollout?.Phase;
            if (from is not (RolloutPhase.Rereleasing or RolloutPhase.Waves))
            {
                flagged.Add($"G7: {advance.Rollout} entered waves from {from}");
            }
        }
        return flagged;
    }

    private static string?[] Window(ControllerState state, string service)
    {
        var current = state.Services.FirstOrDefault(s => s.Service == service)?.Current;
        var inFlight = state.Rollouts.FirstOrDefault(r => r.Service == service && r.InFlight);
        return [current, inFlight?.From, inFlight?.To];
    }
}
