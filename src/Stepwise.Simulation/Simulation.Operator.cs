using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>The simulated operator, who asks the controller what an operator asks the server (through the same requests).</summary>
public sealed partial class Simulation
{
    private static readonly TimeSpan OperatorInterval = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The operator: registers the releases the API brings, starts the plan, rolls the rest of the chain forward
    /// bottom-up, resumes what analysis paused, rolls out the bad canary once its service is ready, (forbidden
    /// profile) tries the moves the guarantees forbid, and (client populations) the moves G8 judges.
    /// </summary>
    private sealed partial class Operator(Simulation sim)
    {
        private readonly Queue<ReleaseRef> train = new(sim.world.Train());
        private readonly Dictionary<string, string> outstanding = new(StringComparer.Ordinal);
        private readonly HashSet<string> forbiddenDone = new(StringComparer.Ordinal);
        private readonly Queue<(string Service, ReleaseDeclaration Release)> registrations = new(sim.world.Registrations);
        private int requests;
        private bool planRequested;
        private string? badCanaryRollout;
        private bool badCanaryDone;

        public int TrainLeft => train.Count;

        private ControllerState State => sim.control;

        private void Request(string purpose, RequestKind kind, string? service = null, string? version = null, DataPhaseKind? phase = null, string? rollout = null, string? plan = null,
            ReleaseDeclaration? release = null, string? node = null)
        {
            var id = $"op-{++requests}";
            outstanding[id] = purpose;
            var request = new OperatorRequest(id, kind, sim.now, service, version, kind == RequestKind.RunDataPhase ? SimWorld.Change : null, phase,
                kind == RequestKind.RunDataPhase ? SimWorld.Store : null, rollout, node, plan, purpose, release);
            State.Requests.Add(request);
            sim.tape?.Invoke(new TapeRequest(sim.now, request));
            sim.trail.Add(sim.now, $"operator: {purpose} ({id})");
        }

        /// <summary>Registers the next release through the API request path, one at a time (each is appended as its service's newest).</summary>
        private void Register()
        {
            if (registrations.Count == 0 || Pending("register"))
            {
                return;
            }
            var (service, release) = registrations.Peek();
            if (State.Config.FindRelease(service, release.Version) is not null)
            {
                registrations.Dequeue();
                return;
            }
            Request("register", RequestKind.RegisterRelease, service, release.Version, release: release);
        }

        /// <summary>A request completed, with the refusals that refused it.</summary>
        public void Completed(string request, bool accepted, IReadOnlyList<Refusal> refused)
        {
            if (outstanding.Remove(request, out var purpose))
            {
                sim.trail.Add(sim.now, $"operator: {request} {(accepted ? "accepted" : "refused")}");
                if (purpose.StartsWith("forbidden", StringComparison.Ordinal))
                {
                    sim.Count(accepted ? "forbidden moves accepted" : "forbidden moves refused");
                }
                if (purpose == ClientRegistrationPurpose)
                {
                    ClientRegistrationCompleted(accepted, refused);
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
            if (elapsed >= TimeSpan.FromMinutes(1))
            {
                Register();
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
            if (train.Count > 0 && elapsed >= TimeSpan.FromMinutes(3) && InFlight(train.Peek().Service) is null && !Pending("train") &&
                State.Config.FindRelease(train.Peek().Service, train.Peek().Version) is not null)
            {
                var next = train.Peek();
                Request("train", RequestKind.StartRollout, next.Service, next.Version);
            }
            // A rollout waiting at an approval gate: watch it for a while, then approve.
            foreach (var rollout in State.Rollouts.Where(r => r is { Phase: RolloutPhase.Paused, WaitsFor: not null } && sim.now - r.PhaseSince >= sim.options.ApproveAfter))
            {
                if (!Pending($"approve {rollout.Id}"))
                {
                    Request($"approve {rollout.Id}", RequestKind.ApproveRollout, rollout: rollout.Id);
                    sim.Count($"approved at {Names.Of(rollout.WaitsFor!.Value)}");
                }
            }
            // Analysis that needs a person (marginal, inconclusive, no data) pauses a rollout: look, then resume.
            foreach (var rollout in State.Rollouts.Where(r => r is { Phase: RolloutPhase.Paused, WaitsFor: null } && sim.now - r.PhaseSince >= TimeSpan.FromMinutes(2)))
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
            EnableReturned();
            if (sim.population is not null)
            {
                ClientMoves(elapsed);
            }
            var planDone = plan is { State: PlanState.Complete };
            // The bad release goes out once its service has reached the release before it (with one service, that
            // is after the plan's reads-new): beside the rest of the plan where no dependency forbids it.
            var bad = sim.world.BadRelease;
            var ready = sim.world.Config.FindService(bad.Service)!.At(bad.Ordinal - 1)!.Version;
            if (train.Count == 0 && sim.options.Faults.HasFlag(FaultProfile.BadCanary) && !badCanaryDone && (badCanaryRollout is not null || Current(last) == ready) &&
                State.Config.FindRelease(bad.Service, bad.Version) is not null)
            {
                BadCanary(last);
            }
            if (planDone && train.Count == 0 && (badCanaryDone || !sim.options.Faults.HasFlag(FaultProfile.BadCanary)) && ClientMovesDone)
            {
                WindDown();
            }
        }

        /// <summary>A decommissioned node stays out until an operator lets it back: one that heartbeats again is enabled after a look.</summary>
        private void EnableReturned()
        {
            foreach (var node in sim.planner.Nodes.All())
            {
                if (node is { State: NodeState.Decommissioned, LastHeartbeat: { } hb, StateSince: { } since } && hb > since &&
                    sim.now - hb < TimeSpan.FromMinutes(1) && !Pending($"enable {node.Id}"))
                {
                    Request($"enable {node.Id}", RequestKind.EnableNode, node: node.Id);
                }
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
                sim.Count($"bad canary rollout ended {Names.Of(rollout.Phase)}");
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
                if (State.Config.FindRelease(last, target) is not null)
                {
                    Once("n+2", () => Request("forbidden: N+2 early", RequestKind.StartRollout, last, target));
                }
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
            if (sim.pendingFaults > 0 || outstanding.Count > 0 || registrations.Count > 0 || State.Rollouts.Any(r => r.InFlight) || State.Requests.Count > 0)
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
            foreach (var node in sim.planner.Nodes.All())
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
