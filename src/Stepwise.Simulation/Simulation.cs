using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Fleet;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Simulation;

/// <summary>Where a running simulation is, for a progress display.</summary>
public readonly record struct SimulationProgress(TimeSpan Simulated, int PlanStep, int PlanSteps, long Events);

/// <summary>
/// A deterministic simulation: simulated nodes, clock and network driving the server's own controller code —
/// Core's <see cref="TickPlanner"/> over a <see cref="NodeTable"/> and a <see cref="SampleCollector"/>, fed by
/// heartbeats, deciding with the same <see cref="Decider"/> — with injected faults, and an independent checker after
/// every event. One <see cref="Random"/> seeded from the options drives everything; events are ordered by (time,
/// sequence), so a seed replays exactly. The parts: the event loop (here), the controller, the agents, the faults, the
/// client populations and the operator (each in its own file).
/// </summary>
public sealed partial class Simulation
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
        ClientCalls,
        ClientVersion,
    }

    private readonly record struct Event(Kind Kind, int Node = -1, int A = 0, int B = 0);

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
    private readonly Action<TapeEntry>? tape;
    private readonly SortedDictionary<string, int> counters = new(StringComparer.Ordinal);
    private readonly HashSet<string> refusalKeys = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, int> refusals = new(StringComparer.Ordinal);
    private readonly List<int> unseen = [];
    private readonly Operator op;

    private DateTimeOffset now = SimWorld.Epoch;
    private long seq;
    private long events;
    private bool finished;
    private readonly List<Violation> violations = [];

    private Simulation(SimulationOptions options, Action<SimulationProgress>? progress, Action<TapeEntry>? tape)
    {
        this.options = options;
        this.progress = progress;
        this.tape = tape;
        world = new SimWorld(options);
        random = new Random(options.Seed);
        decider = new Decider(SabotageRules.GuaranteesWith(options.Sabotage));
        versions = [.. world.Config.Services.Select(s => s.Releases.Select(r => r.Version).ToArray())];
        agents = new Agents(options.Nodes);
        population = options.Clients is { } clients ? new ClientPopulationState(clients) : null;
        trail = new Trail(options.TrailLength);
        for (var i = 0; i < options.Nodes; i++)
        {
            nodeIndex[world.NodeIds[i]] = i;
            agents.Desired[i] = 0;
        }
        StartPrometheus();
        StartController();
        checker = new InvariantChecker(world, agents, store, control, id => planner.Nodes.Find(id), population) { Trail = trail.Render, Now = now };
        op = new Operator(this);
    }

    /// <summary>
    /// Runs a whole simulation. Deterministic: the same options give the same result. <paramref name="tape"/>, when
    /// given, receives every input the controller took and every tick's decisions, in order (see <see cref="TapeEntry"/>).
    /// </summary>
    public static SimulationResult Run(SimulationOptions options, Action<SimulationProgress>? progress = null, Action<TapeEntry>? tape = null)
    {
        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }
        return new Simulation(options, progress, tape).Run();
    }

    private SimulationResult Run()
    {
        ScheduleFaults();
        ScheduleClients();
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
        CountQueries();
        var plan = control.Plans.FirstOrDefault(p => p.Plan == SimWorld.PlanId);
        return new SimulationResult(
            options,
            violations,
            events,
            decisionCount,
            actionCount,
            refusals,
            (now - SimWorld.Epoch).TotalSeconds,
            Names.Of(plan?.State ?? PlanState.Pending),
            plan?.Step ?? 0,
            world.Config.Plans[0].Steps.Count,
            counters);
    }

    private string Describe()
    {
        var plan = control.Plans.FirstOrDefault(p => p.Plan == SimWorld.PlanId);
        var inFlight = control.Rollouts.Where(r => r.InFlight).Select(r => $"{r.Id} {Names.Of(r.Phase)}").ToList();
        var nodes = planner.Nodes.All();
        return $"plan {(plan is null ? "not started" : Names.Of(plan.State))} at step {(plan?.Step ?? 0) + 1}; in flight: {(inFlight.Count == 0 ? "nothing" : string.Join(", ", inFlight))}; " +
               $"train left: {op.TrainLeft}; pending faults: {pendingFaults}; quarantined: {nodes.Count(n => n.State == NodeState.Quarantined)}; offline: {nodes.Count(n => n.State == NodeState.Offline)}";
    }

    private void Schedule(DateTimeOffset at, Event ev) => queue.Enqueue(ev, (at.UtcTicks, seq++));

    private void Count(string counter, int by = 1) => counters[counter] = counters.GetValueOrDefault(counter) + by;

    private TimeSpan Between(TimeSpan min, TimeSpan max) => min + TimeSpan.FromMilliseconds(random.NextDouble() * (max - min).TotalMilliseconds);

    private TimeSpan Exponential(TimeSpan mean) => TimeSpan.FromMilliseconds(-Math.Log(1 - random.NextDouble()) * mean.TotalMilliseconds);

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
                DataPhaseDone((DataPhaseKind)ev.A, ev.B);
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
                CrashStorm();
                break;
            case Kind.PartitionStorm:
                PartitionStorm();
                break;
            case Kind.ClientCalls:
                ClientCalls();
                break;
            case Kind.ClientVersion:
                ClientVersion(ev.A);
                break;
        }
    }
}
