using Stepwise.Api;
using Stepwise.Core.Analysis;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Server.Http;

/// <summary>How the API shows the state: one builder per view, so every endpoint shows a thing the same way.</summary>
internal static class Views
{
    public static ReleaseView Release(EffectiveConfig config, Release r) =>
        new(r.Service, r.Version, r.Ordinal, config.ArtifactOf(r.Service, r.Version), r.Provides, r.Deprecates,
            r.NeedsAsWritten.ToList(), r.UsesOldShapeOf, config.Registration(r.Service, r.Version)?.RegisteredAt);

    public static NodeView Node(Node n) => new(n.Id, n.Service, n.ActualRelease, n.DesiredRelease, n.Health, n.State, n.LastHeartbeat, n.StateSince, n.MayServe);

    /// <summary>A rollout; while it bakes under analysis, with the judgement of what this stage collected so far.</summary>
    public static RolloutView Rollout(Rollout r, IReadOnlyList<Node> nodes, ServerRuntime rt)
    {
        var mine = nodes.Where(n => n.Service == r.Service && n.Counts).ToList();
        AnalysisView? analysis = null;
        if (r.InFlight && RolloutPhases.Analysed(r.Phase))
        {
            var result = StageAnalysis.Judge(rt.Config.Config.Policy.Analysis, rt.Planner.AnalysisSamples(rt.Config.Config, null), r.Id, r.Phase);
            analysis = new AnalysisView(r.Phase, result.Verdict, result.Score, result.Summary, result.Metrics);
        }
        return new RolloutView(r.Id, r.Service, r.From, r.To, r.Phase, r.Wave, r.PhaseSince, r.CanaryNodes, r.Reason, r.Plan,
            mine.Count(n => n.ActualRelease == r.To), mine.Count, analysis, r.WaitsFor, r.Phase == RolloutPhase.Paused ? r.PausedFrom : null);
    }

    public static List<ServiceView> Services(StepwiseConfig config, ControlState control, IReadOnlyList<Node> nodes) =>
        config.Services.Select(s => new ServiceView(
            s.Name,
            control.Services.FirstOrDefault(x => x.Service == s.Name)?.Current,
            s.DependsOn.Select(d => d.Service).ToList(),
            s.Releases.Select(r => r.Version).ToList(),
            control.Rollouts.LastOrDefault(r => r.Service == s.Name && r.InFlight)?.Id,
            nodes.Where(n => n.Service == s.Name && n.Counts).GroupBy(n => n.ActualRelease ?? "none").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)))
        .ToList();

    /// <summary>The linked configuration as GET /config shows it: every derived relation spelled out.</summary>
    public static ConfigView Config(StepwiseConfig config) => ConfigViews.Of(config);
}
