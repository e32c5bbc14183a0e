namespace Stepwise.Server.Observability;

/// <summary>
/// The names of the series Stepwise exports at /metrics: the one place they are spelled in code. The shipped alert
/// rules (deploy/prometheus/stepwise-rules.yml) use them, and a test holds every name the rules use to one this
/// server exports. Label values spell phases, states and verdicts as Stepwise's JSON does (<see cref="Core.Names"/>).
/// </summary>
public static class MetricNames
{
    public const string Nodes = "stepwise_nodes";
    public const string NodeOffCurrentRelease = "stepwise_node_off_current_release";
    public const string ServiceCurrentRelease = "stepwise_service_current_release";
    public const string ServiceReleases = "stepwise_service_releases";
    public const string ServiceReleaseSpan = "stepwise_service_release_span";
    public const string RolloutPhase = "stepwise_rollout_phase";
    public const string RolloutWave = "stepwise_rollout_wave";
    public const string RolloutPhaseStarted = "stepwise_rollout_phase_started_timestamp_seconds";
    public const string AnalysisScore = "stepwise_analysis_score";
    public const string AnalysisVerdicts = "stepwise_analysis_verdicts_total";
    public const string AnalysisQueries = "stepwise_analysis_queries_total";
    public const string Refusals = "stepwise_refusals_total";
    public const string RefusalsStanding = "stepwise_refusals_standing";
    public const string Overrides = "stepwise_overrides";
    public const string OverridesUsed = "stepwise_overrides_used_total";
    public const string AlertsActive = "stepwise_alerts_active";
    public const string DataPhase = "stepwise_data_phase";
    public const string DataChangeProgress = "stepwise_data_change_progress_ratio";
    public const string Heartbeats = "stepwise_heartbeats_total";
    public const string Ticks = "stepwise_reconciler_ticks_total";
    public const string TickFailures = "stepwise_reconciler_tick_failures_total";
    public const string DecisionBatches = "stepwise_decision_batches_total";
    public const string TickDuration = "stepwise_reconciler_tick_duration_seconds";
    public const string DecideDuration = "stepwise_decide_duration_seconds";
    public const string FlushDuration = "stepwise_heartbeat_flush_duration_seconds";
    public const string Leader = "stepwise_leader";
}
