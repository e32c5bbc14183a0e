using Stepwise.Core;
using Stepwise.Core.Analysis;
using Stepwise.Core.Decisions;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;

namespace Stepwise.Core.Rollouts;

/// <summary>
/// The rollout state machine of ARCHITECTURE.md §4, one step per Decide call:
/// Canary → Baking → Rehearsing → RehearsalBake → Rereleasing → Waves(k) → Complete, with Paused, RollingBack,
/// RolledBack, Aborted and Failed. Every phase handler "ensures" the desired releases of its targets (idempotent),
/// so resuming in any phase after a crash or a pause does the right thing, and no node is told the same thing twice.
/// A phase or wave is done only when 100% of its targets report it: an offline node is not done.
/// </summary>
public static class RolloutMachine
{
    public static void Step(DecisionBuilder builder, Rollout rollout)
    {
        var ctx = builder.Context;
        var index = ctx.Index(rollout.Service);
        if (index is null || !rollout.InFlight)
        {
            return;
        }
        if (rollout.Phase is RolloutPhase.Canary or RolloutPhase.Baking or RolloutPhase.Rehearsing or RolloutPhase.RehearsalBake or RolloutPhase.Rereleasing &&
            ReplaceLostCanaries(builder, index, rollout))
        {
            return;
        }
        switch (rollout.Phase)
        {
            case RolloutPhase.Pending:
                // Created but not started: Decide starts rollouts from requests and plans, which create them in Canary.
                break;
            case RolloutPhase.Canary:
                StepCanary(builder, index, rollout);
                break;
            case RolloutPhase.Baking:
                StepBaking(builder, index, rollout);
                break;
            case RolloutPhase.Rehearsing:
                EnsureCanaries(builder, rollout, rollout.From, "rehearse the rollback: canary back to N");
                if (AllReport(ctx, index, rollout.CanaryNodes, rollout.From))
                {
                    Advance(builder, rollout, RolloutPhase.RehearsalBake, 0, $"canary back on {rollout.From}; baking on N with the data N+1 wrote");
                }
                break;
            case RolloutPhase.RehearsalBake:
                StepRehearsalBake(builder, index, rollout);
                break;
            case RolloutPhase.Rereleasing:
                EnsureCanaries(builder, rollout, rollout.To, "re-release the canary after the rehearsal");
                if (AllReport(ctx, index, rollout.CanaryNodes, rollout.To) &&
                    !ApprovalRule.Hold(builder, rollout, ApprovalGate.BeforeWaves, RolloutPhase.Waves, $"canary re-released on {rollout.To}"))
                {
                    Advance(builder, rollout, RolloutPhase.Waves, 1, $"canary re-released on {rollout.To}; starting wave 1");
                }
                break;
            case RolloutPhase.Waves:
                StepWaves(builder, index, rollout);
                break;
            case RolloutPhase.RollingBack:
                StepRollingBack(builder, index, rollout);
                break;
            case RolloutPhase.Paused when rollout.WaitsFor is { } gate:
                builder.WantAlert(ApprovalRule.Waiting(rollout, gate));
                break;
            case RolloutPhase.Paused:
                builder.WantAlert(new Alert($"paused:{rollout.Id}", AlertSeverity.Warning, GuaranteeId.G7,
                    $"rollout {rollout.Id} ({rollout.Service} {rollout.From} -> {rollout.To}) is paused: {rollout.Reason ?? "by an operator"}"));
                break;
        }
        if (rollout.Phase is not (RolloutPhase.Paused or RolloutPhase.Pending) && ctx.Now - rollout.PhaseSince > ctx.Policy.StuckAfter &&
            Stuck(ctx, index, rollout) is { } why)
        {
            builder.WantAlert(new Alert($"stuck:{rollout.Id}", AlertSeverity.Warning, GuaranteeId.G7,
                $"rollout {rollout.Id} has waited in {Names.Of(rollout.Phase)} since {rollout.PhaseSince:yyyy-MM-ddTHH:mm:ssZ}: {why}"));
        }
    }

