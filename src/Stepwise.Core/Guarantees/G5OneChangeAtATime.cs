using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>
/// G5 one-change-at-a-time: a step changes one service or one data store, never two (plans are checked for this when
/// loaded). At most one rollout per service; rollouts of services joined by a declared dependency are never in flight
/// together; a data phase never runs beside a rollout of a release that needs or uses that data change, nor beside
/// another phase on the same store. The dependency gate: a release that calls another service's operation rolls out
/// only when every live release of that service provides it — and a service may not roll to a release that drops an
/// operation a live release of a caller still calls.
/// </summary>
public class G5OneChangeAtATime : Guarantee
{
    public override GuaranteeId Id => GuaranteeId.G5;

    public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal)
    {
        var refused = false;
        refused |= CheckConcurrent(builder, proposal);
        refused |= CheckCallees(builder, proposal);
        refused |= CheckCallers(builder, proposal);
        return refused;
    }

    private bool CheckConcurrent(DecisionBuilder builder, RolloutProposal proposal)
    {
        var ctx = builder.Context;
        var service = proposal.Service.Service;
        var blockers = new List<Blocker>();
        if (proposal.Service.InFlight is { } own)
        {
            blockers.Add(new Blocker(BlockerKind.Rollout, own.Id, $"{service.Name} {own.From} -> {own.To} is in flight ({Names.Of(own.Phase)})"));
        }
        foreach (var other in ctx.Services)
        {
            if (other.Service.Name == service.Name || other.InFlight is not { } r)
            {
                continue;
            }
            if (service.DependsOnService(other.Service.Name) || other.Service.DependsOnService(service.Name))
            {
                var how = service.DependsOnService(other.Service.Name) ? $"{service.Name} depends on {other.Service.Name}" : $"{other.Service.Name} depends on {service.Name}";
                blockers.Add(new Blocker(BlockerKind.Rollout, r.Id, $"{other.Service.Name} {r.From} -> {r.To} is in flight ({Names.Of(r.Phase)}); {how}"));
            }
        }
        var related = proposal.To.Needs.Concat(proposal.To.UsesOldShapeOf).Concat(proposal.From.Needs).Concat(proposal.From.UsesOldShapeOf).ToHashSet();
        foreach (var phase in ctx.Phases)
        {
            if (phase.State == DataPhaseState.Running && related.Contains(phase.Change))
            {
                blockers.Add(new Blocker(BlockerKind.Store, phase.Store, $"{phase.Change} {Names.Of(phase.Phase)} is running"));
            }
        }
        if (blockers.Count == 0)
        {
            return false;
        }
        return builder.Refuse(Refusal(
            proposal.Subject,
            $"{proposal.To} would change two things at once: {string.Join("; ", blockers.Select(b => b.Detail))}",
            blockers,
            "wait for " + string.Join(" and ", blockers.Select(b => b.Kind == BlockerKind.Rollout ? $"rollout {b.Id} to finish" : $"the data phase on {b.Id} to finish")),
            proposal.Request,
            proposal.Plan));
    }

    /// <summary>The releases of a service that are live: run by a counted node or involved in its rollout in flight.</summary>
    protected static IEnumerable<Release> LiveReleases(DecisionContext ctx, ServiceIndex index)
    {
        var seen = new HashSet<int>();
        foreach (var node in index.Nodes)
        {
            if (ctx.StateOf(node) is NodeState.Decommissioned or NodeState.Quarantined)
            {
                continue;
            }
            var actual = index.Find(node.ActualRelease);
            if (actual is not null && seen.Add(actual.Ordinal))
            {
                yield return actual;
            }
            var desired = index.Find(ctx.DesiredOf(node));
            if (desired is not null && seen.Add(desired.Ordinal))
            {
                yield return desired;
            }
        }
        if (index.InFlight is { } r)
        {
            foreach (var version in new[] { r.From, r.To })
            {
                var release = index.Service.Find(version);
                if (release is not null && seen.Add(release.Ordinal))
                {
                    yield return release;
                }
            }
        }
    }

    private static bool Serves(Release release, string operation) =>
        release.Provides.Contains(operation) || release.Deprecates.Contains(operation);

    private bool CheckCallees(DecisionBuilder builder, RolloutProposal proposal)
    {
        var ctx = builder.Context;
        var blockers = new List<Blocker>();
        var missing = new List<string>();
        foreach (var call in proposal.To.Calls)
        {
            var callee = ctx.Index(call.Service);
            if (callee is null)
            {
                continue;
            }
            foreach (var release in LiveReleases(ctx, callee))
            {
                if (!Serves(release, call.Operation))
                {
                    var count = callee.Nodes.Count(n => ctx.StateOf(n) is not (NodeState.Decommissioned or NodeState.Quarantined) && n.ActualRelease == release.Version);
                    blockers.Add(new Blocker(BlockerKind.Release, release.ToString(), $"does not provide '{call.Operation}' ({Plural(count, "node", "nodes")})"));
                    missing.Add($"{call.Service}:{call.Operation}");
                }
            }
        }
        if (blockers.Count == 0)
        {
            return false;
        }
        var providers = proposal.To.Calls
            .Where(c => missing.Contains($"{c.Service}:{c.Operation}"))
            .Select(c => (c, first: ctx.Config.FindService(c.Service)?.Releases.FirstOrDefault(r => Serves(r, c.Operation))))
            .Select(x => x.first is null ? $"a {x.c.Service} release providing '{x.c.Operation}'" : $"{x.first} (first to provide '{x.c.Operation}')")
            .Distinct();
        return builder.Refuse(Refusal(
            proposal.Subject,
            $"{proposal.To} calls operations that live releases do not provide: {string.Join("; ", blockers.Select(b => $"{b.Id} {b.Detail}"))}",
            blockers,
            $"finish rolling out {string.Join(" and ", providers)} to every node of the callee first",
            proposal.Request,
            proposal.Plan));
    }

    private bool CheckCallers(DecisionBuilder builder, RolloutProposal proposal)
    {
        var ctx = builder.Context;
        var service = proposal.Service.Service.Name;
        var blockers = new List<Blocker>();
        foreach (var caller in ctx.Services)
        {
            if (caller.Service.Name == service || !caller.Service.DependsOnService(service))
            {
                continue;
            }
            foreach (var release in LiveReleases(ctx, caller))
            {
                foreach (var call in release.Calls)
                {
                    if (call.Service == service && !Serves(proposal.To, call.Operation))
                    {
                        blockers.Add(new Blocker(BlockerKind.Caller, release.ToString(), $"calls '{call.Operation}', which {proposal.To} does not provide"));
                    }
                }
            }
        }
        if (blockers.Count == 0)
        {
            return false;
        }
        return builder.Refuse(Refusal(
            proposal.Subject,
            $"{proposal.To} would remove operations live callers use: {string.Join("; ", blockers.Select(b => $"{b.Id} {b.Detail}"))}",
            blockers,
            $"move the callers ({string.Join(", ", blockers.Select(b => b.Id).Distinct())}) to releases that no longer call them first",
            proposal.Request,
            proposal.Plan));
    }

    public override bool CheckDataPhase(DecisionBuilder builder, DataPhaseProposal proposal)
    {
        var ctx = builder.Context;
        var blockers = new List<Blocker>();
        foreach (var phase in ctx.Phases)
        {
            if (phase.State == DataPhaseState.Running && phase.Store == proposal.Store &&
                !(phase.Change == proposal.Change.Id && phase.Phase == proposal.Phase))
            {
                blockers.Add(new Blocker(BlockerKind.Store, phase.Store, $"{phase.Change} {Names.Of(phase.Phase)} is running on {phase.Store}"));
            }
        }
        foreach (var index in ctx.Services)
        {
            if (index.InFlight is not { } r)
            {
                continue;
            }
            var from = index.Service.Find(r.From);
            var to = index.Service.Find(r.To);
            var touches = new[] { from, to }.Any(rel => rel is not null && (rel.Needs.Contains(proposal.Change.Id) || rel.UsesOldShapeOf.Contains(proposal.Change.Id)));
            if (touches)
            {
                blockers.Add(new Blocker(BlockerKind.Rollout, r.Id, $"{index.Service.Name} {r.From} -> {r.To} is in flight ({Names.Of(r.Phase)}) and depends on {proposal.Change.Id}"));
            }
        }
        if (blockers.Count == 0)
        {
            return false;
        }
        return builder.Refuse(Refusal(
            proposal.Subject,
            $"{proposal.Subject} would change two things at once: {string.Join("; ", blockers.Select(b => b.Detail))}",
            blockers,
            "wait for " + string.Join(" and ", blockers.Select(b => b.Kind == BlockerKind.Rollout ? $"rollout {b.Id} to finish" : $"the phase on {b.Id} to finish")),
            proposal.Request,
            proposal.Plan));
    }
}
