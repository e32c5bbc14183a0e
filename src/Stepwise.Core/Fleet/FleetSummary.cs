using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Core.Fleet;

/// <summary>A counted node that runs neither its service's current release nor its in-flight rollout's target.</summary>
/// <param name="Position"><c>behind</c> or <c>ahead</c> of the current release, or <c>unknown</c> (a release not declared).</param>
public sealed record OffCurrentNode(Node Node, string Current, string Position);

/// <summary>
/// One service's fleet in aggregates: how many nodes run each release in each state, how many adjacent releases the
/// counted nodes span (the window, G1, allows 2), and the nodes off the current release. What the metrics and the
/// dashboard show, computed once. <paramref name="Current"/> is as Decide has it (<see cref="CurrentRelease"/>).
/// </summary>
public sealed record ServiceSummary(
    string Service,
    string? Current,
    string? Target,
    IReadOnlyDictionary<(string Release, NodeState State), int> Counts,
    int Releases,
    int Span,
    IReadOnlyList<OffCurrentNode> OffCurrent);

public static class FleetSummary
{
    /// <summary>Release of a node that has not reported one yet.</summary>
    public const string NoRelease = "none";

    /// <summary>One summary per service of <paramref name="config"/> (a node of an undeclared service is counted under its own name).</summary>
    public static IReadOnlyList<ServiceSummary> Of(StepwiseConfig config, ControlState control, IReadOnlyList<Node> fleet)
    {
        var currentOf = control.Services.ToDictionary(s => s.Service, s => s.Current, StringComparer.Ordinal);
        // Before its first completed rollout, a service's current release is what most of its nodes run (as Decide has
        // it): one pass over the fleet counts the releases of every such service.
        var unsettled = config.Services.Where(s => !currentOf.ContainsKey(s.Name)).ToDictionary(s => s.Name, s => (Service: s, ByOrdinal: new int[s.Releases.Count]), StringComparer.Ordinal);
        if (unsettled.Count > 0)
        {
            foreach (var node in fleet)
            {
                if (node.Counts && unsettled.TryGetValue(node.Service, out var u) && u.Service.OrdinalOf(node.ActualRelease) is var ordinal and >= 0)
                {
                    u.ByOrdinal[ordinal]++;
                }
            }
            foreach (var (name, (service, byOrdinal)) in unsettled)
            {
                if (CurrentRelease.MostCommon(service, byOrdinal) is { } common)
                {
                    currentOf[name] = common.Version;
                }
            }
        }
        var targetOf = control.Rollouts.Where(r => r.InFlight).GroupBy(r => r.Service).ToDictionary(g => g.Key, g => g.Last().To, StringComparer.Ordinal);
        var counts = new Dictionary<string, Dictionary<(string, NodeState), int>>(StringComparer.Ordinal);
        var running = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var off = new Dictionary<string, List<OffCurrentNode>>(StringComparer.Ordinal);
        foreach (var node in fleet)
        {
            var mine = counts.TryGetValue(node.Service, out var c) ? c : counts[node.Service] = [];
            var key = (node.ActualRelease ?? NoRelease, node.State);
            mine[key] = mine.GetValueOrDefault(key) + 1;
            if (!node.Counts || node.ActualRelease is null)
            {
                continue;
            }
            (running.TryGetValue(node.Service, out var set) ? set : running[node.Service] = new HashSet<string>(StringComparer.Ordinal)).Add(node.ActualRelease);
            if (currentOf.TryGetValue(node.Service, out var current) && node.ActualRelease != current && node.ActualRelease != targetOf.GetValueOrDefault(node.Service))
            {
                var service = config.FindService(node.Service);
                var (at, cur) = (service?.OrdinalOf(node.ActualRelease) ?? -1, service?.OrdinalOf(current) ?? -1);
                var position = at < 0 || cur < 0 ? "unknown" : at < cur ? "behind" : "ahead";
                (off.TryGetValue(node.Service, out var list) ? list : off[node.Service] = []).Add(new OffCurrentNode(node, current, position));
            }
        }
        var names = config.Services.Select(s => s.Name).Concat(counts.Keys.Where(k => config.FindService(k) is null).Order(StringComparer.Ordinal));
        return names.Select(name =>
        {
            var service = config.FindService(name);
            var set = running.GetValueOrDefault(name);
            var ordinals = set is null || service is null ? [] : set.Select(service.OrdinalOf).Where(o => o >= 0).ToList();
            return new ServiceSummary(name, currentOf.GetValueOrDefault(name), targetOf.GetValueOrDefault(name),
                counts.GetValueOrDefault(name) ?? [], set?.Count ?? 0, ordinals.Count == 0 ? 0 : ordinals.Max() - ordinals.Min() + 1,
                off.GetValueOrDefault(name) ?? []);
        }).ToList();
    }
}
