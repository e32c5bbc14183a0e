using Stepwise.Core.Analysis;

namespace Stepwise.Core.Model;

/// <summary>How many nodes the canary takes: a fixed count, or a percentage of the service's nodes (at least one).</summary>
public sealed record CanaryPolicy(int? Nodes, double? Percent)
{
    public static CanaryPolicy Default { get; } = new(1, null);

    public int SizeFor(int serviceNodes)
    {
        if (serviceNodes <= 0)
        {
            return 0;
        }
        var size = Nodes ?? (int)Math.Ceiling(serviceNodes * (Percent ?? 0) / 100.0);
        return Math.Clamp(size, 1, serviceNodes);
    }
}

/// <summary>What a Marginal analysis does. Persisted: values pinned.</summary>
public enum MarginalAction
{
    Pause = 0,
    Proceed = 1,
}

/// <summary>Canary analysis settings.</summary>
/// <param name="Interval">How often the analysis runs while a stage bakes; a Fail acts at once.</param>
/// <param name="Timeout">How long past the bake a stage waits for enough data before pausing as Inconclusive.</param>
public sealed record AnalysisPolicy(
    IReadOnlyList<MetricSpec> Metrics,
    ScoreThresholds Thresholds,
    TimeSpan Interval,
    TimeSpan Timeout,
    MarginalAction Marginal,
    double Confidence = 0.95)
{
    public static AnalysisPolicy Default { get; } = new(
        [
            new MetricSpec(StandardMetrics.ErrorRate, MetricKind.Rate, FailOn.Increase, Weight: 1, Critical: true, Tolerance: 0.5, MaxRate: 0.01, MinSamples: 50),
            new MetricSpec(StandardMetrics.LatencyMs, MetricKind.Distribution, FailOn.Increase, Weight: 1, Critical: false, Tolerance: 0.2, MinSamples: 20),
        ],
        ScoreThresholds.Default,
        TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(10),
        MarginalAction.Pause);
}

/// <summary>How long things are kept or waited for.</summary>
/// <param name="DecommissionOfflineAfter">An offline node is decommissioned after this long (null: never; an operator must).</param>
/// <param name="ClientTelemetry">How long client-version telemetry is kept (G6/G8 caller checks look back this far).</param>
/// <param name="Events">How long the event log is kept.</param>
public sealed record RetentionPolicy(TimeSpan? DecommissionOfflineAfter, TimeSpan ClientTelemetry, TimeSpan Events)
{
    public static RetentionPolicy Default { get; } = new(null, TimeSpan.FromDays(30), TimeSpan.FromDays(90));
}

/// <summary>Rollout and data policy, shared by all services.</summary>
/// <param name="Bake">How long the canary bakes on N+1 under analysis.</param>
/// <param name="RehearsalBake">How long the canary bakes back on N (reading what N+1 wrote).</param>
/// <param name="WaveBake">How long each wave bakes before the next.</param>
/// <param name="Waves">Cumulative percentages of the service's nodes per wave; the last is 100.</param>
/// <param name="DataBake">How long a completed expand/backfill bakes before code that needs it may roll out.</param>
/// <param name="HeartbeatTimeout">A node without a heartbeat for this long is offline.</param>
/// <param name="StuckAfter">A rollout or plan step waiting this long on the same targets raises an alert.</param>
/// <param name="AlertQuietPeriod">An alert clears only once its condition has been gone this long (one raise per incident).</param>
/// <param name="Clients">Client apps: their minimum versions (G8); null is none.</param>
/// <param name="Approve">The steps where every rollout waits for an operator's approval (none when null).</param>
public sealed record Policy(
    CanaryPolicy Canary,
    TimeSpan Bake,
    TimeSpan RehearsalBake,
    TimeSpan WaveBake,
    IReadOnlyList<double> Waves,
    TimeSpan DataBake,
    TimeSpan HeartbeatTimeout,
    TimeSpan StuckAfter,
    AnalysisPolicy Analysis,
    RetentionPolicy Retention,
    TimeSpan? AlertQuietPeriod = null,
    ClientPolicy? Clients = null,
    IReadOnlyList<ApprovalGate>? Approve = null)
{
    /// <summary>The client policy in force: <see cref="Clients"/>, or none.</summary>
    public ClientPolicy ClientRules => Clients ?? ClientPolicy.Default;

    /// <summary>Whether rollouts wait for an operator's approval at <paramref name="gate"/>.</summary>
    public bool Gates(ApprovalGate gate) => Approve?.Contains(gate) == true;

    /// <summary>The quiet period in force: <see cref="AlertQuietPeriod"/>, or two minutes.</summary>
    public TimeSpan QuietPeriod => AlertQuietPeriod ?? TimeSpan.FromMinutes(2);

    public static Policy Default { get; } = new(
        CanaryPolicy.Default,
        TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(5),
        [10, 25, 50, 100],
        TimeSpan.FromMinutes(10),
        TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(30),
        AnalysisPolicy.Default,
        RetentionPolicy.Default);
}
