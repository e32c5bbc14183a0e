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
        var result = CanaryJudge.Judge(new AnalysisInput(analysis.Metrics, relevant, analysis.Thresholds, analysis.Confidence));
        var problems = relevant.Where(s => s.Problem is not null).ToDictionary(s => s.Name, s => s.Problem!, StringComparer.Ordinal);
        return problems.Count == 0 ? result : result with
        {
            Metrics = result.Metrics.Select(m => m.Verdict == MetricVerdict.NoData && problems.TryGetValue(m.Name, out var problem)
                ? m with { Reason = $"{problem}; {m.Reason}" }
                : m).ToList(),
        };
    }

    /// <summary>
    /// The samples of every stage as the judge reads them: what the agents' heartbeats gave (<paramref name="collected"/>),
    /// except for the metrics the policy reads from Prometheus, whose samples are <paramref name="queried"/> (for the
    /// same rollout and stage) or none yet. A heartbeat metric of the same name never stands in for a query.
    /// </summary>
    public static List<RolloutSamples> Combine(AnalysisPolicy analysis, IReadOnlyList<RolloutSamples> collected, IReadOnlyList<RolloutSamples>? queried)
    {
        var fromQueries = analysis.Metrics.Where(m => m.Prometheus is not null).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        if (fromQueries.Count == 0)
        {
            return [.. collected];
        }
        var combined = new List<RolloutSamples>(collected.Count);
        foreach (var stage in collected)
        {
            var extra = queried?.FirstOrDefault(q => q.Rollout == stage.Rollout && q.Stage == stage.Stage)?.Samples ?? [];
            combined.Add(stage with
            {
                Samples = [.. stage.Samples.Where(s => !fromQueries.Contains(s.Name)), .. extra.Where(s => fromQueries.Contains(s.Name))],
            });
        }
        return combined;
    }
}
