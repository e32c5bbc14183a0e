using Stepwise.Core.Analysis;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Rollouts;

/// <summary>
/// When an analysed stage (canary bake, rehearsal bake, waves) is judged. As Argo Rollouts and Kayenta take a
/// measurement once per interval, a stage's analysis is judged once per <c>analysis.interval</c>, and again whenever
/// the stage is about to end. Between judgments the stage bakes on: judging every tick would test the same
/// hypothesis over and over on barely changed samples, which raises the chance that noise alone fails a good canary,
/// and costs a full analysis per tick. A failure is therefore acted on at most one interval after the samples show it.
/// </summary>
internal static class StageJudgement
{
    /// <summary>Whether an interval has passed since the current stage was last judged (or it never was).</summary>
    public static bool Due(DecisionContext ctx, Rollout rollout) =>
        rollout.AnalysedAt is not { } at || at < rollout.PhaseSince || ctx.Now - at >= ctx.Policy.Analysis.Interval;

    public static AnalysisResult Judge(DecisionContext ctx, Rollout rollout, RolloutPhase stage) =>
        StageAnalysis.Judge(ctx.Policy.Analysis, ctx.Snapshot.Samples, rollout.Id, stage);

    public static RecordAnalysis Record(Rollout rollout, RolloutPhase stage, AnalysisResult result) =>
        new(rollout.Id, stage, result.Verdict, result.Score, result.Summary, $"analysis of {rollout.Id} in {Names.Of(stage)}") { Metrics = result.Metrics };
}
