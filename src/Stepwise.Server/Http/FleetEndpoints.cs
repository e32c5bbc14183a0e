using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>Nodes: the fleet as the controller sees it; decommission and enable.</summary>
internal static class FleetEndpoints
{
    public static IResult Nodes(ServerRuntime rt) => Results.Json(rt.Nodes.All().Select(Views.Node).ToList(), SnapshotJson.Options);

    public static Task<IResult> Decommission(string node, HttpContext context, ServerRuntime rt) =>
        NodeRequest(node, context, rt, RequestKind.DecommissionNode, "decommission");

    public static Task<IResult> Enable(string node, HttpContext context, ServerRuntime rt) =>
        NodeRequest(node, context, rt, RequestKind.EnableNode, "enable");

    private static async Task<IResult> NodeRequest(string node, HttpContext context, ServerRuntime rt, RequestKind kind, string verb)
    {
        var (body, error) = await Bodies.ReadJsonAsync<ReasonBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        var known = rt.Nodes.Find(node);
        if (known is null)
        {
            return Problems.NotFound($"no node '{node}'");
        }
        return await Submissions.SubmitAndAnswerAsync(context, rt,
            new OperatorRequest(Submissions.NewRequestId(), kind, rt.Time.GetUtcNow(), Service: known.Service, Node: node, Reason: body?.Reason), $"{verb} node {node}");
    }
}
