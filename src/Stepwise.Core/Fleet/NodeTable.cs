using System.Collections.Concurrent;
using Stepwise.Core.Model;

namespace Stepwise.Core.Fleet;

/// <summary>
/// The fleet in memory. Heartbeats are hot and small: they update a node here and mark it dirty; the reconciler
/// flushes dirty nodes to the store in one batch per tick and, when it leads, reads node state from here.
/// Heartbeats own the heartbeat fields (actual release, health, last heartbeat); the reconciler owns desired
/// release and state, and changes them here only after they are durable.
/// </summary>
public sealed class NodeTable
{
    private readonly ConcurrentDictionary<string, Slot> slots = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Slot> dirty = new();
    private readonly ConcurrentDictionary<string, string> names = new(StringComparer.Ordinal);
    private int nameCount;
    private Slot[] ordered = [];

    /// <summary>How many distinct service names and release ids are shared as one instance each (the rest, which only a misbehaving agent sends, are kept as they come).</summary>
    internal const int MaxSharedNames = 4096;

    private sealed class Slot(Node node)
    {
        public Node Node = node;
        public bool Dirty;
    }

    public int Count => slots.Count;

    /// <summary>How many distinct names are shared (at most <see cref="MaxSharedNames"/>).</summary>
    internal int SharedNames => Volatile.Read(ref nameCount);

    /// <summary>Records a heartbeat; returns the node as it stands after it (a new node starts Offline).</summary>
    public Node Report(string id, string service, string? release, NodeHealth health, DateTimeOffset at)
    {
        var slot = slots.GetOrAdd(id, static (key, s) => new Slot(new Node(key, s, null, null, null, NodeHealth.Unknown, NodeState.Offline, null)), Shared(service));
        release = SharedOrNull(release);
        lock (slot)
        {
            slot.Node = slot.Node with { ActualRelease = release, Health = health, LastHeartbeat = at };
            if (!slot.Dirty)
            {
                slot.Dirty = true;
                dirty.Enqueue(slot);
            }
            return slot.Node;
        }
    }

    /// <summary>
    /// One instance for each service name and release id, however many heartbeats carried it: every heartbeat brings
    /// its own copy of the same few strings, and Decide reads them for every node on every tick, so shared instances
    /// stay in the CPU cache (and a fleet of 100,000 nodes holds a few strings, not 200,000).
    /// </summary>
    private string Shared(string value)
    {
        if (names.TryGetValue(value, out var shared))
        {
            return shared;
        }
        if (Volatile.Read(ref nameCount) >= MaxSharedNames)
        {
            return value;
        }
        shared = names.GetOrAdd(value, value);
        if (ReferenceEquals(shared, value))
        {
            Interlocked.Increment(ref nameCount);
        }
        return shared;
    }

    private string? SharedOrNull(string? value) => value is null ? null : Shared(value);

    private Node Shared(Node node)
    {
        var (service, actual, desired) = (Shared(node.Service), SharedOrNull(node.ActualRelease), SharedOrNull(node.DesiredRelease));
        return ReferenceEquals(service, node.Service) && ReferenceEquals(actual, node.ActualRelease) && ReferenceEquals(desired, node.DesiredRelease)
            ? node
            : node with { Service = service, ActualRelease = actual, DesiredRelease = desired };
    }

    public Node? Find(string id)
    {
        if (!slots.TryGetValue(id, out var slot))
        {
            return null;
        }
        lock (slot)
        {
            return slot.Node;
        }
    }

    /// <summary>Every node, ordered by id (a stable order for Decide). The order is re-sorted only when nodes were added.</summary>
    public List<Node> All()
    {
        var order = ordered;
        if (order.Length != slots.Count)
        {
            order = [.. slots.Values];
            Array.Sort(order, static (a, b) => string.CompareOrdinal(a.Node.Id, b.Node.Id));
            ordered = order;
        }
        var list = new List<Node>(order.Length);
        foreach (var slot in order)
        {
            lock (slot)
            {
                list.Add(slot.Node);
            }
        }
        return list;
    }

    /// <summary>Takes the nodes heartbeats changed since the last call (for a batch flush).</summary>
    public List<Node> TakeDirty()
    {
        var list = new List<Node>();
        while (dirty.TryDequeue(out var slot))
        {
            lock (slot)
            {
                slot.Dirty = false;
                list.Add(slot.Node);
            }
        }
        return list;
    }

    /// <summary>Puts back nodes whose flush failed, so the next tick writes them.</summary>
    public void MarkDirty(IEnumerable<Node> nodes)
    {
        foreach (var node in nodes)
        {
            if (slots.TryGetValue(node.Id, out var slot))
            {
                lock (slot)
                {
                    if (!slot.Dirty)
                    {
                        slot.Dirty = true;
                        dirty.Enqueue(slot);
                    }
                }
            }
        }
    }

    /// <summary>Applies durable control transitions (desired release, state) from the reconciler.</summary>
    public void ApplyControl(Node transition)
    {
        transition = Shared(transition);
        var slot = slots.GetOrAdd(transition.Id, static (_, n) => new Slot(n), transition);
        lock (slot)
        {
            slot.Node = slot.Node with { DesiredRelease = transition.DesiredRelease, State = transition.State, StateSince = transition.StateSince };
        }
    }

    /// <summary>
    /// Merges nodes read from the store. Control fields are taken when <paramref name="takeControl"/> (a replica that
    /// does not lead follows the leader's decisions); heartbeat fields when the store's heartbeat is newer (the node
    /// reported to another replica).
    /// </summary>
    public void Merge(IEnumerable<Node> stored, bool takeControl)
    {
        foreach (var read in stored)
        {
            var node = Shared(read);
            var slot = slots.GetOrAdd(node.Id, static (_, n) => new Slot(n), node);
            lock (slot)
            {
                var current = slot.Node;
                if (ReferenceEquals(current, node))
                {
                    continue;
                }
                if (takeControl)
                {
                    current = current with { DesiredRelease = node.DesiredRelease, State = node.State, StateSince = node.StateSince };
                }
                if (node.LastHeartbeat is { } storedHeartbeat && (current.LastHeartbeat is not { } mine || storedHeartbeat > mine))
                {
                    current = current with { ActualRelease = node.ActualRelease, Health = node.Health, LastHeartbeat = node.LastHeartbeat };
                }
                slot.Node = current;
            }
        }
    }

    /// <summary>Replaces the table with the store's nodes (a replica that becomes leader starts from the store).</summary>
    public void Load(IEnumerable<Node> stored)
    {
        foreach (var read in stored)
        {
            var node = Shared(read);
            var slot = slots.GetOrAdd(node.Id, static (_, n) => new Slot(n), node);
            lock (slot)
            {
                var heartbeatNewer = slot.Node.LastHeartbeat is { } mine && (node.LastHeartbeat is not { } theirs || mine > theirs);
                slot.Node = heartbeatNewer
                    ? node with { ActualRelease = slot.Node.ActualRelease, Health = slot.Node.Health, LastHeartbeat = slot.Node.LastHeartbeat }
                    : node;
            }
        }
    }
}