    /// <summary>
    /// A canary that can no longer take part (decommissioned, or offline past the heartbeat timeout) is replaced by a
    /// live, healthy node on N that is not a canary yet, and the canary stage starts again with the new set; the lost
    /// canary is told to go back to N. Without a replacement the rollout waits (and is reported stuck).
    /// </summary>
    private static bool ReplaceLostCanaries(DecisionBuilder builder, ServiceIndex index, Rollout rollout)
    {
        var ctx = builder.Context;
        var lost = rollout.CanaryNodes.Where(id => index.Node(id) is not { } n || ctx.StateOf(n) is NodeState.Decommissioned or NodeState.Offline).ToList();
        if (lost.Count == 0)
        {
            return false;
        }
        var canaries = rollout.CanaryNodes.ToHashSet(StringComparer.Ordinal);
        var spare = index.Nodes
            .Where(n => !canaries.Contains(n.Id) && ctx.IsLive(n) && n.Health == NodeHealth.Healthy && n.ActualRelease == rollout.From && (ctx.DesiredOf(n) ?? n.ActualRelease) == rollout.From)
            .OrderBy(n => StableOrder.Of(rollout.Id, n.Id)).ThenBy(n => n.Id, StringComparer.Ordinal)
            .Take(lost.Count).ToList();
        if (spare.Count < lost.Count)
        {
            return false;
        }
        var replacement = rollout.CanaryNodes.Select(id => lost.Contains(id) ? null : id).OfType<string>().Concat(spare.Select(n => n.Id)).ToList();
        var states = lost.Select(id => index.Node(id) is { } n ? $"{id} ({Names.Of(ctx.StateOf(n))})" : id);
        builder.Add(new ReplaceCanary(rollout.Id, replacement, lost, $"canary {string.Join(", ", states)} can no longer take part; {string.Join(", ", spare.Select(n => n.Id))} replaces it and the canary stage starts again"));
        foreach (var id in lost)
        {
            if (index.Node(id) is { } n && ctx.StateOf(n) != NodeState.Decommissioned)
            {
                builder.SetDesired(n, rollout.From, rollout.Id, "replaced as canary: back to N");
            }
        }
        foreach (var node in spare)
        {
            builder.SetDesired(node, rollout.To, rollout.Id, "canary");
        }
        return true;
    }

    /// <summary>Why a rollout cannot progress (the nodes it waits for, or no canary left), or null when it is not stuck.</summary>
    private static string? Stuck(DecisionContext ctx, ServiceIndex index, Rollout rollout)
    {
        var waiting = Waiting(ctx, index, rollout);
        if (waiting.Count > 0)
        {
            return $"{Plural(waiting.Count, "node")} not yet reporting: {string.Join(", ", waiting.Take(5))}{(waiting.Count > 5 ? ", ..." : "")}";
        }
        if (rollout.Phase is RolloutPhase.Canary or RolloutPhase.Baking or RolloutPhase.Rehearsing or RolloutPhase.RehearsalBake or RolloutPhase.Rereleasing &&
            rollout.CanaryNodes.All(id => index.Node(id) is not { } n || ctx.StateOf(n) is NodeState.Decommissioned or NodeState.Offline))
        {
            return $"no canary can take part and no live, healthy node on {rollout.From} can replace one";
        }
        return null;
    }

    private static string Plural(int count, string one) => count == 1 ? $"1 {one}" : $"{count} {one}s";

    private static void StepCanary(DecisionBuilder builder, ServiceIndex index, Rollout rollout)
    {
        EnsureCanaries(builder, rollout, rollout.To, "canary");
        if (CanaryUnhealthy(builder.Context, index, rollout) is { } sick)
        {
            RollBack(builder, index, rollout, $"canary {sick} is unhealthy on {rollout.To}");
            return;
        }
        if (AllReport(builder.Context, index, rollout.CanaryNodes, rollout.To))
        {
            Advance(builder, rollout, RolloutPhase.Baking, 0, $"canary runs {rollout.To}; baking under analysis");
        }
    }

