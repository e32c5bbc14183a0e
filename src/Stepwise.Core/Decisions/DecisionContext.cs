using Stepwise.Core.Model;

namespace Stepwise.Core.Decisions;

/// <summary>
/// The snapshot indexed for one call of Decide, plus what this call has already decided (rollouts started,
/// data phases started, desired releases changed), so that later checks in the same call see earlier decisions.
/// Built in O(nodes); nothing here allocates per node beyond the indexes.
/// </summary>
public sealed class DecisionContext
{
    private readonly Dictionary<string, ServiceIndex> services = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, DataPhaseKind, string), DataPhaseStatus> phases = [];
    private readonly List<Rollout> rollouts;

    public DecisionContext(Snapshot snapshot, DateTimeOffset now, Guarantees.GuaranteeSet guarantees)
    {
        Snapshot = snapshot;
        Now = now;
        Guarantees = guarantees;
        Config = snapshot.Config;
        Policy = snapshot.Config.Policy;
        rollouts = [.. snapshot.Rollouts];
        foreach (var service in Config.Services)
        {
            services[service.Name] = new ServiceIndex(service);
        }
        foreach (var node in snapshot.Nodes)
        {
            if (services.TryGetValue(node.Service, out var index))
            {
                index.Add(node);
            }
        }
        foreach (var status in snapshot.Services)
        {
            if (services.TryGetValue(status.Service, out var index))
            {
                index.Current = index.Service.Find(status.Current);
            }
        }
        foreach (var index in services.Values)
        {
            index.Current ??= MostCommonRelease(index);
        }
        foreach (var p in snapshot.DataPhases)
        {
            phases[(p.Change, p.Phase, p.Store)] = p;
        }
        foreach (var r in rollouts)
        {
            if (r.InFlight && services.TryGetValue(r.Service, out var index))
            {
                index.InFlight = r;
            }
        }
    }

    public Snapshot Snapshot { get; }
    public StepwiseConfig Config { get; }
    public Policy Policy { get; }
    public DateTimeOffset Now { get; }
    public Guarantees.GuaranteeSet Guarantees { get; }

    /// <summary>Nodes marked offline by this call (their heartbeat timed out).</summary>
    public HashSet<string> TimedOut { get; } = new(StringComparer.Ordinal);

    /// <summary>Desired releases set by this call, by node id.</summary>
    public Dictionary<string, string> PendingDesired { get; } = new(StringComparer.Ordinal);

    /// <summary>Nodes quarantined or released by this call: node id → quarantined?</summary>
    public Dictionary<string, NodeState> PendingState { get; } = new(StringComparer.Ordinal);

    public IEnumerable<ServiceIndex> Services => services.Values;

    public IReadOnlyList<Rollout> Rollouts => rollouts;

    public ServiceIndex? Index(string service) => services.GetValueOrDefault(service);

    public Rollout? InFlight(string service) => services.GetValueOrDefault(service)?.InFlight;

    public DataPhaseStatus? Phase(string change, DataPhaseKind phase, string store) => phases.GetValueOrDefault((change, phase, store));

    public IEnumerable<DataPhaseStatus> Phases => phases.Values;

    /// <summary>Records a rollout this call starts, so later checks in the same call see it in flight.</summary>
    public void AddStarted(Rollout rollout)
    {
        rollouts.Add(rollout);
        if (services.TryGetValue(rollout.Service, out var index))
        {
            index.InFlight = rollout;
        }
    }

    /// <summary>Records a data phase this call starts.</summary>
    public void AddStarted(string change, DataPhaseKind phase, string store) =>
        phases[(change, phase, store)] = new DataPhaseStatus(change, phase, store, DataPhaseState.Running);

    /// <summary>The release a node is told to run, counting this call's decisions.</summary>
    public string? DesiredOf(Node node) => PendingDesired.Count != 0 && PendingDesired.TryGetValue(node.Id, out var d) ? d : node.DesiredRelease;

    /// <summary>The node's state, counting this call's decisions.</summary>
    public NodeState StateOf(Node node) =>
        // Most calls change no node: skip hashing the id then (Decide asks this of every node several times).
        PendingState.Count != 0 && PendingState.TryGetValue(node.Id, out var s) ? s : TimedOut.Count != 0 && TimedOut.Contains(node.Id) ? NodeState.Offline : node.State;

    /// <summary>
    /// Heartbeat within the timeout. Since <see cref="Snapshot.LivenessFrom"/> (this controller's start), a node that
    /// had reported before is given one timeout from then: heartbeats sent while no controller listened do not count against it.
    /// </summary>
    public bool HeartbeatFresh(Node node) =>
        node.LastHeartbeat is { } hb && Now - (Snapshot.LivenessFrom is { } from && from > hb ? from : hb) <= Policy.HeartbeatTimeout;

    /// <summary>The node is serving (or may serve): counted, reachable, not quarantined.</summary>
    public bool IsLive(Node node) => StateOf(node) is NodeState.Active or NodeState.Draining && HeartbeatFresh(node);

    /// <summary>The node reports running <paramref name="release"/>, healthy, and is reachable: a target that counts as done.</summary>
    public bool Reports(Node node, string release) =>
        node.ActualRelease == release && node.Health == NodeHealth.Healthy && IsLive(node);

    private static Release? MostCommonRelease(ServiceIndex index) => CurrentRelease.MostCommon(index.Service, index.Reporting);
}

