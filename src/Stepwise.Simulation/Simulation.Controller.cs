using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Simulation;

/// <summary>
/// The simulated controller: the server's reconciler without its I/O. Its memory is a <see cref="TickPlanner"/>
/// (node table, sample collector, logged refusals), lost on a controller restart; its store is
/// <see cref="control"/>, the control state decisions are applied to (and, on a restart, the persisted snapshot).
/// </summary>
public sealed partial class Simulation
{
    private TickPlanner planner = null!;
    private ControllerState control = null!;
    private long decisionCount;
    private long actionCount;
    private int tickGeneration;
    private bool controllerUp = true;
    private string? persisted;

    /// <summary>The controller's first start: the fleet on 1.0.0, heartbeats spread over the interval as real agents' are.</summary>
    private void StartController()
    {
        control = new ControllerState(Snapshot.Of(world.Initial, []));
        foreach (var service in world.Initial.Services)
        {
            control.Services.Add(new ServiceStatus(service.Name, SimWorld.Base));
        }
        planner = new TickPlanner(new NodeTable(), new SampleCollector(), decider);
        ConnectPrometheus();
        var nodes = new List<Node>(options.Nodes);
        var joins = new List<(DateTimeOffset At, int Node)>();
        for (var i = 0; i < options.Nodes; i++)
        {
            var heartbeat = now - TimeSpan.FromMilliseconds(random.Next((int)HeartbeatInterval.TotalMilliseconds));
            agents.ReportedAt[i] = heartbeat.UtcTicks;
            if (options.JoinByHeartbeat)
            {
                joins.Add((heartbeat, i));
                continue;
            }
            // Half the fleet was provisioned with its release named by the controller; the other half joined by
            // heartbeat and was admitted, so no release was ever named for it (as on the server).
            var desired = i % 2 == 0 ? SimWorld.Base : null;
            nodes.Add(new Node(world.NodeIds[i], SimWorld.ServiceName(world.NodeService[i]), SimWorld.Base, desired, heartbeat, NodeHealth.Healthy, NodeState.Active, now));
        }
        planner.Nodes.Load(nodes);
        // A fleet that meets the controller for the first time: every node reports, in the order its heartbeat came,
        // to a controller that listens from the first one on.
        foreach (var (at, i) in joins.OrderBy(j => j.At).ThenBy(j => j.Node))
        {
            planner.LivenessFrom ??= at;
            var service = SimWorld.ServiceName(world.NodeService[i]);
            planner.Nodes.Report(world.NodeIds[i], service, SimWorld.Base, NodeHealth.Healthy, at);
            tape?.Invoke(new TapeHeartbeat(at, world.NodeIds[i], service, SimWorld.Base, 0, 0, []));
        }
    }

