using Stepwise.Api;

namespace Stepwise.Server.Http;

/// <summary>RFC 9457 problem responses with the Stepwise problem types.</summary>
public static class Problems
{
    public static IResult Of(int status, string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title, type: type, extensions: extensions);

    public static IResult BadRequest(string detail, IDictionary<string, object?>? extensions = null) =>
        Of(StatusCodes.Status400BadRequest, ProblemTypes.BadRequest, "bad request", detail, extensions);

    public static IResult NotFound(string detail) => Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "not found", detail);

    public static IResult Conflict(string detail) => Of(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "conflict", detail);

    public static IResult TooLarge(string detail) => Of(StatusCodes.Status413PayloadTooLarge, ProblemTypes.TooLarge, "request body too large", detail);

    /// <summary>The type URI for a status code the framework produced by itself (404 route, 405, 500...).</summary>
    public static string TypeFor(int status) => status switch
    {
        400 => ProblemTypes.BadRequest,
        401 => ProblemTypes.Unauthorized,
        403 => ProblemTypes.Forbidden,
        404 => ProblemTypes.NotFound,
        405 => ProblemTypes.MethodNotAllowed,
        408 => ProblemTypes.Timeout,
        409 => ProblemTypes.Conflict,
        413 => ProblemTypes.TooLarge,
        415 => ProblemTypes.UnsupportedMediaType,
        429 => ProblemTypes.RateLimited,
        503 => ProblemTypes.Unavailable,
        _ => "about:blank",
    };
}
