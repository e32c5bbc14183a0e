using System.Text.Json;
using Stepwise.Core.Decisions;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;

namespace Stepwise.Core.Reconciling;

/// <summary>What one tick decided and what committing it changes.</summary>
/// <param name="State">The control state with the decisions applied (what the store holds once the batch is committed), with the nodes they touched.</param>
public sealed record TickPlan(Snapshot Snapshot, Decisions.Decisions Decisions, TickBatch Batch, ControllerState State)
{
    /// <summary>Nothing to commit: no action, and no refusal not reported before.</summary>
    public bool Empty => Decisions.Actions.Count == 0 && Batch.Events.Count == 0;
}

/// <summary>
/// One reconciler tick without its I/O, shared by the server and the simulator so that both decide with the same
/// code: the snapshot is built from the linked configuration, the control state, the node table and the collected
/// samples; Decide runs; the decisions are applied to a copy of the state; and the batch to commit (transitions,
/// completed requests, alerts, events) is derived from them. After the shell has committed the batch it calls
/// <see cref="Committed"/>, which makes the node transitions visible to heartbeats and starts collecting for the new
/// stages. Standing refusals (a plan step that waits, an observation) are logged when they first appear, not every tick.
/// </summary>
public sealed class TickPlanner(NodeTable nodes, SampleCollector samples, Decider decider)
{
    private readonly HashSet<string> reportedRefusals = new(StringComparer.Ordinal);

    public NodeTable Nodes { get; } = nodes;

    public SampleCollector Samples { get; } = samples;

    /// <summary>The guarantees this planner decides with.</summary>
    public Guarantees.GuaranteeSet Guarantees => decider.Guarantees;

    /// <summary>
    /// The samples of the metrics the policy reads from Prometheus, for the stages in flight (the server's queries, the
    /// simulator's model); null: none, and such metrics have no data.
    /// </summary>
    public Func<IReadOnlyList<RolloutSamples>>? Queried { get; set; }

    /// <summary>When this controller started listening to heartbeats (set on start and on taking over the leadership).</summary>
    public DateTimeOffset? LivenessFrom { get; set; }

    private IReadOnlyDictionary<string, IReadOnlySet<string>> sanctioned = new Dictionary<string, IReadOnlySet<string>>();

    /// <summary>
    /// Whether a node of <paramref name="service"/> may serve <paramref name="release"/> as of the last committed tick
    /// (G2's rule): a node that reconnects on such a release keeps serving, and the next tick admits it.
    /// </summary>
    public bool Sanctioned(string service, string? release) =>
        release is not null && Volatile.Read(ref sanctioned).TryGetValue(service, out var releases) && releases.Contains(release);

    /// <summary>
    /// What a heartbeat from <paramref name="node"/> is answered: it may serve while active or draining, and also
    /// when it comes back (offline since a known moment, so not a node never admitted; not decommissioned) healthy on a sanctioned release, so
    /// a controller outage never stops a healthy app; the next tick admits it. A node never seen before waits.
    /// </summary>
    public bool MayServe(Node node) =>
        node.MayServe ||
        (node.State == NodeState.Offline && node.StateSince is not null && node.Health == NodeHealth.Healthy && Sanctioned(node.Service, node.ActualRelease));

