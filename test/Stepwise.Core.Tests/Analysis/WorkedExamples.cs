using Stepwise.Core.Analysis;

namespace Stepwise.Core.Tests.Analysis;

/// <summary>
/// Data of the worked examples. The expected statistics stated in the tests were computed from these
/// same lists by reference_statistics.py (next to this file; Python standard library only, by brute
/// force over all pairs and exact integer arithmetic), unless a test names another source.
/// </summary>
internal static class WorkedExamples
{
    public static readonly double[] Baseline20 =
    [
        101, 97, 104, 99, 103, 98, 100, 102, 96, 105,
        94, 106, 99.5, 100.5, 103.5, 97.5, 101.5, 98.5, 102.5, 95.5,
    ];

    /// <summary>Baseline20 + 30: every canary point is above every baseline point.</summary>
    public static readonly double[] Regressed20 = Baseline20.Select(x => x + 30).ToArray();

    /// <summary>Baseline20 - 30: every canary point is below every baseline point.</summary>
    public static readonly double[] Improved20 = Baseline20.Select(x => x - 30).ToArray();

    /// <summary>Latencies in whole milliseconds, so many values tie.</summary>
    public static readonly double[] TiedBaseline = [12, 13, 13, 14, 14, 14, 15, 15, 16, 18, 12, 13, 14, 14, 15, 15, 15, 16, 17, 20];

    public static readonly double[] TiedCanary = [14, 15, 15, 16, 16, 17, 17, 18, 19, 21, 15, 16, 16, 17, 17, 18, 18, 19, 20, 23];

    /// <summary>A +10 shift on a baseline median of 99.9: with tolerance 10% the interval straddles the band edge.</summary>
    public static readonly double[] StraddleBaseline =
    [
        100.0, 96.1, 104.3, 99.2, 102.8, 97.4, 101.6, 95.3, 103.9, 98.7,
        100.9, 94.8, 105.2, 99.8, 102.1, 96.9, 101.2, 97.9, 103.4, 98.3,
        100.4, 95.9, 104.8, 99.5, 102.5, 97.1, 101.9, 96.5, 103.1, 98.9,
    ];

    public static readonly double[] StraddleCanary =
    [
        109.6, 113.8, 106.2, 111.1, 108.3, 112.7, 107.4, 114.9, 110.2, 105.1,
        111.8, 108.9, 113.1, 106.8, 110.7, 109.1, 112.2, 107.9, 115.6, 104.4,
        110.5, 108.6, 111.4, 107.1, 113.4, 109.9, 106.5, 112.9, 108.1, 110.9,
    ];

    /// <summary>ClickHouse's Mann-Whitney test data (tests/queries/0_stateless/01560_mann_whitney.sql), "left" group.</summary>
    public static readonly double[] ClickHouseLeft =
    [
        310, 195, 530, 155, 530, 245, 385, 450, 465, 545,
        170, 180, 125, 180, 230, 75, 430, 480, 495, 295,
    ];

    /// <summary>The "right" group of the same ClickHouse test.</summary>
    public static readonly double[] ClickHouseRight =
    [
        116, 171, 176, 421, 111, 326, 481, 111, 346, 441,
        261, 411, 206, 521, 456, 446, 296, 51, 426, 261,
    ];

    public static MetricSamples Distribution(string name, double[] canary, double[] baseline) => new(name, canary, baseline);

    public static MetricSamples Rate(string name, long canaryEvents, long canaryTotal, long baselineEvents, long baselineTotal) =>
        new(name, [], [], canaryEvents, canaryTotal, baselineEvents, baselineTotal);

    public static AnalysisInput Input(IReadOnlyList<MetricSpec> metrics, IReadOnlyList<MetricSamples> samples, ScoreThresholds? thresholds = null) =>
        new(metrics, samples, thresholds ?? ScoreThresholds.Default);
}
