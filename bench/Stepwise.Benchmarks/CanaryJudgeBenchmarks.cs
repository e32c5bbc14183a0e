using BenchmarkDotNet.Attributes;
using Stepwise.Core.Analysis;

namespace Stepwise.Benchmarks;

/// <summary>
/// One canary analysis of five latency-like metrics (each canary shifted +3% against its baseline)
/// and one error rate, at several sample sizes per side. The baseline benchmark is the obvious
/// alternative for the costliest step: building and sorting all n×m pairwise differences to take
/// the Hodges-Lehmann median of one metric, which the judge avoids.
/// </summary>
[MemoryDiagnoser]
public class CanaryJudgeBenchmarks
{
    private AnalysisInput input = null!;
    private double[] canary = null!;
    private double[] baseline = null!;

    [Params(100, 1_000, 3_000)]
    public int SamplesPerSide { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(20261121);
        var metrics = new List<MetricSpec>();
        var samples = new List<MetricSamples>();
        for (var i = 0; i < 5; i++)
        {
            var name = $"latency_{i}";
            metrics.Add(new MetricSpec(name, MetricKind.Distribution, Tolerance: 0.05));
            samples.Add(new MetricSamples(name, LogNormal(random, SamplesPerSide, 1.03), LogNormal(random, SamplesPerSide, 1.0)));
        }

        metrics.Add(new MetricSpec("error_rate", MetricKind.Rate, MaxRate: 0.01));
        samples.Add(new MetricSamples("error_rate", [], [], 12, SamplesPerSide * 10L, 9, SamplesPerSide * 10L));
        input = new AnalysisInput(metrics, samples, ScoreThresholds.Default);
        canary = [.. samples[0].Canary];
        baseline = [.. samples[0].Baseline];
    }

    [Benchmark]
    public AnalysisResult Judge() => CanaryJudge.Judge(input);

    /// <summary>Hodges-Lehmann median of one metric by materialising and sorting every pairwise difference.</summary>
    [Benchmark(Baseline = true)]
    public double SortAllPairwiseDifferencesOfOneMetric()
    {
        var differences = new double[canary.Length * baseline.Length];
        var index = 0;
        foreach (var c in canary)
        {
            foreach (var b in baseline)
            {
                differences[index++] = c - b;
            }
        }

        Array.Sort(differences);
        var middle = differences.Length / 2;
        return differences.Length % 2 == 1 ? differences[middle] : (differences[middle - 1] + differences[middle]) / 2;
    }

    // Latency-like values: median 100 ms scaled by factor, right-skewed (Box-Muller normal, exponentiated).
    private static double[] LogNormal(Random random, int count, double factor)
    {
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            values[i] = Math.Round(100 * factor * Math.Exp(0.3 * normal), 2);
        }

        return values;
    }
}