    private static void StepBaking(DecisionBuilder builder, ServiceIndex index, Rollout rollout)
    {
        var ctx = builder.Context;
        EnsureCanaries(builder, rollout, rollout.To, "canary");
        if (CanaryUnhealthy(ctx, index, rollout) is { } sick)
        {
            RollBack(builder, index, rollout, $"canary {sick} is unhealthy on {rollout.To}");
            return;
        }
        var elapsed = ctx.Now - rollout.PhaseSince;
        var final = elapsed >= ctx.Policy.Bake;
        if (!final && !StageJudgement.Due(ctx, rollout))
        {
            return;
        }
        var result = StageJudgement.Judge(ctx, rollout, RolloutPhase.Baking);
        if (result.Verdict == AnalysisVerdict.Fail)
        {
            builder.Add(StageJudgement.Record(rollout, RolloutPhase.Baking, result));
            RollBack(builder, index, rollout, $"canary analysis failed: {result.Summary}");
            return;
        }
        if (!final)
        {
            builder.Add(StageJudgement.Record(rollout, RolloutPhase.Baking, result));
            return;
        }
        var next = ctx.Guarantees.G7.RequiresRehearsal(builder, rollout) ? RolloutPhase.Rehearsing : RolloutPhase.Waves;
        switch (result.Verdict)
        {
            case AnalysisVerdict.Pass:
            case AnalysisVerdict.Marginal when ctx.Policy.Analysis.Marginal == MarginalAction.Proceed:
                builder.Add(StageJudgement.Record(rollout, RolloutPhase.Baking, result));
                if (!ApprovalRule.Hold(builder, rollout, ApprovalGate.AfterCanary, next, $"canary analysis {Names.Of(result.Verdict)} (score {result.Score:0.#})"))
                {
                    Proceed(builder, index, rollout, next, $"canary analysis {Names.Of(result.Verdict)} (score {result.Score:0.#})");
                }
                break;
            case AnalysisVerdict.Marginal:
            case AnalysisVerdict.Inconclusive:
                builder.Add(StageJudgement.Record(rollout, RolloutPhase.Baking, result));
                builder.Add(new PauseRollout(rollout.Id, next, $"canary analysis {Names.Of(result.Verdict)}: {result.Summary}; a person decides (resume to go on, abort to roll back)"));
                break;
            case AnalysisVerdict.NoData when elapsed >= ctx.Policy.Bake + ctx.Policy.Analysis.Timeout:
                builder.Add(StageJudgement.Record(rollout, RolloutPhase.Baking, result));
                builder.Add(new PauseRollout(rollout.Id, next, $"no analysis data after {ctx.Policy.Bake + ctx.Policy.Analysis.Timeout}: {result.Summary}; a person decides"));
                break;
        }
    }

    private static void Proceed(DecisionBuilder builder, ServiceIndex index, Rollout rollout, RolloutPhase next, string why)
    {
        if (next == RolloutPhase.Rehearsing)
        {
            Advance(builder, rollout, RolloutPhase.Rehearsing, 0, $"{why}; rehearsing the rollback to {rollout.From}");
            EnsureCanaries(builder, rollout, rollout.From, "rehearse the rollback: canary back to N");
            return;
        }
        Advance(builder, rollout, RolloutPhase.Waves, 1, $"{why}; rehearsal set aside by override; starting wave 1");
        StepWaves(builder, index, rollout with { Phase = RolloutPhase.Waves, Wave = 1, PhaseSince = builder.Context.Now });
    }

    private static void StepRehearsalBake(DecisionBuilder builder, ServiceIndex index, Rollout rollout)
    {
        var ctx = builder.Context;
        EnsureCanaries(builder, rollout, rollout.From, "rehearse the rollback: canary back to N");
        var sick = rollout.CanaryNodes.FirstOrDefault(id => index.Node(id) is { Health: NodeHealth.Unhealthy, ActualRelease: var a } && a == rollout.From);
        var final = ctx.Now - rollout.PhaseSince >= ctx.Policy.RehearsalBake;
        if (sick is null && !final && !StageJudgement.Due(ctx, rollout))
        {
            return;
        }
        var result = StageJudgement.Judge(ctx, rollout, RolloutPhase.RehearsalBake);
        if (sick is not null || result.Verdict == AnalysisVerdict.Fail)
        {
            builder.Add(StageJudgement.Record(rollout, RolloutPhase.RehearsalBake, result));
            var why = sick is not null ? $"canary {sick} is unhealthy back on {rollout.From}" : $"analysis on {rollout.From} failed: {result.Summary}";
            Advance(builder, rollout, RolloutPhase.Failed, 0, $"rollback rehearsal failed: {why}. {rollout.From} cannot run on the data {rollout.To} wrote, so a rollback would not be safe; the rollout stops here with every node on {rollout.From}");
            builder.WantAlert(new Alert($"rehearsal-failed:{rollout.Id}", AlertSeverity.Critical, GuaranteeId.G7, $"rollout {rollout.Id}: rollback rehearsal failed: {why}"));
            return;
        }
        if (!final)
        {
            builder.Add(StageJudgement.Record(rollout, RolloutPhase.RehearsalBake, result));
            return;
        }
        if (result.Verdict is AnalysisVerdict.Inconclusive or AnalysisVerdict.Marginal && ctx.Policy.Analysis.Marginal == MarginalAction.Pause)
        {
            builder.Add(StageJudgement.Record(rollout, RolloutPhase.RehearsalBake, result));
            builder.Add(new PauseRollout(rollout.Id, RolloutPhase.Rereleasing, $"analysis on {rollout.From} after the rehearsal is {Names.Of(result.Verdict)}: {result.Summary}; a person decides"));
            return;
        }
        builder.Add(StageJudgement.Record(rollout, RolloutPhase.RehearsalBake, result));
        if (ApprovalRule.Hold(builder, rollout, ApprovalGate.AfterRehearsal, RolloutPhase.Rereleasing, $"{rollout.From} ran healthy on the new data"))
        {
            return;
        }
        Advance(builder, rollout, RolloutPhase.Rereleasing, 0, $"{rollout.From} ran healthy on the new data; re-releasing {rollout.To} to the canary");
        EnsureCanaries(builder, rollout, rollout.To, "re-release the canary after the rehearsal");
    }

