using BenchmarkDotNet.Attributes;
using Stepwise.Core;
using Stepwise.Core.Model;
using Stepwise.Simulation;

namespace Stepwise.Benchmarks;

/// <summary>
/// One Decide call on a 100,000-node, 3-service fleet (the simulator's world): settled, and with the first service's
/// rollout in its second wave (half its nodes moving, the plan waiting on it).
/// </summary>
[MemoryDiagnoser]
public class DecideBenchmarks
{
    private const int Nodes = 100_000;
    private Snapshot settled = null!;
    private Snapshot inWaves = null!;
    private DateTimeOffset now;

    [GlobalSetup]
    public void Setup()
    {
        var world = new SimWorld(new SimulationOptions(Nodes, 3, 1, FaultProfile.None));
        now = SimWorld.Epoch + TimeSpan.FromHours(1);
        var config = world.Config;
        var services = config.Services.Select(s => new ServiceStatus(s.Name, SimWorld.Base)).ToList();
        var expand = new DataPhaseStatus(SimWorld.Change, DataPhaseKind.Expand, SimWorld.Store, DataPhaseState.Complete, now - TimeSpan.FromMinutes(30));

        var nodes = new Node[Nodes];
        for (var i = 0; i < Nodes; i++)
        {
            nodes[i] = new Node(world.NodeIds[i], SimWorld.ServiceName(world.NodeService[i]), SimWorld.Base, SimWorld.Base, now - TimeSpan.FromSeconds(i % 40), NodeHealth.Healthy, NodeState.Active, SimWorld.Epoch);
        }
        settled = new Snapshot(config, nodes, services, [], [expand], [], [], [], [], []);

        // svc-0 1.0.0 -> 1.1.0 in wave 2 of 3: the first half of its nodes told (and running) 1.1.0.
        var moving = new Node[Nodes];
        var svc0 = Enumerable.Range(0, Nodes).Where(i => world.NodeService[i] == 0).ToList();
        var half = new HashSet<int>(svc0.Take(svc0.Count / 2));
        for (var i = 0; i < Nodes; i++)
        {
            moving[i] = half.Contains(i) ? nodes[i] with { ActualRelease = SimWorld.Prepare, DesiredRelease = SimWorld.Prepare } : nodes[i];
        }
        var canaries = svc0.Take(config.Policy.Canary.SizeFor(svc0.Count)).Select(i => world.NodeIds[i]).ToList();
        var rollout = new Rollout("svc-0-1.1.0-1", "svc-0", SimWorld.Base, SimWorld.Prepare, RolloutPhase.Waves, now - TimeSpan.FromSeconds(30), 2, canaries, Plan: SimWorld.PlanId);
        var plan = new PlanProgress(SimWorld.PlanId, 1, PlanState.Running, now - TimeSpan.FromMinutes(20));
        inWaves = new Snapshot(config, moving, services, [rollout], [expand], [plan], [], [], [], []);

        // svc-0 settled on 1.2.0, the plan at step 5 (release 1.3.0) while the backfill still bakes: every gate runs
        // over the fleet and G3 refuses, as it does on every tick until the bake is over.
        var activated = new Node[Nodes];
        for (var i = 0; i < Nodes; i++)
        {
            activated[i] = world.NodeService[i] == 0 ? nodes[i] with { ActualRelease = SimWorld.Activate, DesiredRelease = SimWorld.Activate } : nodes[i] with { ActualRelease = SimWorld.Prepare, DesiredRelease = SimWorld.Prepare };
        }
        var current = config.Services.Select(s => new ServiceStatus(s.Name, s.Name == "svc-0" ? SimWorld.Activate : SimWorld.Prepare)).ToList();
        var backfill = new DataPhaseStatus(SimWorld.Change, DataPhaseKind.Backfill, SimWorld.Store, DataPhaseState.Complete, now - TimeSpan.FromMinutes(1));
        var atStep5 = new PlanProgress(SimWorld.PlanId, 4, PlanState.Running, now - TimeSpan.FromMinutes(1));
        refused = new Snapshot(config, activated, current, [], [expand, backfill], [atStep5], [], [], [], []);
    }

    private Snapshot refused = null!;

    [Benchmark]
    public int PlanStepRefused() => Decider.Decide(refused, now).Refusals.Count;

    [Benchmark(Baseline = true)]
    public int Settled() => Decider.Decide(settled, now).Actions.Count;

    [Benchmark]
    public int RolloutInWaves() => Decider.Decide(inWaves, now).Actions.Count;
}
