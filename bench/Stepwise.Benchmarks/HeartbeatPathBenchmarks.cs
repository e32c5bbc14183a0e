using BenchmarkDotNet.Attributes;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;
using Stepwise.Simulation;

namespace Stepwise.Benchmarks;

/// <summary>
/// What one heartbeat costs in the code the server and the simulator share: the node table's merge
/// (<see cref="NodeTable.Report"/>), the may-serve rule, and the sample collector, over a 100,000-node table, with
/// and without a rollout whose canary stage collects samples.
/// </summary>
[MemoryDiagnoser]
public class HeartbeatPathBenchmarks
{
    private const int Nodes = 100_000;
    private static readonly double[] Latencies = [98.1, 101.4, 97.3, 120.2, 99.9, 103.3, 95.0, 100.1, 102.8, 99.2];
    private TickPlanner idle = null!;
    private TickPlanner collecting = null!;
    private string[] ids = null!;
    private string[] services = null!;
    private DateTimeOffset now;
    private int next;

    [GlobalSetup]
    public void Setup()
    {
        var world = new SimWorld(new SimulationOptions(Nodes, 3, 1, FaultProfile.None));
        now = SimWorld.Epoch + TimeSpan.FromHours(1);
        ids = world.NodeIds;
        services = [.. world.NodeService.Select(SimWorld.ServiceName)];
        TickPlanner Planner()
        {
            var table = new NodeTable();
            table.Load(Enumerable.Range(0, Nodes).Select(i => new Node(ids[i], services[i], SimWorld.Base, SimWorld.Base, now, NodeHealth.Healthy, NodeState.Active, SimWorld.Epoch)));
            return new TickPlanner(table, new SampleCollector(), new Core.Decider(Core.Guarantees.GuaranteeSet.Default));
        }
        idle = Planner();
        collecting = Planner();
        var canaries = Enumerable.Range(0, Nodes).Where(i => world.NodeService[i] == 0).Take(1).Select(i => ids[i]).ToList();
        collecting.Samples.Track([new Rollout("svc-0-1.1.0-1", "svc-0", SimWorld.Base, SimWorld.Prepare, RolloutPhase.Waves, now, 1, canaries)]);
    }

    [Benchmark(Baseline = true, Description = "report + may-serve, nothing collected")]
    public bool Idle() => Beat(idle);

    [Benchmark(Description = "report + may-serve + samples (a wave collecting)")]
    public bool Collecting() => Beat(collecting);

    private bool Beat(TickPlanner planner)
    {
        var i = next++ % Nodes;
        var node = planner.Nodes.Report(ids[i], services[i], SimWorld.Base, NodeHealth.Healthy, now);
        return planner.MayServe(node) && planner.Samples.Add(ids[i], services[i], SimWorld.Base, 200, 1, Latencies);
    }
}
