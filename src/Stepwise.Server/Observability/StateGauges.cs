using Prometheus;
using Stepwise.Core;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;

namespace Stepwise.Server.Observability;

/// <summary>
/// The state series, read at each scrape from the node table (in memory) and the control state (the store). Fleet
/// series are aggregates (nodes by service, release and state); a node has a series of its own only while it runs a
/// release other than its service's current one and the target of its in-flight rollout, so a settled fleet of
/// 100,000 nodes costs a few series, and "a node stuck on an old release" is still a query.
/// </summary>
internal sealed class StateGauges
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Series nodes;
    private readonly Series offCurrent;
    private readonly Series current;
    private readonly Series releases;
    private readonly Series span;
    private readonly Series phase;
    private readonly Series wave;
    private readonly Series phaseStarted;
    private readonly Series overrides;
    private readonly Series alerts;
    private readonly Series dataPhase;
    private readonly Series dataProgress;
    private readonly Gauge leader;

    public StateGauges(IMetricFactory factory)
    {
        Series Gauge(string name, string help, params string[] labels) => new(factory.CreateGauge(name, help, labels));
        nodes = Gauge(MetricNames.Nodes, "Nodes by service, the release they run (\"none\" before they report one) and state.", "service", "release", "state");
        offCurrent = Gauge(MetricNames.NodeOffCurrentRelease,
            "1 for each counted node that runs neither its service's current release nor its in-flight rollout's target; position is behind, ahead or unknown.",
            "service", "node", "release", "current", "state", "position");
        current = Gauge(MetricNames.ServiceCurrentRelease, "1 for each service's current release: the one its last completed rollout reached or, before any, the one most of its nodes run.", "service", "release");
        releases = Gauge(MetricNames.ServiceReleases, "How many distinct releases the counted nodes of a service run.", "service");
        span = Gauge(MetricNames.ServiceReleaseSpan,
            "How many adjacent releases the counted nodes of a service span, oldest to newest (the window allows 2).", "service");
        phase = Gauge(MetricNames.RolloutPhase, "1 for each in-flight rollout in its current phase.", "rollout", "service", "from", "to", "phase");
        wave = Gauge(MetricNames.RolloutWave, "The wave an in-flight rollout is in (0 before its waves).", "rollout", "service");
        phaseStarted = Gauge(MetricNames.RolloutPhaseStarted, "When an in-flight rollout entered its current phase or wave (Unix seconds).", "rollout", "service", "phase");
        overrides = Gauge(MetricNames.Overrides, "Recorded overrides, by guarantee.", "guarantee");
        alerts = Gauge(MetricNames.AlertsActive, "Alerts raised and not yet cleared, by severity and guarantee (\"none\" for an alert of no guarantee).", "severity", "guarantee");
        dataPhase = Gauge(MetricNames.DataPhase, "1 for each data phase on each store in its state.", "change", "phase", "store", "state");
        dataProgress = Gauge(MetricNames.DataChangeProgress, "Share of a data change's phases (on every store it runs on) that are complete, 0 to 1.", "change");
        leader = factory.CreateGauge(MetricNames.Leader, "1 when this replica runs the reconciler.");
    }

    public async Task RefreshAsync(ServerRuntime rt, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var control = await rt.Store.LoadControlStateAsync(cancellationToken);
            Refresh(rt.Config.Config, control, rt.Nodes.All(), rt.IsLeader);
            rt.Metrics.KeepScores(control.Rollouts.Where(r => r.InFlight).Select(r => r.Id).ToHashSet(StringComparer.Ordinal));
        }
        finally
        {
            gate.Release();
        }
    }

    internal void Refresh(StepwiseConfig config, Core.Reconciling.ControlState control, IReadOnlyList<Node> fleet, bool isLeader)
    {
        leader.Set(isLeader ? 1 : 0);
        foreach (var summary in FleetSummary.Of(config, control, fleet))
        {
            foreach (var ((release, state), count) in summary.Counts)
            {
                nodes.Set(count, summary.Service, release, Names.Of(state));
            }
            foreach (var off in summary.OffCurrent)
            {
                offCurrent.Set(1, summary.Service, off.Node.Id, off.Node.ActualRelease!, off.Current, Names.Of(off.Node.State), off.Position);
            }
            if (summary.Current is { } cur)
            {
                current.Set(1, summary.Service, cur);
            }
            if (config.FindService(summary.Service) is not null)
            {
                releases.Set(summary.Releases, summary.Service);
                span.Set(summary.Span, summary.Service);
            }
        }
        foreach (var rollout in control.Rollouts.Where(r => r.InFlight))
        {
            phase.Set(1, rollout.Id, rollout.Service, rollout.From, rollout.To, Names.Of(rollout.Phase));
            wave.Set(rollout.Wave, rollout.Id, rollout.Service);
            phaseStarted.Set(rollout.PhaseSince.ToUnixTimeMilliseconds() / 1000.0, rollout.Id, rollout.Service, Names.Of(rollout.Phase));
        }
        foreach (var guarantee in Enum.GetValues<GuaranteeId>())
        {
            overrides.Set(control.Overrides.Count(o => o.Guarantee == guarantee), guarantee.ToString());
        }
        foreach (var group in control.Alerts.GroupBy(a => (a.Severity, a.Guarantee)))
        {
            alerts.Set(group.Count(), Names.Of(group.Key.Severity), group.Key.Guarantee?.ToString() ?? "none");
        }
        foreach (var change in config.DataChanges)
        {
            var states = control.DataPhases.Where(p => p.Change == change.Id).ToList();
            foreach (var status in states)
            {
                dataPhase.Set(1, status.Change, Names.Of(status.Phase), status.Store, Names.Of(status.State));
            }
            dataProgress.Set(change.ProgressOf(states), change.Id);
        }
        foreach (var series in new[] { nodes, offCurrent, current, releases, span, phase, wave, phaseStarted, overrides, alerts, dataPhase, dataProgress })
        {
            series.Sweep();
        }
    }

    /// <summary>A labelled gauge whose label sets not set since the last sweep are removed at the sweep.</summary>
    private sealed class Series(Gauge gauge)
    {
        private readonly HashSet<string> seen = new(StringComparer.Ordinal);

        public void Set(double value, params string[] labels)
        {
            gauge.WithLabels(labels).Set(value);
            seen.Add(string.Join('\u0001', labels));
        }

        public void Sweep()
        {
            foreach (var labels in gauge.GetAllLabelValues().ToList())
            {
                if (!seen.Contains(string.Join('\u0001', labels)))
                {
                    gauge.RemoveLabelled(labels);
                }
            }
            seen.Clear();
        }
    }
}
