using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// Checks G1–G5, G7 and (with client populations) G8 on the simulated world after every event, independently of
/// Core's guarantee classes: it re-derives each rule from what the nodes really run (<see cref="Agents"/>), what the
/// store really did (<see cref="StoreTruth"/>), who really called what (<see cref="ClientPopulationState"/>), the
/// desired releases, node states, overrides and client policy the controller recorded, and the history of its
/// actions. The world's configuration is the whole of it, releases registered through the API included, so G1–G4
/// hold for them from the moment they exist, whatever the controller had linked. Node facts are kept as per-service
/// counts by release ordinal, updated in O(1) per node change; <see cref="CrossCheck"/> recomputes them from scratch.
/// The rules are stated in docs/simulation.md; the rules about decisions are in InvariantChecker.Decisions.cs, G8's
/// in InvariantChecker.Clients.cs.
/// </summary>
internal sealed partial class InvariantChecker
{
    [Flags]
    private enum Part : byte
    {
        None = 0,
        WindowDesired = 1,
        WindowActual = 2,
        CountedDesired = 4,
        CountedActual = 8,
        Serving = 16,
    }

    private readonly SimWorld world;
    private readonly Agents agents;
    private readonly StoreTruth store;
    private readonly Service[] services;
    private readonly Dictionary<string, int> serviceIndex = new(StringComparer.Ordinal);
    private readonly DataChange change;
    private readonly int[] desired;
    private readonly int[] actual;
    private readonly Part[] parts;

    // Per service, per release ordinal: nodes contributing to each part.
    private readonly int[][] windowDesired;
    private readonly int[][] windowActual;
    private readonly int[][] countedDesired;
    private readonly int[][] countedActual;
    private readonly int[][] serving;

    private readonly HashSet<int>[] window;
    private readonly Dictionary<string, HashSet<RolloutPhase>> visited = new(StringComparer.Ordinal);
    private readonly List<Violation> found = [];
    private ControllerState state;
    private Func<string, Node?> nodeOf;

    /// <param name="state">The controller's control state (rollouts, current releases, overrides, configuration).</param>
    /// <param name="nodeOf">The controller's record of a node (desired release and state), as it answers agents.</param>
    /// <param name="clients">The client population (who called what when), or null without one.</param>
    public InvariantChecker(SimWorld world, Agents agents, StoreTruth store, ControllerState state, Func<string, Node?> nodeOf, ClientPopulationState? clients = null)
    {
        this.world = world;
        this.agents = agents;
        this.store = store;
        this.state = state;
        this.nodeOf = nodeOf;
        this.clients = clients;
        minimums = state.Config.Policy.ClientRules.MinimumVersions;
        services = [.. world.Config.Services];
        for (var s = 0; s < services.Length; s++)
        {
            serviceIndex[services[s].Name] = s;
        }
        change = world.Config.DataChanges[0];
        var n = world.NodeIds.Length;
        desired = new int[n];
        actual = new int[n];
        parts = new Part[n];
        int[][] Counts() => [.. services.Select(s => new int[s.Releases.Count])];
        windowDesired = Counts();
        windowActual = Counts();
        countedDesired = Counts();
        countedActual = Counts();
        serving = Counts();
        window = [.. services.Select(_ => new HashSet<int>())];
        Rebind(state, nodeOf);
    }

    /// <summary>Violations found by the last check (the simulation stops at the first).</summary>
    public IReadOnlyList<Violation> Found => found;

    /// <summary>Supplies the trail shown with a violation.</summary>
    public Func<IReadOnlyList<string>> Trail { get; set; } = () => [];

    public DateTimeOffset Now { get; set; }

