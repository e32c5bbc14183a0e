namespace Stepwise.Core.Analysis;

/// <summary>
/// Judges canary against baseline, metric by metric, then as a whole (Kayenta's semantics, with an
/// explicit Inconclusive). Pure and deterministic: the same input always gives the same result.
/// </summary>
/// <remarks>
/// Overall rules, first match wins (docs/analysis.md explains each):
/// <list type="number">
/// <item>Fail: a critical metric is Failing.</item>
/// <item>NoData: no metric has data.</item>
/// <item>NoData: a critical metric has no data (wait for it).</item>
/// <item>Inconclusive: the metrics with data carry less than half of the total weight.</item>
/// <item>
/// Score thresholds, worked out twice: once with every Undecided metric failing (a critical one
/// then fails the analysis) and once with every Undecided metric passing. If both give the same
/// verdict (Pass, Marginal or Fail), that is the verdict; otherwise Inconclusive.
/// </item>
/// </list>
/// </remarks>
public static class CanaryJudge
{
    /// <exception cref="ArgumentException">The input is malformed; the message says what, where and how to fix it.</exception>
    public static AnalysisResult Judge(AnalysisInput input)
    {
        var samplesByName = AnalysisInputValidator.Validate(input);
        var results = new List<MetricResult>(input.Metrics.Count);
        foreach (var spec in input.Metrics)
        {
            if (!samplesByName.TryGetValue(spec.Name, out var samples))
            {
                results.Add(new MetricResult(spec.Name, MetricVerdict.NoData, "No samples were supplied for this metric.") { MinSamples = spec.MinSamples });
                continue;
            }

            var result = spec.Kind == MetricKind.Distribution
                ? DistributionMetricJudge.Judge(spec, samples, input.Confidence)
                : RateMetricJudge.Judge(spec, samples, input.Confidence);
            results.Add(spec.Kind == MetricKind.Distribution
                ? result with { CanaryCount = samples.Canary.Count, BaselineCount = samples.Baseline.Count, MinSamples = spec.MinSamples }
                : result with { CanaryCount = samples.CanaryTotal, BaselineCount = samples.BaselineTotal, MinSamples = spec.MinSamples });
        }

        return Combine(input.Metrics, results, input.Thresholds);
    }

    private static AnalysisResult Combine(IReadOnlyList<MetricSpec> specs, List<MetricResult> results, ScoreThresholds thresholds)
    {
        double totalWeight = 0, dataWeight = 0, passingWeight = 0, undecidedWeight = 0;
        var criticalFailing = new List<MetricResult>();
        var criticalNoData = new List<MetricResult>();
        var criticalUndecided = false;
        var undecided = new List<MetricResult>();
        for (var i = 0; i < specs.Count; i++)
        {
            var (spec, result) = (specs[i], results[i]);
            totalWeight += spec.Weight;
            if (result.Outcome == MetricOutcome.NoData)
            {
                if (spec.Critical)
                {
                    criticalNoData.Add(result);
                }

                continue;
            }

            dataWeight += spec.Weight;
            switch (result.Outcome)
            {
                case MetricOutcome.Passing:
                    passingWeight += spec.Weight;
                    break;
                case MetricOutcome.Undecided:
                    undecidedWeight += spec.Weight;
                    undecided.Add(result);
                    criticalUndecided |= spec.Critical;
                    break;
                case MetricOutcome.Failing when spec.Critical:
                    criticalFailing.Add(result);
                    break;
            }
        }

        var score = dataWeight > 0 ? 100 * passingWeight / dataWeight : 0;
        var scoreText = $"score {Text.Number(score)} (Pass ≥ {Text.Number(thresholds.Pass)}, Marginal ≥ {Text.Number(thresholds.Marginal)})";
        AnalysisResult Result(AnalysisVerdict verdict, string summary) => new(verdict, score, results, $"{verdict}: {summary}");

        if (criticalFailing.Count > 0)
        {
            return Result(AnalysisVerdict.Fail, $"critical metric {Describe(criticalFailing)} failed; {scoreText}.");
        }

        if (results.TrueForAll(r => r.Outcome == MetricOutcome.NoData))
        {
            return Result(AnalysisVerdict.NoData, "no metric has enough data yet.");
        }

        if (criticalNoData.Count > 0)
        {
            return Result(AnalysisVerdict.NoData, $"critical metric {Names(criticalNoData)} has no data yet; a canary is not judged without its critical metrics.");
        }

        if (dataWeight < totalWeight / 2)
        {
            return Result(
                AnalysisVerdict.Inconclusive,
                $"metrics with data carry {Text.Number(100 * dataWeight / totalWeight)}% of the weight; at least half is needed to score the canary.");
        }

        var pessimistic = criticalUndecided ? AnalysisVerdict.Fail : ByScore(score, thresholds);
        var optimisticScore = 100 * (passingWeight + undecidedWeight) / dataWeight;
        var optimistic = ByScore(optimisticScore, thresholds);
        if (pessimistic != optimistic)
        {
            return Result(
                AnalysisVerdict.Inconclusive,
                $"the verdict depends on undecided metric {Names(undecided)}: {pessimistic} if {(undecided.Count == 1 ? "it fails" : "they fail")} " +
                $"({scoreText}{(criticalUndecided ? ", and a critical metric fails" : string.Empty)}), {optimistic} if {(undecided.Count == 1 ? "it passes" : "they pass")} (score {Text.Number(optimisticScore)}).");
        }

        var note = undecided.Count > 0 ? $"; undecided metric {Names(undecided)} cannot change that" : string.Empty;
        return Result(pessimistic, $"{scoreText}{note}.");
    }

    private static AnalysisVerdict ByScore(double score, ScoreThresholds thresholds) =>
        score >= thresholds.Pass ? AnalysisVerdict.Pass
        : score >= thresholds.Marginal ? AnalysisVerdict.Marginal
        : AnalysisVerdict.Fail;

    private static string Names(List<MetricResult> results) => string.Join(", ", results.Select(r => $"'{r.Name}'"));

    private static string Describe(List<MetricResult> results) => string.Join(", ", results.Select(r => $"'{r.Name}' ({r.Verdict})"));
}
