using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// The simulated agents: they install what they are told, crash, restart (maybe re-imaged), lose the controller, and
/// report with heartbeats that go through the controller's node table and sample collector, carrying the traffic
/// their app served since the previous one.
/// </summary>
public sealed partial class Simulation
{
    /// <summary>Age at which a routine heartbeat is sent: early enough that a live node never looks timed out between ticks.</summary>
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(100);

    /// <summary>Requests a node's app serves per second, and the most latency samples one heartbeat carries.</summary>
    private const double RequestsPerSecond = 20;
    private const int LatencySamplesPerHeartbeat = 20;

    /// <summary>The share of failed requests of a good release and of the bad canary, and how much slower the bad canary is.</summary>
    private const double GoodErrorRate = 0.002, BadErrorRate = 0.05, BadLatencyFactor = 1.8;

    /// <summary>Whether node <paramref name="i"/> runs the bad canary now (the bad-canary fault).</summary>
    private bool Bad(int i) =>
        options.Faults.HasFlag(FaultProfile.BadCanary) && SimWorld.ServiceName(world.NodeService[i]) == world.BadRelease.Service && agents.Running[i] == world.BadRelease.Ordinal;

    /// <summary>
    /// Reachable agents whose last heartbeat is <see cref="HeartbeatInterval"/> old report (no event per node per tick);
    /// anything new (an install, a restart, a reconnect) is reported at once.
    /// </summary>
    private void RefreshHeartbeats()
    {
        var due = (now - HeartbeatInterval).UtcTicks;
        for (var i = 0; i < options.Nodes; i++)
        {
            if (agents.ReportedAt[i] <= due && agents.Reachable(i))
            {
                Report(i);
            }
        }
    }

    /// <summary>The agent's heartbeat reaches the controller: release, health and the traffic served since the last one.</summary>
    private void Report(int i)
    {
        if (!controllerUp || !agents.Reachable(i))
        {
            return;
        }
        var s = world.NodeService[i];
        var service = SimWorld.ServiceName(s);
        var release = versions[s][agents.Running[i]];
        var id = world.NodeIds[i];
        var since = new DateTimeOffset(agents.ReportedAt[i], TimeSpan.Zero);
        agents.ReportedAt[i] = now.UtcTicks;
        var node = planner.Nodes.Report(id, service, release, NodeHealth.Healthy, now);
        if (options.Analysis && planner.MayServe(node) && planner.Samples.Collecting(service))
        {
            var bad = Bad(i);
            var requests = (long)Math.Min(5_000, Math.Max(0, (now - since).TotalSeconds) * RequestsPerSecond);
            var errors = Errors(requests, bad ? BadErrorRate : GoodErrorRate);
            var latencies = Latencies(requests, bad ? BadLatencyFactor : 1.0);
            planner.Samples.Add(id, service, release, requests, errors, latencies);
            tape?.Invoke(new TapeHeartbeat(now, id, service, release, requests, errors, latencies));
            return;
        }
        tape?.Invoke(new TapeHeartbeat(now, id, service, release, 0, 0, []));
    }

    /// <summary>Log-normal latencies around 100 ms × <paramref name="factor"/>, at most <see cref="LatencySamplesPerHeartbeat"/>.</summary>
    private double[] Latencies(long requests, double factor)
    {
        var values = new double[Math.Min(requests, LatencySamplesPerHeartbeat)];
        for (var k = 0; k < values.Length; k++)
        {
            values[k] = Draws.Latency(random, 100 * factor);
        }
        return values;
    }

    private long Errors(long requests, double rate) => Draws.Errors(random, requests, rate);

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
        ScrapeBeforeChange(i);
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
        ScrapeBeforeChange(i);
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
        ScrapeBeforeChange(i);
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
        var node = planner.Nodes.Find(world.NodeIds[i])!;
        agents.Desired[i] = world.Config.Services[world.NodeService[i]].OrdinalOf(node.DesiredRelease);
        EnsureInstall(i);
    }
}
