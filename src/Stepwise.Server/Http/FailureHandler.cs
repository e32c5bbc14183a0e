using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Stepwise.Api;

namespace Stepwise.Server.Http;

/// <summary>
/// Turns what escapes an endpoint into its documented problem instead of a bare 500: a store that fails (full disk,
/// read-only file, lost database) → 503 naming the failure, with Retry-After; a malformed or too slow request that
/// Kestrel refused while it was read → its own status (400, 408, 413). Anything else is logged and is a 500 problem.
/// </summary>
public sealed class FailureHandler(ILogger<FailureHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            return false;
        }
        IResult? result = exception switch
        {
            BadHttpRequestException bad => Problems.Of(bad.StatusCode, Problems.TypeFor(bad.StatusCode), "bad request", Reason(bad)),
            DbException or IOException or UnauthorizedAccessException when StoreFailure(exception) is { } why => Unavailable(context, why),
            _ => null,
        };
        if (result is null)
        {
            return false;
        }
        log.LogWarning("{Method} {Path}: {Reason}", context.Request.Method, context.Request.Path, exception.Message);
        await result.ExecuteAsync(context);
        return true;
    }

    private static IResult Unavailable(HttpContext context, string why)
    {
        context.Response.Headers.RetryAfter = "5";
        return Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemTypes.Unavailable, "store unavailable",
            $"store write failed: {why}; nothing was changed by this request; retry once the store is writable (the server log has details)");
    }

    private static string Reason(BadHttpRequestException e) => e.StatusCode switch
    {
        StatusCodes.Status408RequestTimeout => "the request body arrived too slowly; send it at a steady rate",
        StatusCodes.Status413PayloadTooLarge => "the request body is too large for this endpoint",
        _ => $"malformed request: {FirstLine(e.Message)}",
    };

    private static string? StoreFailure(Exception e) => FirstLine(e.Message) is { Length: > 0 } line ? line : e.GetType().Name;

    private static string FirstLine(string text)
    {
        var cut = text.IndexOfAny(['\r', '\n']);
        return (cut < 0 ? text : text[..cut]).Trim();
    }
}