    private static void StepWaves(DecisionBuilder builder, ServiceIndex index, Rollout rollout)
    {
        var ctx = builder.Context;
        var waves = ctx.Policy.Waves;
        var wave = Math.Clamp(rollout.Wave, 1, waves.Count);
        var last = wave == waves.Count;
        var counted = index.Nodes.Where(n => ctx.StateOf(n) is not (NodeState.Decommissioned or NodeState.Quarantined)).ToList();
        var want = last ? counted.Count : (int)Math.Ceiling(counted.Count * waves[wave - 1] / 100.0);

        // Targets: the nodes already told to run To, plus more (reachable ones first, in a stable per-rollout order)
        // until the wave's share is reached. The last wave targets every counted node, offline ones included.
        var targeted = 0;
        foreach (var node in counted)
        {
            if (ctx.DesiredOf(node) == rollout.To)
            {
                targeted++;
            }
        }
        if (targeted < want)
        {
            var candidates = counted.Where(n => ctx.DesiredOf(n) != rollout.To && (last || ctx.IsLive(n)))
                .OrderBy(n => ctx.IsLive(n) ? 0 : 1)
                .ThenBy(n => StableOrder.Of(rollout.Id, n.Id))
                .ThenBy(n => n.Id, StringComparer.Ordinal)
                .Take(want - targeted);
            foreach (var node in candidates)
            {
                builder.SetDesired(node, rollout.To, rollout.Id, $"wave {wave} of {waves.Count} ({waves[wave - 1]:0.#}%)");
            }
        }

        // 100% of the wave's targets must report, and the wave bake, before the wave counts as done.
        var done = (last || ctx.Now - rollout.PhaseSince >= ctx.Policy.WaveBake)
            && counted.All(node => ctx.DesiredOf(node) != rollout.To || ctx.Reports(node, rollout.To));
        var result = done || StageJudgement.Due(ctx, rollout) ? StageJudgement.Judge(ctx, rollout, RolloutPhase.Waves) : null;
        if (result is { Verdict: AnalysisVerdict.Fail })
        {
            builder.Add(StageJudgement.Record(rollout, RolloutPhase.Waves, result));
            RollBack(builder, index, rollout, $"analysis failed in wave {wave}: {result.Summary}");
            return;
        }
        var unhealthy = counted.FirstOrDefault(n => n.ActualRelease == rollout.To && n.Health == NodeHealth.Unhealthy && ctx.IsLive(n));
        if (unhealthy is not null)
        {
            RollBack(builder, index, rollout, $"{unhealthy.Id} is unhealthy on {rollout.To} in wave {wave}");
            return;
        }
        if (result is not null)
        {
            builder.Add(StageJudgement.Record(rollout, RolloutPhase.Waves, result));
        }
        if (!done)
        {
            return;
        }
        if (last)
        {
            Advance(builder, rollout, RolloutPhase.Complete, wave, $"every node of {rollout.Service} reports {rollout.To}");
            builder.Add(new SetCurrentRelease(rollout.Service, rollout.To, $"rollout {rollout.Id} complete"));
            return;
        }
        Advance(builder, rollout, RolloutPhase.Waves, wave + 1, $"wave {wave} done and baked; starting wave {wave + 1}");
    }

