using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core;

/// <summary>
/// Runs a plan one step at a time: a step starts only when the one before is complete on 100% of its targets and
/// (for data phases that code will need) has baked; a release step is complete when its rollout is Complete, which
/// includes the rollback rehearsal. A refused step stays put and is reported every call until unblocked.
/// </summary>
internal static class Plans
{
    public static void Step(DecisionBuilder builder, PlanProgress progress)
    {
        var ctx = builder.Context;
        if (progress.State != PlanState.Running)
        {
            if (progress.State is PlanState.Paused or PlanState.Failed)
            {
                builder.WantAlert(new Alert($"plan:{progress.Plan}", AlertSeverity.Warning, null, $"plan {progress.Plan} is {Names.Of(progress.State)} at step {progress.Step + 1}: {progress.Reason}"));
            }
            return;
        }
        var plan = ctx.Config.FindPlan(progress.Plan);
        if (plan is null)
        {
            return;
        }
        if (progress.Step >= plan.Steps.Count)
        {
            builder.Add(new AdvancePlan(plan.Id, plan.Steps.Count, PlanState.Complete, "every step is complete"));
            return;
        }
        var step = plan.Steps[progress.Step];
        var next = progress.Step + 1;
        var nextState = next >= plan.Steps.Count ? PlanState.Complete : PlanState.Running;
        if (step.Kind == PlanStepKind.DataPhase)
        {
            var change = ctx.Config.FindChange(step.Change)!;
            var phase = step.Phase!.Value;
            var status = ctx.Phase(change.Id, phase, step.Store!);
            switch (status?.State)
            {
                case DataPhaseState.Complete:
                    // Expand and backfill bake before anything that follows relies on them; the contract needs no bake.
                    var bakeUntil = phase == DataPhaseKind.Contract ? status.CompletedAt : status.CompletedAt + ctx.Policy.DataBake;
                    if (bakeUntil is null || ctx.Now >= bakeUntil)
                    {
                        builder.Add(new AdvancePlan(plan.Id, next, nextState, $"step {progress.Step + 1} ({step}) complete"));
                    }
                    return;
                case DataPhaseState.Running:
                    return;
                case DataPhaseState.Failed:
                    builder.Add(new AdvancePlan(plan.Id, progress.Step, PlanState.Paused, $"step {progress.Step + 1} ({step}) failed; fix it and resume the plan"));
                    return;
                default:
                    Decider.TryRunDataPhase(builder, change, phase, step.Store!, null, plan.Id);
                    return;
            }
        }

        var index = ctx.Index(step.Service!)!;
        var release = index.Service.Find(step.Version)!;
        var rollout = ctx.Rollouts.LastOrDefault(r => r.Service == step.Service && r.To == step.Version && r.Plan == plan.Id);
        if (rollout is null && index.Current?.Version == step.Version && index.InFlight is null)
        {
            builder.Add(new AdvancePlan(plan.Id, next, nextState, $"step {progress.Step + 1} ({step}): {step.Service} already runs {step.Version}"));
            return;
        }
        switch (rollout?.Phase)
        {
            case null:
                Decider.TryStartRollout(builder, index, release, null, plan.Id);
                return;
            case RolloutPhase.Complete:
                builder.Add(new AdvancePlan(plan.Id, next, nextState, $"step {progress.Step + 1} ({step}) complete"));
                return;
            case RolloutPhase.RolledBack or RolloutPhase.Aborted or RolloutPhase.Failed when progress.StepSince is { } since && rollout.PhaseSince < since:
                // The step was resumed after that rollout ended: try again.
                Decider.TryStartRollout(builder, index, release, null, plan.Id);
                return;
            case RolloutPhase.RolledBack or RolloutPhase.Aborted or RolloutPhase.Failed:
                builder.Add(new AdvancePlan(plan.Id, progress.Step, PlanState.Paused, $"step {progress.Step + 1} ({step}): rollout {rollout.Id} ended {Names.Of(rollout.Phase)}; fix the release and resume the plan"));
                return;
            default:
                return;
        }
    }
}
