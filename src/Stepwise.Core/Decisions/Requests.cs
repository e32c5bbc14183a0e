using Stepwise.Core;
using Stepwise.Core.Model;
using Stepwise.Core.Rollouts;

namespace Stepwise.Core.Decisions;

/// <summary>Turns operator requests into actions, or refusals with reasons. Every request is completed exactly once.</summary>
internal static class Requests
{
    public static void Handle(DecisionBuilder builder, OperatorRequest request)
    {
        var ctx = builder.Context;
        switch (request.Kind)
        {
            case RequestKind.StartRollout:
            {
                var index = ctx.Index(request.Service ?? "");
                var release = index?.Service.Find(request.Version);
                if (index is null || release is null)
                {
                    builder.Add(new CompleteRequest(request.Id, false, $"unknown release {request.Service}@{request.Version}"));
                    return;
                }
                if (index.Current?.Version == release.Version && index.InFlight is null)
                {
                    builder.Add(new CompleteRequest(request.Id, true, $"{release} is already the current release"));
                    return;
                }
                var started = Decider.TryStartRollout(builder, index, release, request.Id, null);
                builder.Add(new CompleteRequest(request.Id, started, started ? $"rollout of {release} started" : $"rollout of {release} refused"));
                return;
            }
            case RequestKind.RunDataPhase:
            {
                var change = ctx.Config.FindChange(request.Change);
                if (change is null || request.Phase is not { } phase || !change.Declares(phase))
                {
                    builder.Add(new CompleteRequest(request.Id, false, $"unknown data change or phase: {request.Change} {request.Phase}"));
                    return;
                }
                var store = request.Store ?? (change.Stores.Count == 1 ? change.Stores[0] : null);
                if (store is null || !change.Stores.Contains(store))
                {
                    builder.Add(new CompleteRequest(request.Id, false, $"data change {change.Id} runs on {string.Join(", ", change.Stores)}; name one store"));
                    return;
                }
                if (ctx.Phase(change.Id, phase, store)?.State is DataPhaseState.Complete or DataPhaseState.Running)
                {
                    builder.Add(new CompleteRequest(request.Id, true, $"{change.Id} {Names.Of(phase)} on {store} is already {Names.Of(ctx.Phase(change.Id, phase, store)!.State)}"));
                    return;
                }
                var ran = Decider.TryRunDataPhase(builder, change, phase, store, request.Id, null);
                builder.Add(new CompleteRequest(request.Id, ran, ran ? "data phase started" : "data phase refused"));
                return;
            }
            case RequestKind.PauseRollout:
            case RequestKind.ResumeRollout:
            case RequestKind.AbortRollout:
            case RequestKind.PromoteRollout:
            case RequestKind.ApproveRollout:
                HandleRolloutRequest(builder, request);
                return;
            case RequestKind.DecommissionNode:
            {
                var node = ctx.Snapshot.Nodes.FirstOrDefault(n => n.Id == request.Node);
                if (node is null)
                {
                    builder.Add(new CompleteRequest(request.Id, false, $"unknown node {request.Node}"));
                    return;
                }
                builder.Add(new DecommissionNode(node.Id, node.Service, $"decommissioned by an operator: {request.Reason ?? "no reason given"}"));
                ctx.PendingState[node.Id] = NodeState.Decommissioned;
                builder.Add(new CompleteRequest(request.Id, true, $"{node.Id} decommissioned"));
                return;
            }
            case RequestKind.EnableNode:
            {
                var node = ctx.Snapshot.Nodes.FirstOrDefault(n => n.Id == request.Node);
                if (node is null)
                {
                    builder.Add(new CompleteRequest(request.Id, false, $"unknown node {request.Node}"));
                    return;
                }
                if (ctx.StateOf(node) != NodeState.Decommissioned)
                {
                    builder.Add(new CompleteRequest(request.Id, true, $"{node.Id} is not decommissioned ({Names.Of(ctx.StateOf(node))}); nothing to do"));
                    return;
                }
                builder.Add(new EnableNode(node.Id, node.Service, $"enabled by an operator: {request.Reason ?? "no reason given"}; it rejoins like a returning node"));
                ctx.PendingState[node.Id] = NodeState.Offline;
                // It rejoins at once when it heartbeats: admitted on a sanctioned release, quarantined on any other.
                ctx.Guarantees.G2.ObserveNode(builder, ctx.Index(node.Service)!, node);
                builder.Add(new CompleteRequest(request.Id, true, $"{node.Id} enabled: it rejoins on its next heartbeat"));
                return;
            }
            case RequestKind.RetireRelease:
                Retirement.Handle(builder, request);
                return;
            case RequestKind.RegisterRelease:
                Registration.Handle(builder, request);
                return;
            case RequestKind.StartPlan:
            {
                var plan = ctx.Config.FindPlan(request.Plan);
                if (plan is null)
                {
                    builder.Add(new CompleteRequest(request.Id, false, $"unknown plan {request.Plan}"));
                    return;
                }
                var progress = ctx.Snapshot.Plans.FirstOrDefault(p => p.Plan == plan.Id);
                if (progress is { State: PlanState.Running or PlanState.Complete })
                {
                    builder.Add(new CompleteRequest(request.Id, true, $"plan {plan.Id} is already {Names.Of(progress.State)}"));
                    return;
                }
                var step = progress?.Step ?? 0;
                builder.Add(new AdvancePlan(plan.Id, step, PlanState.Running, progress is null ? $"plan {plan.Id} started" : $"plan {plan.Id} resumed at step {step + 1}"));
                // A plan paused by a failed data phase ("fix it and resume the plan"): resuming it is running that phase
                // again, through the same gates as any run (a refused run leaves the step failed, and the plan pauses).
                if (progress is { State: PlanState.Paused } && step < plan.Steps.Count && plan.Steps[step] is { Kind: PlanStepKind.DataPhase } dataStep &&
                    ctx.Phase(dataStep.Change!, dataStep.Phase!.Value, dataStep.Store!) is { State: DataPhaseState.Failed } &&
                    ctx.Config.FindChange(dataStep.Change) is { } change)
                {
                    Decider.TryRunDataPhase(builder, change, dataStep.Phase.Value, dataStep.Store!, null, plan.Id);
                }
                builder.Add(new CompleteRequest(request.Id, true, $"plan {plan.Id} running"));
                return;
            }
            default:
                builder.Add(new CompleteRequest(request.Id, false, $"unknown request kind {request.Kind}"));
                return;
        }
    }