    private static void StepRollingBack(DecisionBuilder builder, ServiceIndex index, Rollout rollout)
    {
        var ctx = builder.Context;
        var done = true;
        foreach (var node in index.Nodes)
        {
            if (ctx.StateOf(node) is NodeState.Decommissioned or NodeState.Quarantined)
            {
                continue;
            }
            if (ctx.DesiredOf(node) == rollout.To || (node.ActualRelease == rollout.To && ctx.DesiredOf(node) != rollout.From))
            {
                builder.SetDesired(node, rollout.From, rollout.Id, $"roll back to {rollout.From}");
            }
            if (node.ActualRelease != rollout.From && node.ActualRelease is not null)
            {
                done = false;
            }
        }
        if (done)
        {
            var end = rollout.AbortRequested ? RolloutPhase.Aborted : RolloutPhase.RolledBack;
            Advance(builder, rollout, end, rollout.Wave, $"every node of {rollout.Service} is back on {rollout.From}");
        }
    }

    /// <summary>Starts rolling back: every node told to run To goes back to From.</summary>
    public static void RollBack(DecisionBuilder builder, ServiceIndex index, Rollout rollout, string why, bool abort = false)
    {
        builder.Add(new RollBackRollout(rollout.Id, abort, why));
        if (!abort)
        {
            builder.WantAlert(new Alert($"rolled-back:{rollout.Id}", AlertSeverity.Critical, GuaranteeId.G7, $"rollout {rollout.Id} ({rollout.Service} {rollout.From} -> {rollout.To}) rolls back by itself: {why}"));
        }
        StepRollingBack(builder, index, rollout with { Phase = RolloutPhase.RollingBack, AbortRequested = abort });
    }

    private static void Advance(DecisionBuilder builder, Rollout rollout, RolloutPhase to, int wave, string why) =>
        builder.Add(new AdvanceRollout(rollout.Id, rollout.Phase, to, wave, why));

    private static void EnsureCanaries(DecisionBuilder builder, Rollout rollout, string release, string why)
    {
        var ctx = builder.Context;
        var index = ctx.Index(rollout.Service)!;
        foreach (var id in rollout.CanaryNodes)
        {
            var node = index.Node(id);
            if (node is not null && ctx.StateOf(node) is not (NodeState.Decommissioned or NodeState.Quarantined))
            {
                builder.SetDesired(node, release, rollout.Id, why);
            }
        }
    }

    private static bool AllReport(DecisionContext ctx, ServiceIndex index, IReadOnlyList<string> ids, string release)
    {
        var any = false;
        foreach (var id in ids)
        {
            var node = index.Node(id);
            if (node is null || ctx.StateOf(node) == NodeState.Decommissioned)
            {
                continue;
            }
            any = true;
            if (!ctx.Reports(node, release))
            {
                return false;
            }
        }
        return any;
    }

    private static string? CanaryUnhealthy(DecisionContext ctx, ServiceIndex index, Rollout rollout) =>
        rollout.CanaryNodes.FirstOrDefault(id => index.Node(id) is { } n && n.ActualRelease == rollout.To && n.Health == NodeHealth.Unhealthy && ctx.IsLive(n));

    private static List<string> Waiting(DecisionContext ctx, ServiceIndex index, Rollout rollout)
    {
        var release = rollout.CanaryRelease;
        var list = new List<string>();
        foreach (var node in index.Nodes)
        {
            if (ctx.StateOf(node) is NodeState.Decommissioned or NodeState.Quarantined)
            {
                continue;
            }
            if (ctx.DesiredOf(node) == release && !ctx.Reports(node, release))
            {
                list.Add(ctx.StateOf(node) == NodeState.Offline ? $"{node.Id} (offline)" : node.Id);
            }
        }
        return list;
    }

}

/// <summary>A stable pseudo-random order of nodes per rollout (FNV-1a), so canaries and waves spread across the fleet deterministically.</summary>
public static class StableOrder
{
    public static ulong Of(string salt, string id)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in salt)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        hash = (hash ^ '/') * 1099511628211UL;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }
        return hash;
    }
}
