using Stepwise.Core.Model;

namespace Stepwise.Core.Decisions;

/// <summary>
/// The controller's mutable view of the world between Decide calls, and the one place where decisions become
/// state: <see cref="Apply"/> carries out the state side of every action (desired releases, node states, rollout
/// transitions, plan progress, alerts, completed requests). The server persists exactly these transitions; the
/// simulator and <c>stepwise plan</c> use this class directly. Pure: no I/O.
/// </summary>
public sealed class ControllerState
{
    private readonly Dictionary<string, int> nodeIndex = new(StringComparer.Ordinal);
    private Node[] nodes;
    private int nodeCount;

    public ControllerState(Snapshot snapshot)
    {
        Config = snapshot.Config;
        nodes = new Node[Math.Max(16, snapshot.Nodes.Count)];
        foreach (var node in snapshot.Nodes)
        {
            Upsert(node);
        }
        Services = [.. snapshot.Services];
        Rollouts = [.. snapshot.Rollouts];
        DataPhases = [.. snapshot.DataPhases];
        Plans = [.. snapshot.Plans];
        Requests = [.. snapshot.Requests];
        Overrides = [.. snapshot.Overrides];
        Alerts = [.. snapshot.Alerts];
        Samples = [.. snapshot.Samples];
    }

    public StepwiseConfig Config { get; set; }
    public List<ServiceStatus> Services { get; }
    public List<Rollout> Rollouts { get; }
    public List<DataPhaseStatus> DataPhases { get; }
    public List<PlanProgress> Plans { get; }
    public List<OperatorRequest> Requests { get; }
    public List<Override> Overrides { get; }
    public List<Alert> Alerts { get; }
    public List<RolloutSamples> Samples { get; }

    public int NodeCount => nodeCount;

    public IEnumerable<Node> Nodes => new ArraySegment<Node>(nodes, 0, nodeCount);

    public Node? Node(string id) => nodeIndex.TryGetValue(id, out var i) ? nodes[i] : null;

    /// <summary>Adds a node or replaces the node with the same id.</summary>
    public void Upsert(Node node)
    {
        if (nodeIndex.TryGetValue(node.Id, out var i))
        {
            nodes[i] = node;
            return;
        }
        if (nodeCount == nodes.Length)
        {
            Array.Resize(ref nodes, nodes.Length * 2);
        }
        nodeIndex[node.Id] = nodeCount;
        nodes[nodeCount++] = node;
    }

    public void Update(string id, Func<Node, Node> change)
    {
        if (nodeIndex.TryGetValue(id, out var i))
        {
            nodes[i] = change(nodes[i]);
        }
    }

    /// <summary>
    /// A snapshot over the current state. It shares the node array (no copy, for 100,000-node fleets):
    /// use it before the next change to this state, or take <see cref="CopySnapshot"/>.
    /// </summary>
    public Snapshot ToSnapshot() => new(
        Config,
        new ArraySegment<Node>(nodes, 0, nodeCount),
        Services,
        Rollouts,
        DataPhases,
        Plans,
        Requests,
        Overrides,
        Alerts,
        Samples);

    /// <summary>A snapshot that owns copies of everything.</summary>
    public Snapshot CopySnapshot() => new(
        Config,
        nodes.AsSpan(0, nodeCount).ToArray(),
        [.. Services],
        [.. Rollouts],
        [.. DataPhases],
        [.. Plans],
        [.. Requests],
        [.. Overrides],
        [.. Alerts],
        [.. Samples]);

    /// <summary>Carries out the state side of every action, in order.</summary>
    public void Apply(Decisions decisions, DateTimeOffset now)
    {
        foreach (var action in decisions.Actions)
        {
            Apply(action, now);
        }
    }

