using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>The checker's rules about decisions (G3, G4, G5, G7 and G8), after every controller tick.</summary>
internal sealed partial class InvariantChecker
{
    /// <summary>After a controller tick: follow the actions, then check the rules that concern decisions.</summary>
    public void AfterTick(Core.Decisions.Decisions decisions)
    {
        foreach (var action in decisions.Actions)
        {
            switch (action)
            {
                case StartRollout a:
                    visited[a.Rollout] = [RolloutPhase.Canary];
                    CheckDataReady(a);
                    break;
                case AdvanceRollout a:
                    Visit(a.Rollout, a.To);
                    CheckBadCanaryHeld(a.Rollout, a.To);
                    break;
                case ApproveRollout a:
                    Visit(a.Rollout, a.ResumeAt);
                    CheckBadCanaryHeld(a.Rollout, a.ResumeAt);
                    break;
            }
        }
        Windows();
        foreach (var action in decisions.Actions)
        {
            switch (action)
            {
                case SetDesiredRelease a:
                    CheckRehearsed(a);
                    CheckRemoval(a);
                    break;
                case RunDataPhase a:
                    CheckDataPhaseStart(a);
                    break;
                case RegisterRelease a:
                    CheckRegistration(a);
                    break;
            }
        }
        CheckRolloutsInFlight();
    }

    /// <summary>G3: a rollout to a release that needs the change starts only when its expand (and backfill) completed and baked.</summary>
    private void CheckDataReady(StartRollout a)
    {
        var release = world.Config.FindRelease(a.Service, a.To);
        if (release is null || !release.Needs.Contains(change.Id))
        {
            return;
        }
        foreach (var phase in Needed(release))
        {
            var done = store.CompletedAt[(int)phase];
            if (done is null)
            {
                Violate(GuaranteeId.G3, $"rollout {a.Rollout} started {release} while {change.Id} {Lower(phase)} on {SimWorld.Store} was not complete");
            }
            else if (Now - done < world.Config.Policy.DataBake)
            {
                Violate(GuaranteeId.G3, $"rollout {a.Rollout} started {release} while {change.Id} {Lower(phase)} on {SimWorld.Store} had baked only {(Now - done.Value).TotalSeconds:0}s of {world.Config.Policy.DataBake.TotalSeconds:0}s");
            }
        }
    }

    /// <summary>
    /// G7's analysis half: the bad canary (worse errors and latency on every source, heartbeats or Prometheus) never
    /// leaves its canary stage for the rehearsal or the waves, whatever the analysis could read: a failing source gives
    /// no data, and no data must never pass.
    /// </summary>
    private void CheckBadCanaryHeld(string rolloutId, RolloutPhase to)
    {
        var rollout = state.Rollouts.LastOrDefault(r => r.Id == rolloutId);
        if (rollout is not null && rollout.Service == world.BadRelease.Service && rollout.To == world.BadRelease.Version &&
            to is RolloutPhase.Rehearsing or RolloutPhase.RehearsalBake or RolloutPhase.Rereleasing or RolloutPhase.Waves or RolloutPhase.Complete)
        {
            Violate(GuaranteeId.G7, $"rollout {rolloutId} of {rollout.To} of {rollout.Service} has a failing canary, yet it moved on to {Names.Of(to)}: a failed analysis must roll back");
        }
    }

    /// <summary>G7: beyond the canary, nobody gets the new release before the rollback rehearsal passed (or a recorded override).</summary>
    private void CheckRehearsed(SetDesiredRelease a)
    {
        var rollout = state.Rollouts.LastOrDefault(r => r.Service == a.Service && r.To == a.Release && r.InFlight);
        if (rollout is null)
        {
            return;
        }
        var canaries = rollout.CanaryNodes.ToHashSet(StringComparer.Ordinal);
        var beyond = a.Nodes.FirstOrDefault(n => !canaries.Contains(n));
        if (beyond is null)
        {
            return;
        }
        if (world.BadRelease.Service == a.Service && world.BadRelease.Version == a.Release)
        {
            Violate(GuaranteeId.G7, $"{a.Release} of {a.Service} has a failing canary, yet {beyond} (not a canary) was told to run it: a failed analysis must roll back");
        }
        var rehearsed = visited.TryGetValue(rollout.Id, out var phases) && phases.Contains(RolloutPhase.Rereleasing);
        var overridden = state.Overrides.Any(o => o.Guarantee == GuaranteeId.G7 && o.Subject == $"rehearsal {rollout.Id}");
        if (!rehearsed && !overridden)
        {
            Violate(GuaranteeId.G7, $"{beyond} (not a canary of {rollout.Id}) was told to run {a.Release} before the rollback rehearsal passed (phases seen: {string.Join(" -> ", phases?.Select(p => p.ToString()) ?? [])})");
        }
    }

