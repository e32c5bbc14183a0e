using System.Globalization;
using System.Text;
using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Server.Store;
using Stepwise.Core.Reconciling;

namespace Stepwise.Server.Http;

/// <summary>The event log, metrics, overrides and tokens.</summary>
internal static class OperatorEndpoints
{
    public static async Task<IResult> Events(HttpContext context, ServerRuntime rt)
    {
        var query = context.Request.Query;
        long after = 0;
        var limit = 100;
        if (query.TryGetValue("after", out var a) && !long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            return Problems.BadRequest($"after={a} is not an event id (a whole number >= 0)");
        }
        if (query.TryGetValue("limit", out var l) && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return Problems.BadRequest($"limit={l} must be a whole number from 1 to 1000");
        }
        return Results.Json(await rt.Store.EventsAsync(after, limit, context.RequestAborted), SnapshotJson.Options);
    }

    public static async Task<IResult> AddOverride(HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<OverrideBody>(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        if (!Enum.IsDefined(body!.Guarantee) || Submissions.CheckName(body.Subject, "subject", 500) is not null || string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > 2000)
        {
            return Problems.BadRequest("an override needs a guarantee (G1..G8), the subject of the refusal it sets aside (as the refusal names it) and a reason (at most 2000 characters)");
        }
        var token = AccessMiddleware.TokenOf(context);
        var now = rt.Time.GetUtcNow();
        var record = new Override("ovr-" + Guid.NewGuid().ToString("N")[..16], body.Guarantee, body.Subject, body.Reason, token.Name, now);
        await rt.Store.InsertOverrideAsync(record, new NewEvent("override", $"'{token.Name}' overrides {body.Guarantee.Label()} for {body.Subject}: {body.Reason}", body.Subject,
            JsonSerializer.Serialize(record, SnapshotJson.Options)), context.RequestAborted);
        return Results.Json(record, SnapshotJson.Options, statusCode: StatusCodes.Status201Created);
    }

    public static async Task<IResult> CreateToken(HttpContext context, ServerRuntime rt, Tokens tokens)
    {
        var (body, error) = await Bodies.ReadJsonAsync<TokenBody>(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        if (!Enum.IsDefined(body!.Kind) || Identifiers.CheckId(body.Name, "name") is not null)
        {
            return Problems.BadRequest("a token needs a kind (admin, read or agent) and a name (1 to 128 ASCII letters, digits, '.', '_' or '-')");
        }
        if (body.ScopeError() is TokenScopeError.AgentNeedsNodeOrService)
        {
            return Problems.BadRequest("an agent token reports for one node ('node': heartbeats and telemetry) or for one service ('service': client telemetry only); give exactly one of them");
        }
        if (body.ScopeError() is TokenScopeError.ScopeOnlyForAgents)
        {
            return Problems.BadRequest("only agent tokens belong to a node or a service; leave 'node' and 'service' out");
        }
        if (body.Node is not null && Identifiers.CheckId(body.Node, "node") is { } badNode)
        {
            return Problems.BadRequest($"an agent token's node ('node'): {badNode}");
        }
        if (body.Service is not null && Identifiers.CheckId(body.Service, "service") is { } badService)
        {
            return Problems.BadRequest($"an agent token's service ('service'): {badService}");
        }
        var created = await tokens.CreateAsync(body.Kind, body.Name, body.Node, body.Service, rt.Time.GetUtcNow(), context.RequestAborted);
        return created is null
            ? Problems.Conflict($"a live token is already named '{body.Name}'; revoke or rotate it ({Routes.Tokens}/{body.Name}/revoke), or choose another name")
            : Results.Json(created, SnapshotJson.Options, statusCode: StatusCodes.Status201Created);
    }

    public static async Task<IResult> ListTokens(ServerRuntime rt, CancellationToken ct) =>
        Results.Json((await rt.Store.ListTokensAsync(ct)).Select(TokenView).ToList(), SnapshotJson.Options);

    public static async Task<IResult> TokenAction(string name, string action, HttpContext context, ServerRuntime rt, Tokens tokens)
    {
        var by = AccessMiddleware.TokenOf(context).Name;
        var now = rt.Time.GetUtcNow();
        switch (action)
        {
            case "revoke":
                var revoked = await tokens.RevokeAsync(name, by, now, context.RequestAborted);
                return revoked is null ? Problems.NotFound($"no live token named '{name}'") : Results.Json(TokenView(revoked), SnapshotJson.Options);
            case "rotate":
                var rotated = await tokens.RotateAsync(name, by, now, context.RequestAborted);
                return rotated is null ? Problems.NotFound($"no live token named '{name}'") : Results.Json(rotated, SnapshotJson.Options, statusCode: StatusCodes.Status201Created);
            default:
                return Problems.NotFound($"'{Identifiers.Printable(action)}' is not a token action; use revoke or rotate");
        }
    }

    private static TokenView TokenView(Store.TokenRecord t) => new(t.Name, t.Kind, t.Node, t.CreatedAt, t.RevokedAt, t.Service);
}
