using Stepwise.Core.Config;
using Stepwise.Core.Model;

namespace Stepwise.Core.Decisions;

/// <summary>
/// Retiring a release: one that no node runs or is told to run, no rollout in flight moves from or to, and that is
/// not its service's current release leaves its service's ordering, so it no longer counts for the version window
/// (a registered release that was never deployed would otherwise make "N+1" unreachable). Refused otherwise, with
/// what still holds it; the configuration must also link without it (no plan step names it, no call depends on it).
/// </summary>
internal static class Retirement
{
    public static void Handle(DecisionBuilder builder, OperatorRequest request)
    {
        var ctx = builder.Context;
        var index = ctx.Index(request.Service ?? "");
        var release = index?.Service.Find(request.Version);
        if (index is null || release is null)
        {
            builder.Add(new CompleteRequest(request.Id, false, $"unknown release {request.Service}@{request.Version}"));
            return;
        }
        var holds = new List<string>();
        var nodes = index.Nodes.Where(n => ctx.StateOf(n) != NodeState.Decommissioned && (n.ActualRelease == release.Version || ctx.DesiredOf(n) == release.Version)).Select(n => n.Id).ToList();
        if (nodes.Count > 0)
        {
            holds.Add($"{nodes.Count} node(s) run or are told to run it ({string.Join(", ", nodes.Take(5))}{(nodes.Count > 5 ? ", ..." : "")})");
        }
        if (index.InFlight is { } r && (r.From == release.Version || r.To == release.Version))
        {
            holds.Add($"rollout {r.Id} ({r.From} -> {r.To}) is in flight");
        }
        if (index.Current?.Version == release.Version)
        {
            holds.Add($"it is {index.Service.Name}'s current release");
        }
        if (holds.Count == 0)
        {
            try
            {
                ctx.Config.Relink(d => d.Retire(release.Ref));
            }
            catch (ConfigException e)
            {
                holds.Add($"the configuration needs it: {e.Errors[0].Message}");
            }
        }
        if (holds.Count > 0)
        {
            builder.Add(new CompleteRequest(request.Id, false, $"{release} cannot be retired: {string.Join("; ", holds)}"));
            return;
        }
        builder.Add(new RetireRelease(index.Service.Name, release.Version, $"{release} retired by an operator: {request.Reason ?? "no reason given"}"));
        builder.Add(new CompleteRequest(request.Id, true, $"{release} retired: it no longer counts for {index.Service.Name}'s version window"));
    }
}
