using Stepwise.Core.Analysis;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// The Prometheus source of the analysis (<see cref="SimulationOptions.Prometheus"/>), as the server's sampler runs it:
/// for every stage in analysis, Core plans the queries (<see cref="PrometheusPlan.Plan"/>) from the controller's node
/// table, again every half analysis interval; the simulated Prometheus (<see cref="SimPrometheus"/>) answers them; Core
/// assembles the answers (<see cref="PrometheusPlan.Assemble"/>) into the samples the planner reads
/// (<see cref="Core.Reconciling.TickPlanner.Queried"/>), so Decide judges them exactly as on the server.
/// </summary>
public sealed partial class Simulation
{
    private SimPrometheus? prometheus;
    private Dictionary<string, (DateTimeOffset At, RolloutSamples Samples)> queried = new(StringComparer.Ordinal);

    private void StartPrometheus()
    {
        if (options.Prometheus)
        {
            prometheus = new SimPrometheus(options.Seed, options.Faults.HasFlag(FaultProfile.QueryFailures),
                i => (agents.Alive[i], agents.Running[i], Bad(i) ? BadErrorRate : GoodErrorRate, Bad(i) ? BadLatencyFactor : 1.0));
        }
    }

    /// <summary>The controller (re)starts: the sampler's results are its memory, gone; the planner reads the new ones.</summary>
    private void ConnectPrometheus()
    {
        queried = new Dictionary<string, (DateTimeOffset, RolloutSamples)>(StringComparer.Ordinal);
        if (options.Prometheus)
        {
            planner.Queried = QueriedSamples;
        }
    }

    /// <summary>What the planner reads: the last results of the stages in analysis now (as the server's sampler's Current).</summary>
    private IReadOnlyList<RolloutSamples> QueriedSamples() =>
        queried.Count == 0 ? [] : planner.Samples.Tracked()
            .Select(r => queried.TryGetValue(SampleCollector.StageKey(r), out var entry) ? entry.Samples : null)
            .OfType<RolloutSamples>()
            .ToList();

    /// <summary>Before a tick: the stages whose results are missing or stale are queried again.</summary>
    private void RefreshQueries()
    {
        if (prometheus is null)
        {
            return;
        }
        var analysis = control.Config.Policy.Analysis;
        var metrics = PrometheusPlan.Metrics(analysis);
        var stages = metrics.Count == 0 ? [] : planner.Samples.Tracked();
        var next = new Dictionary<string, (DateTimeOffset, RolloutSamples)>(StringComparer.Ordinal);
        List<Node>? nodes = null;
        foreach (var rollout in stages)
        {
            var key = SampleCollector.StageKey(rollout);
            if (queried.TryGetValue(key, out var entry) && PrometheusPlan.Fresh(analysis, entry.At, now))
            {
                next[key] = entry;
                continue;
            }
            nodes ??= planner.Nodes.All();
            var plan = PrometheusPlan.Plan(rollout, metrics, nodes, now);
            var service = world.Config.FindService(rollout.Service)!;
            var answers = plan.Queries
                .Select(q => prometheus.Answer(q, now, id => nodeIndex.TryGetValue(id, out var i) ? i : -1, service.OrdinalOf(q.Release)))
                .ToList();
            var samples = PrometheusPlan.Assemble(plan, answers);
            next[key] = (now, samples);
            foreach (var problem in samples.Samples.Select(s => s.Problem).OfType<string>())
            {
                trail.Add(now, $"{rollout.Id}: {problem}");
            }
        }
        queried = next;
    }

    /// <summary>Node <paramref name="i"/>'s app is about to change (install, crash, restart): its scrapes so far are of what it did until now.</summary>
    private void ScrapeBeforeChange(int i) => prometheus?.Scrape(i, now);

    /// <summary>The simulated Prometheus's counts, added to the result's counters.</summary>
    private void CountQueries()
    {
        foreach (var (what, count) in prometheus?.Counts ?? [])
        {
            Count(what, count);
        }
    }
}
