using Stepwise.Core;
using Stepwise.Core.Analysis;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>Where a running simulation is, for a progress display.</summary>
public readonly record struct SimulationProgress(TimeSpan Simulated, int PlanStep, int PlanSteps, long Events);

/// <summary>
/// A deterministic simulation: simulated nodes, clock and network driving the same <see cref="Decider"/> the server
/// runs, with injected faults, and an independent checker after every event. One <see cref="Random"/> seeded from
/// the options drives everything; events are ordered by (time, sequence), so a seed replays exactly.
/// </summary>
public sealed class Simulation
{
    private enum Kind
    {
        Tick,
        InstallDone,
        Crash,
        Restart,
        PartitionStart,
        PartitionEnd,
        DataPhaseDone,
        ControllerDown,
        ControllerUp,
        Operator,
        CrashStorm,
        PartitionStorm,
    }

    private readonly record struct Event(Kind Kind, int Node = -1, int A = 0, int B = 0);

    /// <summary>Age at which a routine heartbeat is recorded: early enough that a live node never looks timed out between ticks.</summary>
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(100);
    private static readonly TimeSpan OperatorInterval = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SettleLimit = TimeSpan.FromHours(2);

    private readonly SimulationOptions options;
    private readonly SimWorld world;
    private readonly Random random;
    private readonly Decider decider;
    private readonly Agents agents;
    private readonly StoreTruth store = new();
    private readonly InvariantChecker checker;
    private readonly PriorityQueue<Event, (long Time, long Seq)> queue = new();
    private readonly Dictionary<string, int> nodeIndex = new(StringComparer.Ordinal);
    private readonly string[][] versions;
    private readonly Trail trail;
    private readonly Action<SimulationProgress>? progress;
    private readonly SortedDictionary<string, int> counters = new(StringComparer.Ordinal);
    private readonly HashSet<string> refusalKeys = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> refusals = new(StringComparer.Ordinal);
    private readonly List<int> unseen = [];
    private readonly Operator op;

    private ControllerState state;
    private DateTimeOffset now = SimWorld.Epoch;
    private long seq;
    private long events;
    private long decisionCount;
    private long actionCount;
    private int tickGeneration;
    private bool controllerUp = true;
    private string? persisted;
    private int pendingFaults;
    private bool stormOver;
    private DateTimeOffset? stormOverAt;
    private bool finished;
    private bool staleInjected;
    private readonly List<Violation> violations = [];

    private Simulation(SimulationOptions options, Action<SimulationProgress>? progress)
    {
        this.options = options;
        this.progress = progress;
        world = new SimWorld(options);
        random = new Random(options.Seed);
        decider = new Decider(SabotageRules.GuaranteesWith(options.Sabotage));
        versions = [.. world.Config.Services.Select(s => s.Releases.Select(r => r.Version).ToArray())];
        var n = options.Nodes;
        agents = new Agents(n);
        trail = new Trail(options.TrailLength);
        for (var i = 0; i < n; i++)
        {
            nodeIndex[world.NodeIds[i]] = i;
            agents.Desired[i] = 0;
        }
        state = new ControllerState(Snapshot.Of(world.Config, []));
        for (var i = 0; i < n; i++)
        {
            // Heartbeats are spread over the interval, as real agents' are.
            var heartbeat = now - TimeSpan.FromMilliseconds(random.Next((int)HeartbeatInterval.TotalMilliseconds));
            agents.ReportedAt[i] = heartbeat.UtcTicks;
            state.Upsert(new Node(world.NodeIds[i], SimWorld.ServiceName(world.NodeService[i]), SimWorld.Base, SimWorld.Base, heartbeat, NodeHealth.Healthy, NodeState.Active, now));
        }
        foreach (var service in world.Config.Services)
        {
            state.Services.Add(new ServiceStatus(service.Name, SimWorld.Base));
        }
        checker = new InvariantChecker(world, agents, store, state) { Trail = trail.Render, Now = now };
        op = new Operator(this);
    }

