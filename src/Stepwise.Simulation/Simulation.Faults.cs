using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>The injected faults: crash and partition storms, slow nodes, stale nodes during a push, controller restarts.</summary>
public sealed partial class Simulation
{
    private int pendingFaults;
    private bool stormOver;
    private DateTimeOffset? stormOverAt;
    private bool staleInjected;

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

    private void CrashStorm()
    {
        if (stormOver)
        {
            return;
        }
        var node = random.Next(options.Nodes);
        var down = Between(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(4));
        var reimage = random.NextDouble() < 0.3;
        Schedule(now, new Event(Kind.Crash, node, (int)down.TotalSeconds, reimage ? 1 : 0));
        Schedule(now + Exponential(TimeSpan.FromMinutes(3)), new Event(Kind.CrashStorm));
    }

    private void PartitionStorm()
    {
        if (stormOver)
        {
            return;
        }
        var size = 1 + random.Next(3);
        var duration = Between(TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(3));
        for (var k = 0; k < size; k++)
        {
            Schedule(now, new Event(Kind.PartitionStart, random.Next(options.Nodes), (int)duration.TotalSeconds));
        }
        Schedule(now + Exponential(TimeSpan.FromMinutes(5)), new Event(Kind.PartitionStorm));
    }

    /// <summary>The stale-node fault watches the controller: it strikes when the first rollout reaches its waves.</summary>
    private void ObserveStale()
    {
        if (staleInjected || !options.Faults.HasFlag(FaultProfile.Stale))
        {
            return;
        }
        var rollout = control.Rollouts.FirstOrDefault(r => r.Phase == RolloutPhase.Waves);
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
}