    /// <summary>One reconciler tick: heartbeats are flushed, the planner decides, the decisions are "committed" to the control state, and the world acts.</summary>
    private void Tick()
    {
        RefreshHeartbeats();
        planner.Nodes.TakeDirty(); // the flush: the store is this process's memory here
        RefreshQueries();
        var plan = planner.Plan(control.Config, new ControlState(control.Services, control.Rollouts, control.DataPhases, control.Plans, control.Requests, control.Overrides, control.Alerts), now,
            clients: ClientTelemetry());
        var decisions = plan.Decisions;
        decisionCount++;
        actionCount += decisions.Actions.Count;
        foreach (var refusal in decisions.Refusals)
        {
            CountRefusal(refusal);
        }
        tape?.Invoke(new TapeTick(now, TapeTick.Lines(decisions)));
        control.Apply(decisions, now);
        planner.Committed(plan);
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
            trail.Add(now, "tick: " + string.Join("; ", decisions.Actions.Select(ActionSummaries.Of).Concat(decisions.Refusals.Select(r => $"refused ({r.Guarantee}) {r.Subject}"))));
        }
        if (decisionCount % 100 == 0)
        {
            checker.CrossCheck();
        }
        if (progress is not null && decisionCount % 30 == 0)
        {
            var p = control.Plans.FirstOrDefault(x => x.Plan == SimWorld.PlanId);
            progress(new SimulationProgress(now - SimWorld.Epoch, p?.Step ?? 0, world.Config.Plans[0].Steps.Count, events));
        }
        Schedule(now + options.Tick, new Event(Kind.Tick, A: tickGeneration));
        ObserveStale();
    }

    /// <summary>Counts a refusal once per (guarantee, subject, request or plan), by guarantee and, for G8, by what it refused.</summary>
    private void CountRefusal(Refusal refusal)
    {
        if (!refusalKeys.Add(refusal.Key))
        {
            return;
        }
        refusals[refusal.Guarantee.ToString()] = refusals.GetValueOrDefault(refusal.Guarantee.ToString()) + 1;
        if (refusal.Guarantee == GuaranteeId.G8)
        {
            Count(refusal.Subject.Split(' ')[0] switch
            {
                "release" => "G8 refused registrations",
                "rollout" => "G8 refused rollouts",
                _ => "G8 refused minimum-version raises",
            });
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
                    store.Interrupted[(int)a.Phase] = false;
                    var run = ++store.Run[(int)a.Phase];
                    var duration = a.Phase switch
                    {
                        DataPhaseKind.Expand => Between(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2)),
                        DataPhaseKind.Backfill => Between(TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(8)),
                        _ => Between(TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(1)),
                    };
                    Schedule(now + duration, new Event(Kind.DataPhaseDone, A: (int)a.Phase, B: run));
                    Count("data phases run");
                    break;
                case QuarantineNode a:
                    Count("quarantines");
                    // Its release is now G2's business, also if it goes offline (and so out of quarantine) before it moves.
                    agents.Stray[nodeIndex[a.Node]] = true;
                    checker.Touch(nodeIndex[a.Node]);
                    break;
                case INodeChange a:
                    Count(a switch
                    {
                        AdmitNode => "nodes admitted back",
                        MarkNodeOffline => "nodes marked offline",
                        DecommissionNode => "nodes decommissioned",
                        EnableNode => "nodes enabled",
                        _ => "nodes released from quarantine",
                    });
                    checker.Touch(nodeIndex[a.Node]);
                    break;
                case StartRollout:
                    Count("rollouts started");
                    break;
                case ReplaceCanary:
                    Count("canaries replaced");
                    break;
                case RollBackRollout:
                    Count("rollouts rolled back by analysis or health");
                    break;
                case RegisterRelease:
                    Count("releases registered through the API");
                    break;
                case UseOverride:
                    Count("overrides used");
                    break;
                case CompleteRequest a:
                    op.Completed(a.Request, a.Accepted, [.. decisions.Refusals.Where(r => r.Request == a.Request)]);
                    break;
            }
        }
    }

    private void DataPhaseDone(DataPhaseKind phase, int run)
    {
        if (run != store.Run[(int)phase] || store.Interrupted[(int)phase])
        {
            return;
        }
        store.CompletedAt[(int)phase] = now;
        trail.Add(now, $"store: {SimWorld.Change} {Names.Of(phase)} complete");
        if (controllerUp)
        {
            tape?.Invoke(new TapePhaseDone(now, SimWorld.Change, phase));
            control.SetPhase(new DataPhaseStatus(SimWorld.Change, phase, SimWorld.Store, DataPhaseState.Complete, now));
        }
    }

    /// <summary>The controller stops: its memory (node table, samples) is gone; what it committed (and the nodes it last saw) is persisted.</summary>
    private void ControllerDown()
    {
        if (!controllerUp)
        {
            return;
        }
        persisted = SnapshotJson.Serialize(control.CopySnapshot() with { Nodes = planner.Nodes.All() });
        controllerUp = false;
        // A data phase runs in the controller's process: the stop interrupts it (what it committed stays in the store).
        foreach (var phase in SimWorld.PhasesInOrder.Where(store.Running))
        {
            store.Interrupted[(int)phase] = true;
            trail.Add(now, $"store: {SimWorld.Change} {Names.Of(phase)} interrupted by the controller's stop");
        }
        tape?.Invoke(new TapeControllerDown(now));
        Count("controller restarts");
        var down = Between(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(90));
        Schedule(now + down, new Event(Kind.ControllerUp));
        trail.Add(now, $"fault: the controller goes down for {down.TotalSeconds:0}s");
    }

    /// <summary>
    /// The controller starts again from its persisted snapshot, with a liveness grace (heartbeats sent while it was down
    /// do not count against a node); a phase it was running is recorded Failed; every reachable agent reconnects.
    /// </summary>
    private void ControllerUp()
    {
        var snapshot = SnapshotJson.Deserialize(persisted!);
        persisted = null;
        control = new ControllerState(snapshot with { Nodes = [] });
        planner = new TickPlanner(new NodeTable(), new SampleCollector(), decider) { LivenessFrom = now };
        ConnectPrometheus();
        planner.Nodes.Load(snapshot.Nodes);
        controllerUp = true;
        tape?.Invoke(new TapeControllerUp(now));
        // It runs no phase yet: one its store shows Running was interrupted, and is recorded Failed as the server records it.
        foreach (var failed in InterruptedPhases.Of(control.DataPhases, _ => false))
        {
            control.SetPhase(failed);
            trail.Add(now, $"controller: {failed.Change} {Names.Of(failed.Phase)} failed: {InterruptedPhases.Reason}");
        }
        for (var i = 0; i < options.Nodes; i++)
        {
            Reconnect(i);
        }
        // The middleware held its counts while the controller was down; it ships them now.
        ShipTelemetry();
        checker.Rebind(control, id => planner.Nodes.Find(id));
        tickGeneration++;
        Schedule(now, new Event(Kind.Tick, A: tickGeneration));
        trail.Add(now, "the controller restarts from its persisted snapshot");
    }
}