    /// <summary>Follows a controller restart: the reloaded state replaces the old one and every count is rebuilt.</summary>
    public void Rebind(ControllerState reloaded, Func<string, Node?> reloadedNodes)
    {
        state = reloaded;
        nodeOf = reloadedNodes;
        foreach (var counts in new[] { windowDesired, windowActual, countedDesired, countedActual, serving })
        {
            foreach (var c in counts)
            {
                Array.Clear(c);
            }
        }
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Part.None;
            Add(i);
        }
        Windows();
    }

    /// <summary>A node changed (in the world or in the controller's record): move its contribution.</summary>
    public void Touch(int i)
    {
        Remove(i);
        Add(i);
    }

    private void Add(int i)
    {
        var s = world.NodeService[i];
        var node = nodeOf(world.NodeIds[i])!;
        var d = services[s].OrdinalOf(node.DesiredRelease);
        var a = agents.Running[i];
        var counted = node.State != NodeState.Decommissioned;
        var inWindow = counted && node.State != NodeState.Quarantined;
        var seen = agents.Seen[i];
        var p = Part.None;
        if (inWindow && d >= 0)
        {
            p |= Part.WindowDesired;
            windowDesired[s][d]++;
        }
        if (inWindow && seen && !agents.Stray[i] && a >= 0)
        {
            p |= Part.WindowActual;
            windowActual[s][a]++;
        }
        if (counted && d >= 0)
        {
            p |= Part.CountedDesired;
            countedDesired[s][d]++;
        }
        if (counted && seen && a >= 0)
        {
            p |= Part.CountedActual;
            countedActual[s][a]++;
        }
        if (seen && agents.Reachable(i) && node.State is NodeState.Active or NodeState.Draining && a >= 0)
        {
            p |= Part.Serving;
            serving[s][a]++;
        }
        desired[i] = d;
        actual[i] = a;
        parts[i] = p;
    }

    private void Remove(int i)
    {
        var s = world.NodeService[i];
        var p = parts[i];
        var a = actual[i];
        if (p.HasFlag(Part.WindowDesired))
        {
            windowDesired[s][desired[i]]--;
        }
        if (p.HasFlag(Part.WindowActual))
        {
            windowActual[s][a]--;
        }
        if (p.HasFlag(Part.CountedDesired))
        {
            countedDesired[s][desired[i]]--;
        }
        if (p.HasFlag(Part.CountedActual))
        {
            countedActual[s][a]--;
        }
        if (p.HasFlag(Part.Serving))
        {
            serving[s][a]--;
        }
        parts[i] = Part.None;
    }

    /// <summary>Recomputes every count from scratch and compares: a mismatch is a bug in the incremental bookkeeping.</summary>
    public void CrossCheck()
    {
        var saved = new[] { windowDesired, windowActual, countedDesired, countedActual, serving }
            .Select(c => c.Select(x => (int[])x.Clone()).ToArray()).ToArray();
        Rebind(state, nodeOf);
        var fresh = new[] { windowDesired, windowActual, countedDesired, countedActual, serving };
        for (var k = 0; k < fresh.Length; k++)
        {
            for (var s = 0; s < services.Length; s++)
            {
                if (!fresh[k][s].AsSpan().SequenceEqual(saved[k][s]))
                {
                    throw new InvalidOperationException($"the checker's incremental counts drifted from the fleet ({services[s].Name}, part {k}): [{string.Join(",", saved[k][s])}] vs [{string.Join(",", fresh[k][s])}]");
                }
            }
        }
    }

    /// <summary>The releases each service may serve: its in-flight rollout's From and To, otherwise its current release.</summary>
    private void Windows()
    {
        for (var s = 0; s < services.Length; s++)
        {
            window[s].Clear();
        }
        foreach (var r in state.Rollouts)
        {
            if (r.InFlight && serviceIndex.TryGetValue(r.Service, out var s))
            {
                window[s].Add(services[s].OrdinalOf(r.From));
                window[s].Add(services[s].OrdinalOf(r.To));
            }
        }
        for (var s = 0; s < services.Length; s++)
        {
            if (window[s].Count == 0)
            {
                var current = state.Services.LastOrDefault(x => x.Service == services[s].Name)?.Current ?? SimWorld.Base;
                window[s].Add(services[s].OrdinalOf(current));
            }
        }
    }

    private void Violate(GuaranteeId id, string message) => found.Add(Violation.Of(id, Now, message, Trail()));

    private void Visit(string rollout, RolloutPhase phase)
    {
        if (!visited.TryGetValue(rollout, out var phases))
        {
            visited[rollout] = phases = [];
        }
        phases.Add(phase);
    }

    /// <summary>The node-level rules, after every event: O(services × releases²).</summary>
    public void Check()
    {
        CheckMinimumVersions();
        var contracted = store.StartedAt[(int)DataPhaseKind.Contract] is not null;
        for (var s = 0; s < services.Length; s++)
        {
            var service = services[s];
            var releases = service.Releases;

            // G1: what counted nodes run (as far as the controller could see) or are told to run spans two adjacent releases at most.
            int lo = int.MaxValue, hi = -1;
            for (var r = 0; r < releases.Count; r++)
            {
                if (windowDesired[s][r] > 0 || windowActual[s][r] > 0)
                {
                    lo = Math.Min(lo, r);
                    hi = Math.Max(hi, r);
                }
            }
            if (hi - lo > 1)
            {
                var spread = string.Join(", ", Enumerable.Range(lo, hi - lo + 1).Where(r => windowDesired[s][r] + windowActual[s][r] > 0)
                    .Select(r => $"{releases[r].Version}: {windowActual[s][r]} running, {windowDesired[s][r]} told"));
                Violate(GuaranteeId.G1, $"{service.Name} spans more than two adjacent releases: {spread}");
            }

            for (var r = 0; r < releases.Count; r++)
            {
                var release = releases[r];
                // G2: a serving node runs a release inside the window.
                if (serving[s][r] > 0 && !window[s].Contains(r))
                {
                    Violate(GuaranteeId.G2, $"{serving[s][r]} {service.Name} node(s) serve {release.Version}, outside the window ({string.Join(", ", window[s].Order().Select(w => releases[w].Version))})");
                }
                // G3: nobody runs or is told to run a release whose data is not there.
                if ((countedDesired[s][r] > 0 || countedActual[s][r] > 0) && release.Needs.Contains(change.Id))
                {
                    foreach (var phase in Needed(release))
                    {
                        if (!store.Complete(phase))
                        {
                            Violate(GuaranteeId.G3, $"{countedActual[s][r]} {service.Name} node(s) run and {countedDesired[s][r]} are told to run {release.Version}, which needs {change.Id}, whose {Lower(phase)} is not complete");
                        }
                    }
                }
                // G4: after the contract, nobody serves or is told to run a release that uses the old shape.
                if (contracted && release.UsesOldShapeOf.Contains(change.Id) && (serving[s][r] > 0 || countedDesired[s][r] > 0))
                {
                    Violate(GuaranteeId.G4, $"after the contract of {change.Id}, {serving[s][r]} {service.Name} node(s) serve and {countedDesired[s][r]} are told to run {release.Version}, which uses the old shape");
                }
                // G5: a serving caller's calls are served by every serving release of the callee.
                if (serving[s][r] > 0)
                {
                    foreach (var call in release.Calls)
                    {
                        var t = serviceIndex[call.Service];
                        for (var q = 0; q < services[t].Releases.Count; q++)
                        {
                            var callee = services[t].Releases[q];
                            if (serving[t][q] > 0 && !callee.Provides.Contains(call.Operation) && !callee.Deprecates.Contains(call.Operation))
                            {
                                Violate(GuaranteeId.G5, $"{serving[s][r]} {service.Name}@{release.Version} node(s) call '{call.Operation}', which {serving[t][q]} serving {callee} node(s) do not provide");
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>The phases a release that needs the change waits for: the expand only when it is declared to read both shapes, otherwise every declared expand and backfill.</summary>
    private IEnumerable<DataPhaseKind> Needed(Release release)
    {
        var expandOnly = release.NeedsExpandOnly?.Contains(change.Id) == true;
        foreach (var phase in new[] { DataPhaseKind.Expand, DataPhaseKind.Backfill })
        {
            if (change.Declares(phase) && (phase == DataPhaseKind.Expand || !expandOnly))
            {
                yield return phase;
            }
        }
    }

    private static string Lower(DataPhaseKind phase) => Names.Of(phase);
}
