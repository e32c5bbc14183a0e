using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>
/// G3 data-before-code: a release that needs a data change rolls out only after the change's expand (and its
/// backfill, when declared, unless the release needs the expand only) is complete on every store it touches and has
/// baked for policy.dataBake.
/// Also: a backfill runs only after its expand is complete on that store.
/// </summary>
public class G3DataBeforeCode : Guarantee
{
    public override GuaranteeId Id => GuaranteeId.G3;

    public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal)
    {
        var ctx = builder.Context;
        var blockers = new List<Blocker>();
        var waits = new List<string>();
        foreach (var changeId in proposal.To.Needs)
        {
            var change = ctx.Config.FindChange(changeId);
            if (change is null)
            {
                continue;
            }
            foreach (var store in change.Stores)
            {
                foreach (var phase in proposal.To.PhasesNeeded(change.Id))
                {
                    if (!change.Declares(phase))
                    {
                        continue;
                    }
                    var status = ctx.Phase(change.Id, phase, store);
                    var name = Names.Of(phase);
                    if (status?.State != DataPhaseState.Complete)
                    {
                        var state = Names.Of(status?.State ?? DataPhaseState.Pending);
                        blockers.Add(new Blocker(BlockerKind.Store, store, $"{change.Id} {name}: {state}"));
                        waits.Add($"run {change.Id} {name} on {store} to completion");
                    }
                    else if (status.CompletedAt is { } done && ctx.Now - done < ctx.Policy.DataBake)
                    {
                        var until = done + ctx.Policy.DataBake;
                        blockers.Add(new Blocker(BlockerKind.Store, store, $"{change.Id} {name}: complete, baking until {until:yyyy-MM-ddTHH:mm:ssZ}"));
                        waits.Add($"let {change.Id} {name} on {store} bake until {until:yyyy-MM-ddTHH:mm:ssZ}");
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
            $"{proposal.To} needs data that is not ready: {string.Join("; ", blockers.Select(b => $"{b.Detail} on {b.Id}"))}",
            blockers,
            string.Join("; ", waits.Distinct()) + $", then start {proposal.To}",
            proposal.Request,
            proposal.Plan));
    }

    public override bool CheckDataPhase(DecisionBuilder builder, DataPhaseProposal proposal)
    {
        if (proposal.Phase != DataPhaseKind.Backfill || !proposal.Change.Declares(DataPhaseKind.Expand))
        {
            return false;
        }
        var expand = builder.Context.Phase(proposal.Change.Id, DataPhaseKind.Expand, proposal.Store);
        if (expand?.State == DataPhaseState.Complete)
        {
            return false;
        }
        var state = Names.Of(expand?.State ?? DataPhaseState.Pending);
        return builder.Refuse(Refusal(
            proposal.Subject,
            $"the backfill of {proposal.Change.Id} on {proposal.Store} needs its expand, which is {state}",
            [new Blocker(BlockerKind.Store, proposal.Store, $"{proposal.Change.Id} expand: {state}")],
            $"run {proposal.Change.Id} expand on {proposal.Store} to completion first",
            proposal.Request,
            proposal.Plan));
    }
}