    /// <summary>
    /// Decides one tick. <paramref name="otherSamples"/> are the samples other replicas flushed to the store;
    /// <paramref name="clients"/> the client telemetry within the window (G8).
    /// </summary>
    public TickPlan Plan(StepwiseConfig config, ControlState control, DateTimeOffset now, IEnumerable<StageSamples>? otherSamples = null, IReadOnlyList<ClientCalls>? clients = null)
    {
        Samples.Track(control.Rollouts);
        var snapshot = SnapshotOf(config, control, control.Requests, otherSamples, clients);
        var decisions = decider.Run(snapshot, now);
        var fresh = NewRefusals(decisions);
        // The decisions applied to the control state and to the nodes they touch (not a copy of the whole fleet).
        var touched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var action in decisions.Actions)
        {
            if (action is SetDesiredRelease set)
            {
                touched.UnionWith(set.Nodes);
            }
            else if (action is INodeChange change)
            {
                touched.Add(change.Node);
            }
        }
        var state = new ControllerState(snapshot with { Nodes = touched.Select(Nodes.Find).OfType<Node>().ToList() });
        state.Apply(decisions, now);
        return new TickPlan(snapshot, decisions, Batch(now, decisions, fresh, state, control), state);
    }

    /// <summary>
    /// What Decide would do now on this replica's view with <paramref name="requests"/> added to the pending ones
    /// (<c>stepwise plan --server</c>). Nothing is applied, tracked or logged: the planner and the store are unchanged.
    /// </summary>
    public Decisions.Decisions WhatIf(StepwiseConfig config, ControlState control, DateTimeOffset now, IReadOnlyList<OperatorRequest> requests,
        IEnumerable<StageSamples>? otherSamples = null, IReadOnlyList<ClientCalls>? clients = null)
    {
        return decider.Run(SnapshotOf(config, control, [.. control.Requests, .. requests], otherSamples, clients), now);
    }

    /// <summary>What Decide sees: the node table, the control state with <paramref name="requests"/>, and the samples.</summary>
    private Snapshot SnapshotOf(StepwiseConfig config, ControlState control, IReadOnlyList<OperatorRequest> requests,
        IEnumerable<StageSamples>? otherSamples, IReadOnlyList<ClientCalls>? clients) =>
        new(config, Nodes.All(), control.Services, control.Rollouts, control.DataPhases, control.Plans,
            requests, control.Overrides, control.Alerts, AnalysisSamples(config, otherSamples), LivenessFrom, clients);

    /// <summary>
    /// The samples the judge reads for every stage in analysis: the heartbeats' (this replica's and
    /// <paramref name="otherSamples"/>) and, for the metrics the policy reads from Prometheus, <see cref="Queried"/>.
    /// </summary>
    public List<RolloutSamples> AnalysisSamples(StepwiseConfig config, IEnumerable<StageSamples>? otherSamples) =>
        Analysis.StageAnalysis.Combine(config.Policy.Analysis, Samples.Snapshot(otherSamples), Queried?.Invoke());

    /// <summary>The batch is durable: its node transitions become what heartbeats see, and the new stages are collected.</summary>
    public void Committed(TickPlan plan)
    {
        foreach (var node in plan.Batch.NodeTransitions)
        {
            Nodes.ApplyControl(node);
        }
        Samples.Track(plan.State.Rollouts);
        Observe(plan.State, plan.Batch.At);
    }

    /// <summary>Updates what heartbeats are answered with from the control state as it now stands (also when nothing was decided).</summary>
    public void Observe(ControllerState state, DateTimeOffset now)
    {
        var ctx = new DecisionContext(new Snapshot(state.Config, [], state.Services, state.Rollouts, state.DataPhases, [], [], [], [], []), now, decider.Guarantees);
        Volatile.Write(ref sanctioned, decider.Guarantees.G2.SanctionedReleases(ctx));
    }

    /// <summary>Forgets which standing refusals were logged (a new leader logs them again once).</summary>
    public void Reset() => reportedRefusals.Clear();

    private List<Refusal> NewRefusals(Decisions.Decisions decisions)
    {
        // Refusals of requests are always recorded (the request completes with them); standing refusals are recorded
        // when they first appear.
        var current = new HashSet<string>(StringComparer.Ordinal);
        var fresh = new List<Refusal>();
        foreach (var refusal in decisions.Refusals)
        {
            current.Add(refusal.Key);
            if (refusal.Request is not null || !reportedRefusals.Contains(refusal.Key))
            {
                fresh.Add(refusal);
            }
        }
        reportedRefusals.Clear();
        reportedRefusals.UnionWith(current);
        return fresh;
    }

    private static TickBatch Batch(DateTimeOffset now, Decisions.Decisions decisions, List<Refusal> newRefusals, ControllerState state, ControlState before)
    {
        var nodeIds = new List<string>();
        var rolloutIds = new List<string>();
        var services = new List<ServiceStatus>();
        var plans = new List<PlanProgress>();
        var phases = new List<DataPhaseStatus>();
        var raised = new List<Alert>();
        var cleared = new List<string>();
        var completed = new List<RequestCompletion>();
        var retired = new List<ReleaseRef>();
        var registered = new List<RegisterRelease>();
        var events = new List<NewEvent>();
        foreach (var action in decisions.Actions)
        {
            switch (action)
            {
                case SetDesiredRelease a:
                    nodeIds.AddRange(a.Nodes);
                    break;
                case INodeChange a:
                    nodeIds.Add(a.Node);
                    break;
                case RunDataPhase a:
                    phases.Add(new DataPhaseStatus(a.Change, a.Phase, a.Store, DataPhaseState.Running));
                    break;
                case IRolloutChange a:
                    rolloutIds.Add(a.Rollout);
                    break;
                case SetCurrentRelease a:
                    services.Add(new ServiceStatus(a.Service, a.Release));
                    break;
                case AdvancePlan a:
                    plans.Add(state.Plans.Last(p => p.Plan == a.Plan));
                    break;
                case RaiseAlert a:
                    raised.Add(a.Alert);
                    break;
                case ClearAlert a:
                    cleared.Add(a.Key);
                    break;
                case CompleteRequest a:
                    completed.Add(Completion(a, decisions, before));
                    break;
                case RetireRelease a:
                    retired.Add(new ReleaseRef(a.Service, a.Version));
                    break;
                case RegisterRelease a:
                    registered.Add(a);
                    break;
            }
            if (action is not RaiseAlert { Update: true })
            {
                events.Add(new NewEvent(Names.Of(action.Kind), action.Reason, ActionSummaries.SubjectOf(action), SnapshotJson.Write(action, SnapshotJson.Options)));
            }
        }
        foreach (var refusal in newRefusals)
        {
            events.Add(new NewEvent("refusal", refusal.Describe(), refusal.Subject, SnapshotJson.Write(refusal, SnapshotJson.Options)));
        }
        var nodes = nodeIds.Distinct(StringComparer.Ordinal).Select(state.Node).OfType<Node>().ToList();
        var rollouts = rolloutIds.Distinct(StringComparer.Ordinal).Select(id => state.Rollouts.Last(r => r.Id == id)).ToList();
        return new TickBatch(now, decisions, nodes, rollouts, services, plans.DistinctBy(p => p.Plan).ToList(), phases, raised, cleared, completed, events, retired, registered);
    }

    private static RequestCompletion Completion(CompleteRequest done, Decisions.Decisions decisions, ControlState before)
    {
        var request = before.Requests.FirstOrDefault(r => r.Id == done.Request);
        var rollout = request?.Rollout;
        if (request is { Kind: RequestKind.StartRollout })
        {
            rollout = decisions.Actions.OfType<StartRollout>().FirstOrDefault(s => s.Service == request.Service && s.To == request.Version)?.Rollout
                ?? before.Rollouts.LastOrDefault(r => r.Service == request.Service && r.To == request.Version && r.InFlight)?.Id;
        }
        var refusals = decisions.Refusals.Where(r => r.Request == done.Request).ToList();
        return new RequestCompletion(done.Request, done.Accepted, done.Reason, rollout, refusals);
    }
}
