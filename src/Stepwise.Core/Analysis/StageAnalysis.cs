using Stepwise.Core.Model;

namespace Stepwise.Core.Analysis;

/// <summary>
/// The analysis of one rollout stage: the policy's metrics judged on the samples collected for that stage. What
/// Decide acts on, and what the API, the CLI's watch and the dashboard show while a stage bakes (one place).
/// </summary>
public static class StageAnalysis
{
    public static AnalysisResult Judge(AnalysisPolicy analysis, IReadOnlyList<RolloutSamples> collected, string rollout, RolloutPhase stage)
    {
        if (analysis.Metrics.Count == 0)
        {
            return new AnalysisResult(AnalysisVerdict.Pass, 100, [], "no metrics configured");
        }
        var samples = collected.FirstOrDefault(s => s.Rollout == rollout && s.Stage == stage);
        if (samples is null || samples.Samples.Count == 0)
        {
            return new AnalysisResult(AnalysisVerdict.NoData, 0,
                analysis.Metrics.Select(m => new MetricResult(m.Name, MetricVerdict.NoData, "no samples collected yet") { MinSamples = m.MinSamples }).ToList(),
                "no samples collected yet");
        }
        // Samples come from agents: keep configured metrics only, one entry per metric, finite values only, so a bad
        // report can lower the data available to the judge but never stop Decide.
        var known = analysis.Metrics.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var relevant = samples.Samples
            .Where(s => known.Contains(s.Name))
            .DistinctBy(s => s.Name)
            .Select(s => s with
            {
                Canary = s.Canary.All(double.IsFinite) ? s.Canary : s.Canary.Where(double.IsFinite).ToList(),
                Baseline = s.Baseline.All(double.IsFinite) ? s.Baseline : s.Baseline.Where(double.IsFinite).ToList(),
                CanaryEvents = Math.Max(0, s.CanaryEvents),
                CanaryTotal = Math.Max(Math.Max(0, s.CanaryEvents), s.CanaryTotal),
                BaselineEvents = Math.Max(0, s.BaselineEvents),
                BaselineTotal = Math.Max(Math.Max(0, s.BaselineEvents), s.BaselineTotal),
            })
            .ToList();
        return CanaryJudge.Judge(new AnalysisInput(analysis.Metrics, relevant, analysis.Thresholds, analysis.Confidence));
    }
}