    private static void HandleRolloutRequest(DecisionBuilder builder, OperatorRequest request)
    {
        var ctx = builder.Context;
        var rollout = ctx.Rollouts.LastOrDefault(r => r.Id == request.Rollout) ??
                      (request.Service is not null ? ctx.InFlight(request.Service) : null);
        if (rollout is null || !rollout.InFlight)
        {
            builder.Add(new CompleteRequest(request.Id, false, $"no rollout in flight matches {request.Rollout ?? request.Service}"));
            return;
        }
        var index = ctx.Index(rollout.Service)!;
        var why = request.Reason ?? "by an operator";
        switch (request.Kind)
        {
            case RequestKind.PauseRollout when rollout.Phase != RolloutPhase.Paused:
                builder.Add(new PauseRollout(rollout.Id, rollout.Phase, $"paused by an operator: {why}"));
                builder.Add(new CompleteRequest(request.Id, true, "paused"));
                return;
            case RequestKind.ApproveRollout:
                ApprovalRule.Approve(builder, rollout, request);
                return;
            case RequestKind.ResumeRollout when ApprovalRule.RefuseResume(builder, rollout, request):
                return;
            case RequestKind.ResumeRollout when rollout.Phase == RolloutPhase.Paused:
                builder.Add(new AdvanceRollout(rollout.Id, RolloutPhase.Paused, rollout.PausedFrom ?? RolloutPhase.Canary, rollout.Wave, $"resumed by an operator: {why}"));
                builder.Add(new CompleteRequest(request.Id, true, "resumed"));
                return;
            case RequestKind.AbortRollout:
                if (rollout.Phase == RolloutPhase.RollingBack)
                {
                    builder.Add(new CompleteRequest(request.Id, true, "already rolling back"));
                    return;
                }
                RolloutMachine.RollBack(builder, index, rollout, $"aborted by an operator: {why}", abort: true);
                builder.Add(new CompleteRequest(request.Id, true, "aborting: rolling back"));
                return;
            case RequestKind.PromoteRollout:
                if (ctx.Guarantees.G7.CheckPromote(builder, rollout, request.Id))
                {
                    builder.Add(new CompleteRequest(request.Id, false, "promotion refused"));
                    return;
                }
                if (rollout.Phase != RolloutPhase.Waves)
                {
                    builder.Add(new AdvanceRollout(rollout.Id, rollout.Phase, RolloutPhase.Waves, Math.Max(1, rollout.Wave), $"promoted by an operator: {why}"));
                }
                builder.Add(new CompleteRequest(request.Id, true, "promoted"));
                return;
            default:
                builder.Add(new CompleteRequest(request.Id, true, $"nothing to do: the rollout is {Names.Of(rollout.Phase)}"));
                return;
        }
    }
}