    public void Apply(DecisionAction action, DateTimeOffset now)
    {
        switch (action)
        {
            case SetDesiredRelease a:
                foreach (var id in a.Nodes)
                {
                    Update(id, n => n with { DesiredRelease = a.Release });
                }
                break;
            case QuarantineNode a:
                Update(a.Node, n => n with { State = NodeState.Quarantined, StateSince = now });
                break;
            case ReleaseNode a:
                Update(a.Node, n => n with { State = NodeState.Active, StateSince = now });
                break;
            case AdmitNode a:
                Update(a.Node, n => n with { State = NodeState.Active, StateSince = now });
                break;
            case MarkNodeOffline a:
                Update(a.Node, n => n with { State = NodeState.Offline, StateSince = now });
                break;
            case DecommissionNode a:
                Update(a.Node, n => n with { State = NodeState.Decommissioned, StateSince = now });
                break;
            case EnableNode a:
                Update(a.Node, n => n with { State = NodeState.Offline, StateSince = now });
                break;
            case ReplaceCanary a:
                UpdateRollout(a.Rollout, r => r with { Phase = RolloutPhase.Canary, PhaseSince = now, CanaryNodes = a.CanaryNodes, Wave = 0, Reason = a.Reason, WaitsFor = null, PausedFrom = null, AnalysedAt = null });
                break;
            case RegisterRelease a:
                Config = Config.Relink(d => d.Register(a.Service, a.Release));
                break;
            case RetireRelease a:
                Config = Config.Relink(d => d.Retire(new ReleaseRef(a.Service, a.Version)));
                break;
            case RunDataPhase a:
                SetPhase(new DataPhaseStatus(a.Change, a.Phase, a.Store, DataPhaseState.Running));
                break;
            case StartRollout a:
                Rollouts.Add(new Rollout(a.Rollout, a.Service, a.From, a.To, RolloutPhase.Canary, now, 0, a.CanaryNodes, Plan: a.Plan));
                break;
            case AdvanceRollout a:
                UpdateRollout(a.Rollout, r => r with { Phase = a.To, Wave = a.Wave, PhaseSince = now, PausedFrom = null, Reason = a.Reason, WaitsFor = null, AnalysedAt = null });
                break;
            case ApproveRollout a:
                UpdateRollout(a.Rollout, r => r with { Phase = a.ResumeAt, Wave = a.Wave, PhaseSince = now, PausedFrom = null, Reason = a.Reason, WaitsFor = null, AnalysedAt = null });
                break;
            case PauseRollout a:
                UpdateRollout(a.Rollout, r => r with { Phase = RolloutPhase.Paused, PausedFrom = a.ResumeAt, PhaseSince = now, Reason = a.Reason, WaitsFor = a.Gate, AnalysedAt = null });
                break;
            case RollBackRollout a:
                UpdateRollout(a.Rollout, r => r with { Phase = RolloutPhase.RollingBack, PhaseSince = now, AbortRequested = a.Abort, Reason = a.Reason, WaitsFor = null, AnalysedAt = null });
                break;
            case SetCurrentRelease a:
                Services.RemoveAll(s => s.Service == a.Service);
                Services.Add(new ServiceStatus(a.Service, a.Release));
                break;
            case AdvancePlan a:
                var existing = Plans.FindIndex(p => p.Plan == a.Plan);
                var progress = new PlanProgress(a.Plan, a.Step, a.State, now, a.Reason);
                if (existing >= 0)
                {
                    Plans[existing] = progress;
                }
                else
                {
                    Plans.Add(progress);
                }
                break;
            case RaiseAlert a:
                Alerts.RemoveAll(x => x.Key == a.Alert.Key);
                Alerts.Add(a.Alert);
                break;
            case ClearAlert a:
                Alerts.RemoveAll(x => x.Key == a.Key);
                break;
            case CompleteRequest a:
                Requests.RemoveAll(r => r.Id == a.Request);
                break;
            case RecordAnalysis a:
                UpdateRollout(a.Rollout, r => r.Phase == a.Stage ? r with { AnalysedAt = now } : r);
                break;
            case UseOverride:
                break; // recorded by the shell (event log); no state changes
        }
    }

    /// <summary>Records the state of a data phase as its store reports it.</summary>
    public void SetPhase(DataPhaseStatus status)
    {
        DataPhases.RemoveAll(p => p.Change == status.Change && p.Phase == status.Phase && p.Store == status.Store);
        DataPhases.Add(status);
    }

    private void UpdateRollout(string id, Func<Rollout, Rollout> change)
    {
        var i = Rollouts.FindLastIndex(r => r.Id == id);
        if (i >= 0)
        {
            Rollouts[i] = change(Rollouts[i]);
        }
    }
}