    /// <summary>G3 (backfill after expand), G4 (contract after code) and G5 (one change at a time) when a data phase starts.</summary>
    private void CheckDataPhaseStart(RunDataPhase a)
    {
        if (a.Phase == DataPhaseKind.Backfill && !store.Complete(DataPhaseKind.Expand))
        {
            Violate(GuaranteeId.G3, $"the backfill of {a.Change} started before its expand completed");
        }
        if (a.Phase == DataPhaseKind.Contract)
        {
            foreach (var phase in new[] { DataPhaseKind.Expand, DataPhaseKind.Backfill })
            {
                if (!store.Complete(phase))
                {
                    Violate(GuaranteeId.G4, $"the contract of {a.Change} started before its {Lower(phase)} completed");
                }
            }
            foreach (var old in world.Config.OldShapeUsers(change.Id))
            {
                var s = serviceIndex[old.Service];
                var r = services[s].OrdinalOf(old.Version);
                if (countedActual[s][r] > 0 || countedDesired[s][r] > 0)
                {
                    Violate(GuaranteeId.G4, $"the contract of {a.Change} started while {countedActual[s][r]} node(s) run and {countedDesired[s][r]} are told to run {old}, which uses the old shape");
                }
            }
            foreach (var r in state.Rollouts.Where(r => r.InFlight && UsesOldShape(r.Service, r.From, r.To)))
            {
                Violate(GuaranteeId.G4, $"the contract of {a.Change} started while rollout {r.Id} ({r.From} -> {r.To}) involving an old-shape release was in flight");
            }
        }
        foreach (var r in state.Rollouts.Where(r => r.InFlight && Related(r)))
        {
            Violate(GuaranteeId.G5, $"data phase {a.Change} {Lower(a.Phase)} started beside rollout {r.Id} ({r.Service} {r.From} -> {r.To}), which depends on that change");
        }
    }

    private bool UsesOldShape(string service, params string[] versions) =>
        versions.Any(v => world.Config.FindRelease(service, v)?.UsesOldShapeOf.Contains(change.Id) == true);

    private bool Related(Rollout r) =>
        new[] { r.From, r.To }.Select(v => world.Config.FindRelease(r.Service, v)).Any(rel => rel is not null && (rel.Needs.Contains(change.Id) || rel.UsesOldShapeOf.Contains(change.Id)));

    /// <summary>G5: one rollout per service, never two dependent services at once, no data phase beside a related rollout.</summary>
    private void CheckRolloutsInFlight()
    {
        var inFlight = state.Rollouts.Where(r => r.InFlight).ToList();
        foreach (var group in inFlight.GroupBy(r => r.Service).Where(g => g.Count() > 1))
        {
            Violate(GuaranteeId.G5, $"{group.Key} has {group.Count()} rollouts in flight at once: {string.Join(", ", group.Select(r => r.Id))}");
        }
        for (var x = 0; x < inFlight.Count; x++)
        {
            for (var y = x + 1; y < inFlight.Count; y++)
            {
                var a = world.Config.FindService(inFlight[x].Service)!;
                var b = world.Config.FindService(inFlight[y].Service)!;
                if (a.DependsOnService(b.Name) || b.DependsOnService(a.Name))
                {
                    Violate(GuaranteeId.G5, $"rollouts of dependent services are in flight together: {inFlight[x].Id} and {inFlight[y].Id}");
                }
            }
        }
        foreach (var phase in change.Phases)
        {
            if (!store.Running(phase))
            {
                continue;
            }
            foreach (var r in inFlight.Where(Related))
            {
                Violate(GuaranteeId.G5, $"data phase {change.Id} {Lower(phase)} is running beside rollout {r.Id} ({r.Service} {r.From} -> {r.To}), which depends on that change");
            }
        }
        if (change.Phases.Count(store.Running) > 1)
        {
            Violate(GuaranteeId.G5, $"two phases of {change.Id} run on {SimWorld.Store} at once");
        }
    }
}
