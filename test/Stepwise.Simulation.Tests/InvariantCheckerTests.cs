using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Simulation.Tests;

/// <summary>The checker on a hand-made world: each rule fires on the situation it forbids, and only then.</summary>
public class InvariantCheckerTests
{
    private sealed class Fixture
    {
        public Fixture()
        {
            World = new SimWorld(new SimulationOptions(12, 3, 1, FaultProfile.None));
            Agents = new Agents(12);
            State = new ControllerState(Snapshot.Of(World.Config, []));
            for (var i = 0; i < 12; i++)
            {
                State.Upsert(new Node(World.NodeIds[i], SimWorld.ServiceName(World.NodeService[i]), SimWorld.Base, SimWorld.Base, SimWorld.Epoch, NodeHealth.Healthy, NodeState.Active));
            }
            foreach (var service in World.Config.Services)
            {
                State.Services.Add(new ServiceStatus(service.Name, SimWorld.Base));
            }
            Checker = new InvariantChecker(World, Agents, Store, State, State.Node) { Now = SimWorld.Epoch };
        }

        public SimWorld World { get; }
        public Agents Agents { get; }
        public StoreTruth Store { get; } = new();
        public ControllerState State { get; }
        public InvariantChecker Checker { get; }

        /// <summary>Node index of the k-th node of a service.</summary>
        public int NodeOf(int service, int k = 0) => Enumerable.Range(0, 12).Where(i => World.NodeService[i] == service).ElementAt(k);

        public void Tell(int i, string release)
        {
            State.Update(World.NodeIds[i], n => n with { DesiredRelease = release });
            Checker.Touch(i);
        }

        public void Run(int i, int ordinal)
        {
            Agents.Running[i] = ordinal;
            Checker.Touch(i);
        }

        public IReadOnlyList<string> Check()
        {
            Checker.Check();
            return [.. Checker.Found.Select(v => v.Guarantee)];
        }
    }

    [Fact]
    public void a_settled_fleet_breaks_no_rule()
    {
        var f = new Fixture();

        f.Check().ShouldBeEmpty();
        Should.NotThrow(f.Checker.CrossCheck);
    }

    [Fact]
    public void telling_a_node_to_run_n_plus_2_breaks_the_version_window()
    {
        var f = new Fixture();

        f.Tell(f.NodeOf(2), "1.2.0");

        f.Check().ShouldContain("G1");
    }

    [Fact]
    public void a_quarantined_node_on_an_old_release_does_not_break_the_window()
    {
        var f = new Fixture();
        foreach (var i in Enumerable.Range(0, 12).Where(i => f.World.NodeService[i] == 2))
        {
            f.Tell(i, "1.1.0");
            f.Run(i, 1);
        }
        f.State.Services.RemoveAll(s => s.Service == "svc-2");
        f.State.Services.Add(new ServiceStatus("svc-2", "1.1.0"));
        f.Checker.Rebind(f.State, f.State.Node);
        var stale = f.NodeOf(2);
        f.State.Update(f.World.NodeIds[stale], n => n with { State = NodeState.Quarantined });
        f.Run(stale, 0);
        f.Tell(stale, "1.1.0");

        f.Check().ShouldBeEmpty();
    }

    [Fact]
    public void an_active_node_serving_outside_the_window_breaks_stale_node_but_not_before_the_controller_saw_it()
    {
        var f = new Fixture();
        var node = f.NodeOf(1);
        f.Agents.Seen[node] = false;
        f.Run(node, 1);

        f.Check().ShouldBeEmpty();

        f.Agents.Seen[node] = true;
        f.Checker.Touch(node);

        f.Check().ShouldContain("G2");
    }

    [Fact]
    public void running_code_whose_data_is_missing_breaks_data_before_code()
    {
        var f = new Fixture();

        f.Tell(f.NodeOf(0), SimWorld.ReadsNew);

        f.Check().ShouldContain("G3");
    }

    [Fact]
    public void code_reading_both_shapes_needs_the_expand_but_not_the_backfill()
    {
        var f = new Fixture();
        f.Tell(f.NodeOf(0), SimWorld.Prepare);

        f.Check().ShouldContain("G3");

        var g = new Fixture();
        g.Store.StartedAt[(int)DataPhaseKind.Expand] = SimWorld.Epoch;
        g.Store.CompletedAt[(int)DataPhaseKind.Expand] = SimWorld.Epoch;
        g.Tell(g.NodeOf(0), SimWorld.Prepare);

        g.Check().ShouldBeEmpty();

        g.Tell(g.NodeOf(0, 1), SimWorld.ReadsNew);

        g.Check().ShouldContain("G3");
    }

    [Fact]
    public void serving_old_shape_code_after_the_contract_breaks_contract_after_code()
    {
        var f = new Fixture();
        f.Store.StartedAt[(int)DataPhaseKind.Contract] = SimWorld.Epoch;

        f.Check().ShouldContain("G4");
    }

    [Fact]
    public void a_caller_serving_a_call_its_callee_does_not_provide_breaks_one_change_at_a_time()
    {
        var f = new Fixture();
        var caller = f.NodeOf(1);
        f.Tell(caller, "1.1.0");
        f.Run(caller, 1);

        // svc-1 1.1.0 calls svc-2 v2, which svc-2 1.0.0 (every serving svc-2 node) does not provide.
        f.Check().ShouldContain("G5");
    }

    [Fact]
    public void a_wave_before_the_rehearsal_breaks_rollback_rehearsed()
    {
        var f = new Fixture();
        var canary = f.World.NodeIds[f.NodeOf(2, 0)];
        var other = f.World.NodeIds[f.NodeOf(2, 1)];
        f.State.Rollouts.Add(new Rollout("svc-2-1.1.0-1", "svc-2", "1.0.0", "1.1.0", RolloutPhase.Waves, SimWorld.Epoch, 1, [canary]));
        var decisions = new Decisions(
        [
            new StartRollout("svc-2-1.1.0-1", "svc-2", "1.0.0", "1.1.0", [canary], null, "start"),
            new AdvanceRollout("svc-2-1.1.0-1", RolloutPhase.Baking, RolloutPhase.Waves, 1, "skipped the rehearsal"),
            new SetDesiredRelease("svc-2", "1.1.0", [other], "svc-2-1.1.0-1", "wave 1"),
        ], []);

        f.Checker.AfterTick(decisions);

        f.Checker.Found.Select(v => v.Guarantee).ShouldContain("G7");
    }

    [Fact]
    public void a_change_the_checker_was_not_told_about_is_caught_by_the_cross_check()
    {
        var f = new Fixture();
        f.Agents.Running[f.NodeOf(0)] = 1; // no Touch

        Should.Throw<InvalidOperationException>(f.Checker.CrossCheck).Message.ShouldContain("drifted");
    }
}
