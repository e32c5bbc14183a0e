using Stepwise.Api;
using Stepwise.Server.Store;

namespace Stepwise.Server.Http;

/// <summary>Who may call an endpoint. Endpoints without this metadata need a read token (liveness is marked <see cref="Anonymous"/>).</summary>
public enum AccessLevel
{
    Anonymous = 0,
    Read = 1,
    Admin = 2,
    Agent = 3,
    /// <summary>Client telemetry: agent tokens (each for its node's service).</summary>
    ClientReport = 4,
    /// <summary>The client policy: agent, admin and read tokens.</summary>
    ClientPolicy = 5,
}

/// <summary>Endpoint metadata: the access level an endpoint requires.</summary>
public sealed record RequiresAccess(AccessLevel Level);

/// <summary>
/// Checks "Authorization: Bearer TOKEN" against the endpoint's access level: a missing or unknown (or revoked) token →
/// 401 problem; a token of the wrong kind → 403 problem; an address that keeps failing waits (429, <see cref="AuthFailures"/>).
/// Read endpoints take admin and read tokens; admin endpoints admin tokens; the heartbeat agent tokens only. The token
/// found is kept in <see cref="HttpContext.Items"/> for the handler.
/// </summary>
public sealed class AccessMiddleware(RequestDelegate next, Tokens tokens, AuthFailures failures)
{
    public const string TokenItem = "stepwise.token";

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            await next(context);
            return;
        }
        if (endpoint.Metadata.GetMetadata<RequiresAccess>() is null && IsRejection(endpoint))
        {
            // Routing's own 405/415 answer (wrong method or content type): nothing is read or changed, so the caller
            // learns what is wrong with the request rather than a 401/403 about its token.
            await next(context);
            return;
        }
        var level = endpoint.Metadata.GetMetadata<RequiresAccess>()?.Level ?? AccessLevel.Read;
        if (level == AccessLevel.Anonymous)
        {
            await next(context);
            return;
        }
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (failures.Blocked(address) is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.Of(StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "too many failed attempts",
                $"authentication failed too often from {address}; try again in {Math.Ceiling(wait.TotalSeconds)} s with a valid token").ExecuteAsync(context);
            return;
        }
        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || header.Length == scheme.Length)
        {
            await Deny(context, StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "unauthorized", "send 'Authorization: Bearer TOKEN' (every endpoint but /healthz needs a token)");
            return;
        }
        var token = await tokens.FindAsync(header[scheme.Length..].Trim(), context.RequestAborted);
        if (token is null)
        {
            failures.Failed(address);
            await Deny(context, StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "unauthorized", "the token is not known to this server (or was revoked)");
            return;
        }
        failures.Succeeded(address);
        var allowed = level switch
        {
            AccessLevel.Read => token.Kind is TokenKind.Admin or TokenKind.Read,
            AccessLevel.Admin => token.Kind == TokenKind.Admin,
            AccessLevel.Agent or AccessLevel.ClientReport => token.Kind == TokenKind.Agent,
            AccessLevel.ClientPolicy => token.Kind is TokenKind.Agent or TokenKind.Admin or TokenKind.Read,
            _ => false,
        };
        if (!allowed)
        {
            var need = level switch
            {
                AccessLevel.Read => "an admin or read token",
                AccessLevel.Admin => "an admin token",
                AccessLevel.ClientPolicy => "an agent, admin or read token",
                _ => "an agent token",
            };
            await Deny(context, StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "forbidden",
                $"token '{token.Name}' is a {token.Kind.ToString().ToLowerInvariant()} token; this endpoint needs {need}");
            return;
        }
        context.Items[TokenItem] = token;
        await next(context);
    }

    private static bool IsRejection(Endpoint endpoint) =>
        endpoint.DisplayName is { } name && (name.StartsWith("405 ", StringComparison.Ordinal) || name.StartsWith("415 ", StringComparison.Ordinal));

    public static TokenRecord TokenOf(HttpContext context) => (TokenRecord)context.Items[TokenItem]!;

    private static async Task Deny(HttpContext context, int status, string type, string title, string detail)
    {
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }
        await Problems.Of(status, type, title, detail).ExecuteAsync(context);
    }
}