    /// <summary>Runs a whole simulation. Deterministic: the same options give the same result.</summary>
    public static SimulationResult Run(SimulationOptions options, Action<SimulationProgress>? progress = null)
    {
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }
        return new Simulation(options, progress).Run();
    }

    private SimulationResult Run()
    {
        ScheduleFaults();
        Schedule(now, new Event(Kind.Tick, A: tickGeneration));
        Schedule(now + OperatorInterval, new Event(Kind.Operator));
        var limit = SimWorld.Epoch + options.MaxSimulatedTime;
        while (!finished && queue.TryDequeue(out var ev, out var at))
        {
            now = new DateTimeOffset(at.Time, TimeSpan.Zero);
            checker.Now = now;
            if (now > limit || (stormOverAt is { } over && now - over > SettleLimit))
            {
                violations.Add(new Violation("progress", "progress", now, $"the run did not settle within {(now > limit ? options.MaxSimulatedTime : SettleLimit)}: {Describe()}", trail.Render()));
                break;
            }
            events++;
            Handle(ev);
            checker.Check();
            if (checker.Found.Count > 0)
            {
                violations.AddRange(checker.Found);
                break;
            }
        }
        if (violations.Count == 0)
        {
            checker.CrossCheck();
        }
        var plan = state.Plans.FirstOrDefault(p => p.Plan == SimWorld.PlanId);
        return new SimulationResult(
            options,
            violations,
            events,
            decisionCount,
            actionCount,
            refusals,
            (now - SimWorld.Epoch).TotalSeconds,
            (plan?.State ?? PlanState.Pending).ToString(),
            plan?.Step ?? 0,
            world.Config.Plans[0].Steps.Count,
            counters);
    }

    private string Describe()
    {
        var plan = state.Plans.FirstOrDefault(p => p.Plan == SimWorld.PlanId);
        var inFlight = state.Rollouts.Where(r => r.InFlight).Select(r => $"{r.Id} {r.Phase}").ToList();
        return $"plan {plan?.State.ToString() ?? "not started"} at step {(plan?.Step ?? 0) + 1}; in flight: {(inFlight.Count == 0 ? "nothing" : string.Join(", ", inFlight))}; " +
               $"train left: {op.TrainLeft}; pending faults: {pendingFaults}; quarantined: {state.Nodes.Count(n => n.State == NodeState.Quarantined)}; offline: {state.Nodes.Count(n => n.State == NodeState.Offline)}";
    }

    private void Schedule(DateTimeOffset at, Event ev) => queue.Enqueue(ev, (at.UtcTicks, seq++));

    private void Count(string counter, int by = 1) => counters[counter] = counters.GetValueOrDefault(counter) + by;

    private TimeSpan Between(TimeSpan min, TimeSpan max) => min + TimeSpan.FromMilliseconds(random.NextDouble() * (max - min).TotalMilliseconds);

    private TimeSpan Exponential(TimeSpan mean) => TimeSpan.FromMilliseconds(-Math.Log(1 - random.NextDouble()) * mean.TotalMilliseconds);

    private void ScheduleFaults()
    {
        var faults = options.Faults;
        if (faults.HasFlag(FaultProfile.Slow))
        {
            // A few slow nodes per service (not a share of the fleet: at 100,000 nodes a share would sit in every stage).
            var slow = 2 * world.ServiceCount;
            for (var k = 0; k < slow; k++)
            {
                agents.Slow[random.Next(options.Nodes)] = true;
            }
        }
        if (faults.HasFlag(FaultProfile.Crashes))
        {
            Schedule(now + Exponential(TimeSpan.FromMinutes(3)), new Event(Kind.CrashStorm));
        }
        if (faults.HasFlag(FaultProfile.Partitions))
        {
            Schedule(now + Exponential(TimeSpan.FromMinutes(5)), new Event(Kind.PartitionStorm));
        }
        if (faults.HasFlag(FaultProfile.ControllerRestart))
        {
            // Two restarts, one in each half of the first 80 minutes (so they never overlap).
            Schedule(now + Between(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(40)), new Event(Kind.ControllerDown));
            Schedule(now + Between(TimeSpan.FromMinutes(45), TimeSpan.FromMinutes(80)), new Event(Kind.ControllerDown));
        }
    }

    private void Handle(Event ev)
    {
        switch (ev.Kind)
        {
            case Kind.Tick:
                if (controllerUp && ev.A == tickGeneration)
                {
                    Tick();
                }
                break;
            case Kind.InstallDone:
                InstallDone(ev.Node, ev.A, ev.B);
                break;
            case Kind.Crash:
                Crash(ev.Node, TimeSpan.FromTicks((long)ev.A * TimeSpan.TicksPerSecond), ev.B == 1);
                break;
            case Kind.Restart:
                Restart(ev.Node, ev.A == 1);
                break;
            case Kind.PartitionStart:
                PartitionStart(ev.Node, TimeSpan.FromSeconds(ev.A));
                break;
            case Kind.PartitionEnd:
                PartitionEnd(ev.Node);
                break;
            case Kind.DataPhaseDone:
                DataPhaseDone((DataPhaseKind)ev.A);
                break;
            case Kind.ControllerDown:
                ControllerDown();
                break;
            case Kind.ControllerUp:
                ControllerUp();
                break;
            case Kind.Operator:
                if (controllerUp)
                {
                    op.Act();
                }
                if (!finished)
                {
                    Schedule(now + OperatorInterval, new Event(Kind.Operator));
                }
                break;
            case Kind.CrashStorm:
                if (!stormOver)
                {
                    var node = random.Next(options.Nodes);
                    var down = Between(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(4));
                    var reimage = random.NextDouble() < 0.3;
                    Schedule(now, new Event(Kind.Crash, node, (int)down.TotalSeconds, reimage ? 1 : 0));
                    Schedule(now + Exponential(TimeSpan.FromMinutes(3)), new Event(Kind.CrashStorm));
                }
                break;
            case Kind.PartitionStorm:
                if (!stormOver)
                {
                    var size = 1 + random.Next(3);
                    var duration = Between(TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(3));
                    for (var k = 0; k < size; k++)
                    {
                        Schedule(now, new Event(Kind.PartitionStart, random.Next(options.Nodes), (int)duration.TotalSeconds));
                    }
                    Schedule(now + Exponential(TimeSpan.FromMinutes(5)), new Event(Kind.PartitionStorm));
                }
                break;
        }
    }

    // ---------------------------------------------------------------- the controller

    private void Tick()
    {
        if (options.Analysis)
        {
            CollectSamples();
        }
        RefreshHeartbeats();
        var decisions = decider.Run(state.ToSnapshot(), now);
        decisionCount++;
        actionCount += decisions.Actions.Count;
        foreach (var refusal in decisions.Refusals)
        {
            if (refusalKeys.Add($"{refusal.Guarantee}|{refusal.Subject}|{refusal.Request ?? refusal.Plan}"))
            {
                refusals[refusal.Guarantee.ToString()] = refusals.GetValueOrDefault(refusal.Guarantee.ToString()) + 1;
            }
        }
        state.Apply(decisions, now);
        Act(decisions);
        foreach (var i in unseen)
        {
            if (agents.Reachable(i))
            {
                agents.Seen[i] = true;
                checker.Touch(i);
            }
        }
        unseen.RemoveAll(i => agents.Seen[i]);
        checker.AfterTick(decisions);
        if (decisions.Actions.Count > 0 || decisions.Refusals.Count > 0)
        {
            trail.Add(now, Summarize(decisions));
        }
        if (decisionCount % 100 == 0)
        {
            checker.CrossCheck();
        }
        if (progress is not null && decisionCount % 30 == 0)
        {
            var plan = state.Plans.FirstOrDefault(p => p.Plan == SimWorld.PlanId);
            progress(new SimulationProgress(now - SimWorld.Epoch, plan?.Step ?? 0, world.Config.Plans[0].Steps.Count, events));
        }
        Schedule(now + options.Tick, new Event(Kind.Tick, A: tickGeneration));
        Observe();
    }

    private static string Summarize(Core.Decisions.Decisions decisions)
    {
        var parts = new List<string>();
        foreach (var action in decisions.Actions)
        {
            parts.Add(action switch
            {
                SetDesiredRelease a => $"set {a.Service} {a.Nodes.Count} node(s) -> {a.Release} ({a.Reason})",
                StartRollout a => $"start rollout {a.Rollout}",
                AdvanceRollout a => $"{a.Rollout} {a.From} -> {a.To}{(a.To == RolloutPhase.Waves ? $" {a.Wave}" : "")}",
                RollBackRollout a => $"roll back {a.Rollout}: {a.Reason}",
                PauseRollout a => $"pause {a.Rollout}: {a.Reason}",
                RunDataPhase a => $"run {a.Change} {a.Phase.ToString().ToLowerInvariant()}",
                QuarantineNode a => $"quarantine {a.Node} ({a.Reported})",
                ReleaseNode a => $"release {a.Node} on {a.Release}",
                AdmitNode a => $"admit {a.Node} on {a.Release}",
                MarkNodeOffline a => $"offline {a.Node}",
                DecommissionNode a => $"decommission {a.Node}",
                AdvancePlan a => $"plan {a.Plan} step {a.Step + 1} {a.State}",
                CompleteRequest a => $"request {a.Request} {(a.Accepted ? "accepted" : "refused")}",
                SetCurrentRelease a => $"{a.Service} current {a.Release}",
                UseOverride a => $"override {a.Override}",
                _ => "",
            });
        }
        foreach (var refusal in decisions.Refusals)
        {
            parts.Add($"refused ({refusal.Guarantee}) {refusal.Subject}");
        }
        return "tick: " + string.Join("; ", parts.Where(p => p.Length > 0));
    }

    /// <summary>
    /// Reachable agents heartbeat implicitly (no event per node per tick). The controller records a routine heartbeat
    /// — one that reports nothing new — in a batch once it is <see cref="HeartbeatInterval"/> old; anything new
    /// (an install, a restart, a reconnect) is reported at once.
    /// </summary>
    private void RefreshHeartbeats()
    {
        var due = (now - HeartbeatInterval).UtcTicks;
        for (var i = 0; i < options.Nodes; i++)
        {
            if (agents.ReportedAt[i] <= due && agents.Reachable(i))
            {
                Report(i, full: false);
            }
        }
    }

    private Func<Node, Node>? heartbeat;

    /// <summary>The agent's heartbeat reaches the controller: release, health and time.</summary>
    private void Report(int i, bool full = true)
    {
        if (!controllerUp || !agents.Reachable(i))
        {
            return;
        }
        agents.ReportedAt[i] = now.UtcTicks;
        if (full)
        {
            var release = versions[world.NodeService[i]][agents.Running[i]];
            var at = now;
            state.Update(world.NodeIds[i], n => n with { ActualRelease = release, Health = NodeHealth.Healthy, LastHeartbeat = at });
        }
        else
        {
            state.Update(world.NodeIds[i], heartbeat ??= n => n with { LastHeartbeat = now });
        }
    }

    /// <summary>Carries out the world side of the decisions: desired releases over the network, data phases on the store.</summary>
    private void Act(Core.Decisions.Decisions decisions)
    {
        foreach (var action in decisions.Actions)
        {
            switch (action)
            {
                case SetDesiredRelease a:
                    var ordinal = world.Config.FindService(a.Service)!.OrdinalOf(a.Release);
                    foreach (var id in a.Nodes)
                    {
                        var i = nodeIndex[id];
                        if (agents.Reachable(i))
                        {
                            agents.Desired[i] = ordinal;
                            EnsureInstall(i);
                        }
                        else
                        {
                            Count("desired releases dropped by the network");
                        }
                        checker.Touch(i);
                    }
                    break;
                case RunDataPhase a:
                    store.StartedAt[(int)a.Phase] = now;
                    store.CompletedAt[(int)a.Phase] = null;
                    var duration = a.Phase switch
                    {
                        DataPhaseKind.Expand => Between(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)),
                        DataPhaseKind.Backfill => Between(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(8)),
                        _ => Between(TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(1)),
                    };
                    Schedule(now + duration, new Event(Kind.DataPhaseDone, A: (int)a.Phase));
                    Count($"data phases run");
                    break;
                case QuarantineNode a:
                    Count("quarantines");
                    // Its release is now G2's business, also if it goes offline (and so out of quarantine) before it moves.
                    agents.Stray[nodeIndex[a.Node]] = true;
                    checker.Touch(nodeIndex[a.Node]);
                    break;
                case ReleaseNode a:
                    checker.Touch(nodeIndex[a.Node]);
                    break;
                case AdmitNode a:
                    Count("nodes admitted back");
                    checker.Touch(nodeIndex[a.Node]);
                    break;
                case MarkNodeOffline a:
                    Count("nodes marked offline");
                    checker.Touch(nodeIndex[a.Node]);
                    break;
                case DecommissionNode a:
                    Count("nodes decommissioned");
                    checker.Touch(nodeIndex[a.Node]);
                    break;
                case StartRollout:
                    Count("rollouts started");
                    break;
                case RollBackRollout:
                    Count("rollouts rolled back by analysis or health");
                    break;
                case CompleteRequest a:
                    op.Completed(a.Request, a.Accepted);
                    break;
            }
        }
    }

    /// <summary>Fault triggers that watch the controller: the stale-node fault strikes when the first rollout reaches its waves.</summary>
    private void Observe()
    {
        if (staleInjected || !options.Faults.HasFlag(FaultProfile.Stale))
        {
            return;
        }
        var rollout = state.Rollouts.FirstOrDefault(r => r.Phase == RolloutPhase.Waves);
        if (rollout is null)
        {
            return;
        }
        staleInjected = true;
        var s = world.Config.Services.ToList().FindIndex(x => x.Name == rollout.Service);
        var to = world.Config.Services[s].OrdinalOf(rollout.To);
        var canaries = rollout.CanaryNodes.ToHashSet(StringComparer.Ordinal);
        var candidates = Enumerable.Range(0, options.Nodes)
            .Where(i => world.NodeService[i] == s && agents.Alive[i] && agents.Running[i] != to && !canaries.Contains(world.NodeIds[i]))
            .ToList();
        var take = Math.Min(candidates.Count, Math.Max(1, Math.Min(3, candidates.Count / 4)));
        for (var k = 0; k < take; k++)
        {
            var pick = random.Next(candidates.Count);
            var i = candidates[pick];
            candidates.RemoveAt(pick);
            var down = Between(TimeSpan.FromMinutes(25), TimeSpan.FromMinutes(35));
            trail.Add(now, $"fault: {world.NodeIds[i]} goes offline during the push of {rollout.To} and stays away {down.TotalMinutes:0} min");
            Count("nodes offline during a push");
            Crash(i, down, reimage: false);
        }
    }

    // ---------------------------------------------------------------- the agents

    private void EnsureInstall(int i)
    {
        var target = agents.Desired[i];
        if (target < 0 || target == agents.Running[i])
        {
            if (agents.Installing[i] >= 0)
            {
                agents.Installing[i] = -1;
                agents.Token[i]++;
            }
            return;
        }
        if (agents.Installing[i] == target)
        {
            return;
        }
        agents.Installing[i] = target;
        var token = ++agents.Token[i];
        var time = Between(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(90));
        if (agents.Slow[i])
        {
            time *= 4;
        }
        Schedule(now + time, new Event(Kind.InstallDone, i, target, token));
    }

    private void InstallDone(int i, int release, int token)
    {
        if (token != agents.Token[i] || !agents.Alive[i])
        {
            return;
        }
        agents.Installing[i] = -1;
        agents.Running[i] = release;
        agents.Stray[i] = false;
        Report(i);
        checker.Touch(i);
        trail.Add(now, $"{world.NodeIds[i]} runs {versions[world.NodeService[i]][release]}");
    }

    private void Crash(int i, TimeSpan down, bool reimage)
    {
        if (!agents.Alive[i])
        {
            return;
        }
        agents.Alive[i] = false;
        agents.Installing[i] = -1;
        agents.Token[i]++;
        pendingFaults++;
        Count("crashes");
        checker.Touch(i);
        Schedule(now + down, new Event(Kind.Restart, i, reimage ? 1 : 0));
        trail.Add(now, $"fault: {world.NodeIds[i]} crashes for {down.TotalSeconds:0}s{(reimage ? " and comes back re-imaged" : "")}");
    }

    private void Restart(int i, bool reimage)
    {
        pendingFaults--;
        agents.Alive[i] = true;
        if (reimage && agents.Running[i] != 0)
        {
            agents.Running[i] = 0;
            agents.Stray[i] = true;
            Count("nodes re-imaged on an old release");
        }
        MarkUnseen(i);
        Reconnect(i);
        checker.Touch(i);
        trail.Add(now, $"{world.NodeIds[i]} restarts on {versions[world.NodeService[i]][agents.Running[i]]}");
    }

    private void PartitionStart(int i, TimeSpan duration)
    {
        agents.Partitions[i]++;
        pendingFaults++;
        Count("partitioned agents");
        checker.Touch(i);
        Schedule(now + duration, new Event(Kind.PartitionEnd, i));
        trail.Add(now, $"fault: {world.NodeIds[i]} cut off from the controller for {duration.TotalSeconds:0}s");
    }

    private void PartitionEnd(int i)
    {
        pendingFaults--;
        agents.Partitions[i]--;
        if (agents.Partitions[i] == 0)
        {
            MarkUnseen(i);
            Reconnect(i);
            trail.Add(now, $"{world.NodeIds[i]} reconnects");
        }
        checker.Touch(i);
    }

    private void MarkUnseen(int i)
    {
        if (agents.Seen[i])
        {
            agents.Seen[i] = false;
            unseen.Add(i);
        }
    }

    /// <summary>An agent that (re)gains the controller reports and pulls the release it should run.</summary>
    private void Reconnect(int i)
    {
        if (!controllerUp || !agents.Reachable(i))
        {
            return;
        }
        Report(i);
        var node = state.Node(world.NodeIds[i])!;
        agents.Desired[i] = world.Config.Services[world.NodeService[i]].OrdinalOf(node.DesiredRelease);
        EnsureInstall(i);
    }

    // ---------------------------------------------------------------- the store and the controller's own faults

    private void DataPhaseDone(DataPhaseKind phase)
    {
        store.CompletedAt[(int)phase] = now;
        trail.Add(now, $"store: {SimWorld.Change} {phase.ToString().ToLowerInvariant()} complete");
        if (controllerUp)
        {
            state.SetPhase(new DataPhaseStatus(SimWorld.Change, phase, SimWorld.Store, DataPhaseState.Complete, now));
        }
    }

    private void ControllerDown()
    {
        if (!controllerUp)
        {
            return;
        }
        persisted = SnapshotJson.Serialize(state.CopySnapshot());
        controllerUp = false;
        Count("controller restarts");
        var down = Between(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(90));
        Schedule(now + down, new Event(Kind.ControllerUp));
        trail.Add(now, $"fault: the controller goes down for {down.TotalSeconds:0}s");
    }

    private void ControllerUp()
    {
        state = new ControllerState(SnapshotJson.Deserialize(persisted!));
        persisted = null;
        controllerUp = true;
        foreach (var phase in SimWorld.PhasesInOrder)
        {
            if (store.CompletedAt[(int)phase] is { } done &&
                state.DataPhases.FirstOrDefault(p => p.Phase == phase)?.State != DataPhaseState.Complete)
            {
                state.SetPhase(new DataPhaseStatus(SimWorld.Change, phase, SimWorld.Store, DataPhaseState.Complete, done));
            }
        }
        for (var i = 0; i < options.Nodes; i++)
        {
            Reconnect(i);
        }
        checker.Rebind(state);
        tickGeneration++;
        Schedule(now, new Event(Kind.Tick, A: tickGeneration));
        trail.Add(now, "the controller restarts from its serialized snapshot");
    }

    // ---------------------------------------------------------------- canary analysis samples

    private readonly Dictionary<(string, RolloutPhase), SampleSet> samples = [];

    private sealed class SampleSet
    {
        public readonly List<double> CanaryLatency = [];
        public readonly List<double> BaselineLatency = [];
        public long CanaryErrors;
        public long CanaryRequests;
        public long BaselineErrors;
        public long BaselineRequests;
    }

    /// <summary>
    /// Canary and baseline metrics for every rollout stage under analysis: error counts (a rate) and latencies (a
    /// distribution). The bad-canary release has five times the errors and 80% more latency.
    /// </summary>
    private void CollectSamples()
    {
        state.Samples.RemoveAll(s => state.Rollouts.LastOrDefault(r => r.Id == s.Rollout) is not { InFlight: true } r || r.Phase != s.Stage);
        foreach (var rollout in state.Rollouts)
        {
            if (!rollout.InFlight || rollout.Phase is not (RolloutPhase.Baking or RolloutPhase.RehearsalBake))
            {
                continue;
            }
            var key = (rollout.Id, rollout.Phase);
            if (!samples.TryGetValue(key, out var set))
            {
                samples[key] = set = new SampleSet();
            }
            var canaryRelease = rollout.Phase == RolloutPhase.RehearsalBake ? rollout.From : rollout.To;
            var bad = options.Faults.HasFlag(FaultProfile.BadCanary) && rollout.Service == world.BadRelease.Service && canaryRelease == world.BadRelease.Version;
            Sample(set.CanaryLatency, bad ? 1.8 : 1.0);
            Sample(set.BaselineLatency, 1.0);
            set.CanaryRequests += 200;
            set.CanaryErrors += Errors(200, bad ? 0.05 : 0.002);
            set.BaselineRequests += 200;
            set.BaselineErrors += Errors(200, 0.002);
            state.Samples.RemoveAll(s => s.Rollout == rollout.Id && s.Stage == rollout.Phase);
            state.Samples.Add(new RolloutSamples(rollout.Id, rollout.Phase,
            [
                new MetricSamples("error_rate", [], [], set.CanaryErrors, set.CanaryRequests, set.BaselineErrors, set.BaselineRequests),
                new MetricSamples("latency_ms", [.. set.CanaryLatency], [.. set.BaselineLatency]),
            ]));
        }
    }

    private void Sample(List<double> into, double factor)
    {
        for (var k = 0; k < 10; k++)
        {
            // Log-normal latency around 100 ms (Box-Muller for the normal draw).
            var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            into.Add(Math.Round(100 * factor * Math.Exp(0.3 * z), 3));
        }
        // A sliding window of the last minute (60 values a side): enough for the rank test, cheap for the interval.
        if (into.Count > 60)
        {
            into.RemoveRange(0, into.Count - 60);
        }
    }

    private long Errors(int requests, double rate)
    {
        long errors = 0;
        for (var k = 0; k < requests; k++)
        {
            if (random.NextDouble() < rate)
            {
                errors++;
            }
        }
        return errors;
    }

    // ---------------------------------------------------------------- the simulated operator

    /// <summary>
    /// The operator: starts the plan, rolls the rest of the chain forward bottom-up, resumes what analysis paused,
    /// rolls out the bad canary once its service is ready, and (forbidden profile) tries the moves the guarantees forbid.
    /// </summary>
    private sealed class Operator(Simulation sim)
    {
        private readonly Queue<ReleaseRef> train = new(sim.world.Train());
        private readonly Dictionary<string, string> outstanding = new(StringComparer.Ordinal);
        private readonly HashSet<string> forbiddenDone = new(StringComparer.Ordinal);
        private int requests;
        private bool planRequested;
        private string? badCanaryRollout;
        private bool badCanaryDone;

        public int TrainLeft => train.Count;

        private ControllerState State => sim.state;

        private void Request(string purpose, RequestKind kind, string? service = null, string? version = null, DataPhaseKind? phase = null, string? rollout = null, string? plan = null)
        {
            var id = $"op-{++requests}";
            outstanding[id] = purpose;
            State.Requests.Add(new OperatorRequest(id, kind, sim.now, service, version, kind == RequestKind.RunDataPhase ? SimWorld.Change : null, phase,
                kind == RequestKind.RunDataPhase ? SimWorld.Store : null, rollout, null, plan, purpose));
            sim.trail.Add(sim.now, $"operator: {purpose} ({id})");
        }

        public void Completed(string request, bool accepted)
        {
            if (outstanding.Remove(request, out var purpose))
            {
                sim.trail.Add(sim.now, $"operator: {request} {(accepted ? "accepted" : "refused")}");
                if (purpose.StartsWith("forbidden", StringComparison.Ordinal))
                {
                    sim.Count(accepted ? "forbidden moves accepted" : "forbidden moves refused");
                }
            }
        }

        private bool Pending(string purpose) => outstanding.ContainsValue(purpose);

        private Rollout? InFlight(string service) => State.Rollouts.LastOrDefault(r => r.Service == service && r.InFlight);

        private string Current(string service) => State.Services.LastOrDefault(s => s.Service == service)?.Current ?? SimWorld.Base;

        public void Act()
        {
            var elapsed = sim.now - SimWorld.Epoch;
            var svc0 = SimWorld.ServiceName(0);
            var last = sim.world.BadRelease.Service;
            if (sim.options.Faults.HasFlag(FaultProfile.Forbidden))
            {
                Forbidden(elapsed, svc0, last);
            }
            if (!planRequested && elapsed >= TimeSpan.FromMinutes(2))
            {
                planRequested = true;
                Request("start the plan", RequestKind.StartPlan, plan: SimWorld.PlanId);
            }
            // The train: the rest of the chain, bottom up; a refused or rolled-back step is tried again.
            while (train.Count > 0 && Current(train.Peek().Service) == train.Peek().Version && InFlight(train.Peek().Service) is null)
            {
                train.Dequeue();
            }
            if (train.Count > 0 && elapsed >= TimeSpan.FromMinutes(3) && InFlight(train.Peek().Service) is null && !Pending("train"))
            {
                var next = train.Peek();
                Request("train", RequestKind.StartRollout, next.Service, next.Version);
            }
            // Analysis that needs a person (marginal, inconclusive, no data) pauses a rollout: look, then resume.
            foreach (var rollout in State.Rollouts.Where(r => r.Phase == RolloutPhase.Paused && sim.now - r.PhaseSince >= TimeSpan.FromMinutes(2)))
            {
                if (!Pending($"resume {rollout.Id}"))
                {
                    Request($"resume {rollout.Id}", RequestKind.ResumeRollout, rollout: rollout.Id);
                }
            }
            var plan = State.Plans.FirstOrDefault(p => p.Plan == SimWorld.PlanId);
            if (plan is { State: PlanState.Paused } && plan.StepSince is { } since && sim.now - since >= TimeSpan.FromMinutes(2) && !Pending("resume the plan"))
            {
                Request("resume the plan", RequestKind.StartPlan, plan: SimWorld.PlanId);
            }
            var planDone = plan is { State: PlanState.Complete };
            // The bad release goes out once its service has reached the release before it (with one service, that
            // is after the plan's reads-new): beside the rest of the plan where no dependency forbids it.
            var bad = sim.world.BadRelease;
            var ready = sim.world.Config.FindService(bad.Service)!.At(bad.Ordinal - 1)!.Version;
            if (train.Count == 0 && sim.options.Faults.HasFlag(FaultProfile.BadCanary) && !badCanaryDone && (badCanaryRollout is not null || Current(last) == ready))
            {
                BadCanary(last);
            }
            if (planDone && train.Count == 0 && (badCanaryDone || !sim.options.Faults.HasFlag(FaultProfile.BadCanary)))
            {
                WindDown();
            }
        }

        private void BadCanary(string service)
        {
            if (badCanaryRollout is null)
            {
                badCanaryRollout = State.Rollouts.LastOrDefault(r => r.Service == service && r.To == sim.world.BadRelease.Version)?.Id;
            }
            if (badCanaryRollout is null)
            {
                if (InFlight(service) is null && !Pending("bad canary"))
                {
                    Request("bad canary", RequestKind.StartRollout, service, sim.world.BadRelease.Version);
                }
                return;
            }
            var rollout = State.Rollouts.LastOrDefault(r => r.Id == badCanaryRollout);
            if (rollout is { InFlight: false })
            {
                badCanaryDone = true;
                sim.Count($"bad canary rollout ended {System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(rollout.Phase.ToString()).Replace('-', ' ')}");
            }
        }

        private void Forbidden(TimeSpan elapsed, string svc0, string last)
        {
            void Once(string name, Action move)
            {
                if (forbiddenDone.Add(name))
                {
                    move();
                }
            }
            if (elapsed >= TimeSpan.FromMinutes(1))
            {
                // Before anything has run: drop the old column while every node reads it (G4) ...
                Once("contract", () => Request("forbidden: contract early", RequestKind.RunDataPhase, phase: DataPhaseKind.Contract));
                // ... and jump a service two releases ahead (G1).
                var target = sim.world.ServiceCount == 1 ? SimWorld.Activate : sim.world.BadRelease.Version;
                Once("n+2", () => Request("forbidden: N+2 early", RequestKind.StartRollout, last, target));
            }
            // Two dependent services at once (G5): the next service up while the bottom one rolls.
            if (sim.world.ServiceCount >= 2 && InFlight(SimWorld.ServiceName(sim.world.ServiceCount - 1)) is { Phase: not RolloutPhase.RollingBack } bottom && bottom.To == SimWorld.Prepare)
            {
                Once("dependent", () => Request("forbidden: two dependent services at once", RequestKind.StartRollout, SimWorld.ServiceName(sim.world.ServiceCount - 2), SimWorld.Prepare));
            }
            // Promotion before the rehearsal (G7).
            if (State.Rollouts.FirstOrDefault(r => r.Phase is RolloutPhase.Baking) is { } baking)
            {
                Once("promote", () => Request("forbidden: promote before the rehearsal", RequestKind.PromoteRollout, rollout: baking.Id));
            }
            // Code before its data has baked (G3): reads-new while the backfill is still baking.
            if (sim.store.CompletedAt[(int)DataPhaseKind.Backfill] is { } backfilled && sim.now - backfilled < sim.world.Config.Policy.DataBake &&
                InFlight(svc0) is null && Current(svc0) == SimWorld.Activate)
            {
                Once("reads-new", () => Request("forbidden: reads-new before the backfill baked", RequestKind.StartRollout, svc0, SimWorld.ReadsNew));
            }
        }

        /// <summary>Everything asked for is done: stop injecting new faults and finish once the fleet has settled.</summary>
        private void WindDown()
        {
            if (!sim.stormOver)
            {
                sim.stormOver = true;
                sim.stormOverAt = sim.now;
                sim.trail.Add(sim.now, "operator: plan and train done; no new faults");
            }
            if (sim.pendingFaults > 0 || outstanding.Count > 0 || State.Rollouts.Any(r => r.InFlight) || State.Requests.Count > 0)
            {
                return;
            }
            for (var i = 0; i < sim.options.Nodes; i++)
            {
                if (sim.agents.Installing[i] >= 0 || !sim.agents.Seen[i])
                {
                    return;
                }
            }
            foreach (var node in State.Nodes)
            {
                if (node.State is NodeState.Quarantined or NodeState.Offline || node.ActualRelease != node.DesiredRelease && node.State != NodeState.Decommissioned)
                {
                    return;
                }
            }
            sim.finished = true;
            sim.trail.Add(sim.now, "the fleet has settled");
        }
    }
}

/// <summary>The last events, for a violation report.</summary>
internal sealed class Trail(int length)
{
    private readonly (DateTimeOffset At, string Text)[] ring = new (DateTimeOffset, string)[length];
    private int next;
    private int count;

    public void Add(DateTimeOffset at, string text)
    {
        ring[next] = (at, text);
        next = (next + 1) % ring.Length;
        count = Math.Min(count + 1, ring.Length);
    }

    public IReadOnlyList<string> Render()
    {
        var list = new List<string>(count);
        for (var k = 0; k < count; k++)
        {
            var (at, text) = ring[(next - count + k + ring.Length) % ring.Length];
            list.Add($"+{(at - SimWorld.Epoch):hh\\:mm\\:ss} {text}");
        }
        return list;
    }
}
