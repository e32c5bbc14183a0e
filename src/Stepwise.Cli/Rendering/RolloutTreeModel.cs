using System.Globalization;
using Stepwise.Api;
using Stepwise.Core;
using Stepwise.Core.Analysis;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Rendering;

/// <summary>Where a step stands.</summary>
public enum StepState
{
    Done,
    Current,
    Pending,
    Failed,
}

/// <summary>One step of a rollout: canary, bake, rehearsal, rehearsal bake, re-release, each wave.</summary>
public sealed record StepLine(int Number, string Name, StepState State, string? Detail = null);

/// <summary>One analysed metric: canary against baseline, or how many samples it still waits for.</summary>
public sealed record MetricLine(string Name, string Verdict, bool Failing, long CanaryCount, long BaselineCount, int MinSamples,
    double? Canary, double? Baseline, double? Lower, double? Upper, string Reason)
{
    /// <summary>Whether either side has fewer samples than the metric needs before it is judged.</summary>
    public bool Waiting => MinSamples > 0 && Math.Min(CanaryCount, BaselineCount) < MinSamples;
}

/// <summary>A node that holds the rollout up, and why.</summary>
public sealed record BlockerLine(string Node, string Why, string Unblock);

/// <summary>One node under the rollout: its release and state.</summary>
public sealed record NodeLine(string Node, string? Release, string State, bool Canary, bool Ok);