/// <summary>A service's current release: where its last completed rollout ended, or before any, what most of its nodes run.</summary>
public static class CurrentRelease
{
    /// <summary>
    /// The declared release most counted nodes report (<paramref name="countsByOrdinal"/>, by release ordinal); a tie goes
    /// to the newer release. Null when no counted node reports a declared release.
    /// </summary>
    public static Release? MostCommon(Service service, ReadOnlySpan<int> countsByOrdinal)
    {
        var best = -1;
        for (var i = 0; i < countsByOrdinal.Length; i++)
        {
            if (countsByOrdinal[i] > 0 && (best < 0 || countsByOrdinal[i] >= countsByOrdinal[best]))
            {
                best = i;
            }
        }
        return best < 0 ? null : service.Releases[best];
    }
}

/// <summary>One service's nodes and state within a <see cref="DecisionContext"/>.</summary>
public sealed class ServiceIndex(Service service)
{
    public Service Service { get; } = service;

    private Dictionary<string, Node>? byId;
    private readonly (string Version, Release? Release)[] recent = new (string, Release?)[4];
    private int recentNext;

    private readonly List<Node> nodes = [];

    /// <summary>This service's nodes, in the snapshot's order (listed through <see cref="Add"/>).</summary>
    public IReadOnlyList<Node> Nodes => nodes;

    /// <summary>
    /// How many counted (not decommissioned) nodes report each release, by ordinal, as the snapshot stands: before
    /// this call's decisions. Gathered while the nodes are listed, so the rules that need it don't pass over the fleet again.
    /// </summary>
    public int[] Reporting => reporting ??= new int[Service.Releases.Count];

    private int[]? reporting;

    /// <summary>Lists a node of this service.</summary>
    public void Add(Node node)
    {
        nodes.Add(node);
        if (node.Counts && OrdinalOf(node.ActualRelease) is var ordinal and >= 0)
        {
            Reporting[ordinal]++;
        }
    }

    /// <summary>A node of this service by id, or null.</summary>
    public Node? Node(string id)
    {
        // The server and the simulator list nodes by id (ordinal), so a binary search finds a node without indexing
        // the whole service; a list in another order (or a node that isn't there) falls back to a lookup table.
        int lo = 0, hi = nodes.Count - 1;
        while (byId is null && lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            var c = string.CompareOrdinal(nodes[mid].Id, id);
            if (c == 0)
            {
                return nodes[mid];
            }
            (lo, hi) = c < 0 ? (mid + 1, hi) : (lo, mid - 1);
        }
        byId ??= Nodes.DistinctBy(n => n.Id, StringComparer.Ordinal).ToDictionary(n => n.Id, StringComparer.Ordinal);
        return byId.GetValueOrDefault(id);
    }

    /// <summary>
    /// The release of this service with this version, or null: <see cref="Service.Find"/> with the last few answers
    /// remembered by reference. Nodes share one instance of each version they report, and Decide asks this for every
    /// node in several passes, so most answers cost a pointer comparison instead of hashing the version.
    /// </summary>
    public Release? Find(string? version)
    {
        if (version is null)
        {
            return null;
        }
        foreach (var (v, r) in recent)
        {
            if (ReferenceEquals(v, version))
            {
                return r;
            }
        }
        var release = Service.Find(version);
        recent[recentNext] = (version, release);
        recentNext = (recentNext + 1) % recent.Length;
        return release;
    }

    /// <summary>Ordinal of a version in this service, or -1 (see <see cref="Find"/>).</summary>
    public int OrdinalOf(string? version) => Find(version)?.Ordinal ?? -1;

    /// <summary>The release the service is settled on.</summary>
    public Release? Current { get; set; }

    /// <summary>Per call: release → why its data shape bars it from serving (null: it may serve). Filled by G2.</summary>
    internal Dictionary<string, string?> ContractedShapeCache { get; } = new(StringComparer.Ordinal);

    /// <summary>The rollout in flight, if any (at most one per service, G5).</summary>
    public Rollout? InFlight { get; set; }

    /// <summary>
    /// The releases a node of this service may serve: the in-flight rollout's From and To, otherwise the current
    /// release. Everything else is outside the window (G2).
    /// </summary>
    public bool InWindow(string? release)
    {
        if (release is null)
        {
            return false;
        }
        if (InFlight is { } r)
        {
            return release == r.From || release == r.To;
        }
        return Current is null ? Service.Find(release) is not null : release == Current.Version;
    }

    /// <summary>Where a node outside the window (or quarantined) is moved: the release the fleet is heading to.</summary>
    public string? Target => InFlight switch
    {
        null => Current?.Version,
        { Phase: RolloutPhase.Waves or RolloutPhase.Complete } r => r.To,
        { } r => r.From,
    };
}
