using Stepwise.Core.Analysis;

namespace Stepwise.Core.Tests.Analysis;

/// <summary>
/// Analysis verdicts and settings are persisted and sent over the API: these golden tables may only
/// grow. Changing a value or a name breaks stored rollouts and clients.
/// </summary>
public class AnalysisEnumStabilityTests
{
    private static void ShouldMatchGolden<TEnum>(params (string Name, int Value)[] golden)
        where TEnum : struct, Enum
    {
        var actual = Enum.GetValues<TEnum>().Select(v => (v.ToString(), Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        actual.ShouldBe(golden, $"{typeof(TEnum).Name} values are persisted; add new members at the end, never renumber");
    }

    [Fact]
    public void metric_verdict_values_are_pinned() =>
        ShouldMatchGolden<MetricVerdict>(("Pass", 0), ("High", 1), ("Low", 2), ("NoData", 3));

    [Fact]
    public void metric_outcome_values_are_pinned() =>
        ShouldMatchGolden<MetricOutcome>(("Passing", 0), ("Failing", 1), ("Undecided", 2), ("NoData", 3));

    [Fact]
    public void analysis_verdict_values_are_pinned() =>
        ShouldMatchGolden<AnalysisVerdict>(("Pass", 0), ("Marginal", 1), ("Fail", 2), ("Inconclusive", 3), ("NoData", 4));

    [Fact]
    public void metric_kind_values_are_pinned() =>
        ShouldMatchGolden<MetricKind>(("Distribution", 0), ("Rate", 1));

    [Fact]
    public void fail_on_values_are_pinned() =>
        ShouldMatchGolden<FailOn>(("Increase", 0), ("Decrease", 1), ("Either", 2));
}