/// <summary>
/// What <c>stepwise rollout get</c> shows, computed from the API's views (the rollout, its service's nodes, the
/// policy) at one instant; <see cref="RolloutTreeRenderer"/> only lays it out.
/// </summary>
public sealed record RolloutTreeModel(
    string Id,
    string Service,
    string From,
    string To,
    string Phase,
    bool Finished,
    bool Succeeded,
    int Step,
    int Steps,
    TimeSpan Elapsed,
    TimeSpan? BakeLeft,
    int NodesOnTo,
    int NodesTotal,
    string? Reason,
    string? AnalysisVerdict,
    double? AnalysisScore,
    IReadOnlyList<StepLine> StepLines,
    IReadOnlyList<MetricLine> Metrics,
    IReadOnlyList<NodeLine> Nodes,
    IReadOnlyList<BlockerLine> Blockers)
{
    public static RolloutTreeModel Of(RolloutView r, IReadOnlyList<NodeView> fleet, Policy policy, DateTimeOffset now)
    {
        var waves = policy.Waves;
        var names = new List<(string Name, string? Detail)>
        {
            ("canary", r.CanaryNodes.Count > 0 ? string.Join(", ", r.CanaryNodes) : null),
            ("bake under analysis", Duration(policy.Bake)),
            ($"rehearse the rollback to {r.From}", null),
            ("rehearsal bake", Duration(policy.RehearsalBake)),
            ($"re-release {r.To}", null),
        };
        for (var i = 0; i < waves.Count; i++)
        {
            names.Add(($"wave {i + 1}: {waves[i].ToString("0.#", CultureInfo.InvariantCulture)}%", null));
        }
        var current = r.Phase switch
        {
            RolloutPhase.Pending => 0,
            RolloutPhase.Canary => 1,
            RolloutPhase.Baking => 2,
            RolloutPhase.Rehearsing => 3,
            RolloutPhase.RehearsalBake => 4,
            RolloutPhase.Rereleasing => 5,
            RolloutPhase.Waves => 5 + Math.Clamp(r.Wave, 1, Math.Max(1, waves.Count)),
            RolloutPhase.Complete => names.Count + 1,
            _ => -1, // paused, rolling back, rolled back, aborted, failed: the view does not say at which step
        };
        var failed = r.Phase is RolloutPhase.RollingBack or RolloutPhase.RolledBack or RolloutPhase.Aborted or RolloutPhase.Failed;
        var steps = names.Select((n, i) => new StepLine(i + 1, n.Name,
            current < 0 ? StepState.Pending : i + 1 < current ? StepState.Done : i + 1 == current ? StepState.Current : StepState.Pending, n.Detail)).ToList();

        var elapsed = now - r.PhaseSince;
        TimeSpan? bake = r.Phase switch
        {
            RolloutPhase.Baking => policy.Bake,
            RolloutPhase.RehearsalBake => policy.RehearsalBake,
            RolloutPhase.Waves when r.Wave < waves.Count => policy.WaveBake,
            _ => null,
        };
        TimeSpan? left = bake is { } b ? (b - elapsed < TimeSpan.Zero ? TimeSpan.Zero : b - elapsed) : null;

        var metrics = (r.Analysis?.Metrics ?? []).Select(m => new MetricLine(m.Name, Kebab(m.Verdict.ToString()), m.Outcome == MetricOutcome.Failing,
            m.CanaryCount, m.BaselineCount, m.MinSamples, m.CanaryValue, m.BaselineValue, m.LowerBound, m.UpperBound, m.Reason)).ToList();

        var mine = fleet.Where(n => n.Service == r.Service && n.State != NodeState.Decommissioned).OrderBy(n => n.Id, StringComparer.Ordinal).ToList();
        var nodes = mine.Select(n => new NodeLine(n.Id, n.ActualRelease, NodeText(n), r.CanaryNodes.Contains(n.Id),
            n.State == NodeState.Active && n.Health != NodeHealth.Unhealthy)).ToList();
        var blockers = RolloutPhases.IsTerminal(r.Phase) ? [] : BlockersOf(r, mine);

        if (r.Phase == RolloutPhase.Waves && blockers.Count > 0)
        {
            left = null; // a wave bakes only once every node it targets reports the release
        }
        return new RolloutTreeModel(r.Id, r.Service, r.From, r.To, Kebab(r.Phase.ToString()), RolloutPhases.IsTerminal(r.Phase), r.Phase == RolloutPhase.Complete,
            Math.Clamp(current, 0, names.Count), names.Count, elapsed, left, r.NodesOnTo, r.NodesTotal, r.Reason,
            r.Analysis is { } a ? Kebab(a.Verdict.ToString()) : null, r.Analysis?.Score, steps, metrics, nodes, blockers);
    }

    private static List<BlockerLine> BlockersOf(RolloutView r, IReadOnlyList<NodeView> nodes)
    {
        var list = new List<BlockerLine>();
        foreach (var n in nodes)
        {
            var since = n.StateSince is { } s ? $" since {s.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}" : "";
            var runs = n.ActualRelease ?? "nothing";
            if (n.State == NodeState.Offline && n.ActualRelease != r.To)
            {
                list.Add(n.DesiredRelease == r.To
                    ? new BlockerLine(n.Id, $"offline{since} on {runs}; the step waits for it to report {r.To}", $"bring it back, or: stepwise node decommission {n.Id}")
                    : new BlockerLine(n.Id, $"offline{since} on {runs}; it still counts for the version window (G1)", $"bring it back, or: stepwise node decommission {n.Id}"));
            }
            else if (n.State == NodeState.Quarantined)
            {
                list.Add(new BlockerLine(n.Id, $"quarantined{since}: runs {runs}, outside the window (G2)", $"it moves to {n.DesiredRelease ?? r.To} by itself"));
            }
            else if (n.Health == NodeHealth.Unhealthy && n.State == NodeState.Active)
            {
                list.Add(new BlockerLine(n.Id, $"unhealthy on {runs}", "check its app and agent logs"));
            }
            else if (n.DesiredRelease == r.To && n.ActualRelease != r.To && n.State == NodeState.Active)
            {
                list.Add(new BlockerLine(n.Id, $"told to run {r.To}, still reports {runs}", "wait for its agent to install and report it"));
            }
        }
        return list;
    }

    /// <summary>As the other rollout commands spell phases and verdicts: "rolled-back", "no-data".</summary>
    private static string Kebab(string name) => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(name);

    private static string NodeText(NodeView n) =>
        n.Health == NodeHealth.Unhealthy && n.State == NodeState.Active ? "unhealthy" : Names.Of(n.State);

    /// <summary>"1h", "5m", "4m12s", "30s".</summary>
    public static string Duration(TimeSpan t)
    {
        if (t < TimeSpan.Zero)
        {
            t = TimeSpan.Zero;
        }
        var total = (long)Math.Ceiling(t.TotalSeconds);
        var (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
        return h > 0 ? (m > 0 ? $"{h}h{m}m" : $"{h}h") : m > 0 ? (s > 0 ? $"{m}m{s}s" : $"{m}m") : $"{s}s";
    }
}
