using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>
/// G1 version-window: a service runs at most two adjacent releases, N and N+1. A node that is offline but not
/// decommissioned still counts (so does a quarantined one, until it has been moved forward).
/// Gate: a rollout to a release more than one step away from any counted node is refused.
/// Watch: an alert while the service's counted nodes span more than two adjacent releases.
/// </summary>
public class G1VersionWindow : Guarantee
{
    public override GuaranteeId Id => GuaranteeId.G1;

    public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal)
    {
        var ctx = builder.Context;
        var service = proposal.Service.Service;
        var to = proposal.To.Ordinal;
        // Upgrading to N+1 leaves room for N only; a deliberate downgrade to N leaves room for N+1 only.
        var (low, high) = to >= proposal.From.Ordinal ? (to - 1, to) : (to, to + 1);
        var outside = new List<Node>();
        foreach (var node in proposal.Service.Nodes)
        {
            if (ctx.StateOf(node) == NodeState.Decommissioned)
            {
                continue;
            }
            var actual = proposal.Service.OrdinalOf(node.ActualRelease);
            var desired = proposal.Service.OrdinalOf(ctx.DesiredOf(node));
            if ((actual >= 0 && (actual < low || actual > high)) || (desired >= 0 && (desired < low || desired > high)))
            {
                outside.Add(node);
            }
        }
        if (outside.Count == 0)
        {
            return false;
        }
        var byRelease = outside.GroupBy(n => n.ActualRelease ?? "?").OrderBy(g => service.OrdinalOf(g.Key)).ToList();
        var offline = outside.Count(n => ctx.StateOf(n) == NodeState.Offline);
        var described = string.Join("; ", byRelease.Select(g =>
            $"{Plural(g.Count(), "node", "nodes")} on {g.Key} ({List(g.Select(n => n.Id).ToList())})"));
        var inFlight = proposal.Service.InFlight;
        var unblock = inFlight is not null
            ? $"finish or roll back the {inFlight.From} -> {inFlight.To} rollout before starting {proposal.To.Version}"
            : to > proposal.From.Ordinal + 1 || byRelease.Any(g => service.OrdinalOf(g.Key) < low)
                ? $"roll {service.Name} through {service.At(to - 1)?.Version ?? "the release before"} on every node first" + (offline > 0 ? $" ({Plural(offline, "node is", "nodes are")} offline: bring {(offline == 1 ? "it" : "them")} back or decommission {(offline == 1 ? "it" : "them")})" : "")
                : $"move the listed nodes into {service.At(low)?.Version}..{service.At(high)?.Version} first";
        return builder.Refuse(Refusal(
            proposal.Subject,
            $"{service.Name} {proposal.To.Version} would put more than two adjacent releases in the fleet: {described}",
            outside.Select(n => new Blocker(BlockerKind.Node, n.Id, $"{n.ActualRelease ?? "?"}, {Names.Of(ctx.StateOf(n))}")),
            unblock,
            proposal.Request,
            proposal.Plan));
    }

    /// <summary>
    /// The lowest and highest release ordinal that counted nodes report (quarantined nodes count: they run the release
    /// even while they do not serve). Taken from the index's per-release counts unless this call decommissioned or
    /// re-enabled a node of the service, in which case the fleet is scanned as it stands now.
    /// </summary>
    private static (int Min, int Max) ReportedRange(DecisionContext ctx, ServiceIndex index)
    {
        var changed = ctx.PendingState.Any(p => index.Node(p.Key) is { } n && (p.Value == NodeState.Decommissioned) != (n.State == NodeState.Decommissioned));
        if (!changed)
        {
            var counts = index.Reporting;
            var low = Array.FindIndex(counts, c => c > 0);
            return (low < 0 ? int.MaxValue : low, Array.FindLastIndex(counts, c => c > 0));
        }
        var min = int.MaxValue;
        var max = -1;
        foreach (var node in index.Nodes)
        {
            if (ctx.StateOf(node) == NodeState.Decommissioned)
            {
                continue;
            }
            var ordinal = index.OrdinalOf(node.ActualRelease);
            if (ordinal >= 0)
            {
                min = Math.Min(min, ordinal);
                max = Math.Max(max, ordinal);
            }
        }
        return (min, max);
    }

    public override void Observe(DecisionBuilder builder)
    {
        var ctx = builder.Context;
        foreach (var index in ctx.Services)
        {
            var (min, max) = ReportedRange(ctx, index);
            if (max >= 0 && max - min > 1)
            {
                builder.WantAlert(new Alert($"skew:{index.Service.Name}", AlertSeverity.Critical, Id,
                    $"{index.Service.Name} runs releases {index.Service.At(min)!.Version} to {index.Service.At(max)!.Version} at once (more than two adjacent releases)"));
            }
        }
    }
}
