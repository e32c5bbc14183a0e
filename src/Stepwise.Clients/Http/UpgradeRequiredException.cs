using System.Net;

namespace Stepwise.Clients;

/// <summary>
/// The server answered a call with the upgrade-required problem (status 426, type
/// <c>https://stepwise.dev/problems/upgrade-required</c>): the operation was removed, or this client version is below
/// the minimum the service accepts. It is an <see cref="HttpRequestException"/>, so existing handlers catch it.
/// </summary>
public sealed class UpgradeRequiredException : HttpRequestException
{
    /// <summary>Builds the exception from the problem's members.</summary>
    public UpgradeRequiredException(string? operation, string? removedIn, string? minimumVersion, string? client, string? detail, int status, string problem)
        : base(HttpRequestError.Unknown, Describe(operation, removedIn, minimumVersion, detail), null, (HttpStatusCode)status)
    {
        Operation = operation;
        RemovedIn = removedIn;
        MinimumVersion = minimumVersion;
        Client = client;
        Detail = detail;
        Status = status;
        Problem = problem;
    }

    /// <summary>The operation called, e.g. <c>DELETE /orders/{id}</c>, when the server knew it.</summary>
    public string? Operation { get; }

    /// <summary>The release of the service that removed the operation, when that is the cause.</summary>
    public string? RemovedIn { get; }

    /// <summary>The minimum version of this client app the service accepts, when it has one.</summary>
    public string? MinimumVersion { get; }

    /// <summary>The client the server saw, <c>app/version</c>.</summary>
    public string? Client { get; }

    /// <summary>The problem's human-readable detail.</summary>
    public string? Detail { get; }

    /// <summary>The HTTP status (426).</summary>
    public int Status { get; }

    /// <summary>The problem document as received (application/problem+json).</summary>
    public string Problem { get; }

    private static string Describe(string? operation, string? removedIn, string? minimumVersion, string? detail) =>
        detail is { Length: > 0 }
            ? $"upgrade required: {detail}"
            : $"upgrade required: {operation ?? "this call"}{(removedIn is null ? "" : $" was removed in {removedIn}")}{(minimumVersion is null ? "" : $"; the minimum version is {minimumVersion}")}";
}
