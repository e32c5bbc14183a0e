using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stepwise.Clients.Http;

namespace Stepwise.Clients;

/// <summary>
/// Surfaces deprecation headers seen by <see cref="StepwiseClientHandler"/>: one <see cref="ILogger"/> warning and one
/// <see cref="Deprecated"/> event per operation per process (again only if what the server says changes), not per
/// call. Register one per process (<c>AddStepwiseClientIdentity</c> registers a singleton).
/// </summary>
public sealed partial class StepwiseClientMonitor
{
    /// <summary>At most this many operations are remembered; deprecations of further operations are not reported.</summary>
    public const int MaxOperations = 1_024;

    private readonly ConcurrentDictionary<string, string> reported = new(StringComparer.Ordinal);
    private readonly ILogger logger;

    /// <summary>Builds a monitor that logs to <paramref name="logger"/> (none: no log, the event only).</summary>
    public StepwiseClientMonitor(ILogger<StepwiseClientMonitor>? logger = null) => this.logger = logger ?? (ILogger)NullLogger.Instance;

    /// <summary>Raised the first time a response says an operation is deprecated or will sunset.</summary>
    public event EventHandler<DeprecationEventArgs>? Deprecated;

    internal void Observe(HttpRequestMessage request, HttpResponseMessage response)
    {
        var headers = response.Headers;
        var deprecationText = First(headers, StepwiseProtocol.DeprecationHeader);
        var sunsetText = First(headers, StepwiseProtocol.SunsetHeader);
        if (deprecationText is null && sunsetText is null)
        {
            return;
        }
        var operation = First(headers, StepwiseProtocol.OperationHeader) is { } named && OperationKey.IsValid(named)
            ? named
            : $"{request.Method.Method.ToUpperInvariant()} {request.RequestUri?.AbsolutePath ?? "/"}";
        Uri? link = null;
        Uri? sunsetLink = null;
        if (headers.TryGetValues("Link", out var values))
        {
            foreach (var value in values)
            {
                foreach (var item in LinkHeader.Parse(value))
                {
                    if (item.Relations.Contains("deprecation"))
                    {
                        link ??= Resolve(request.RequestUri, item.Target);
                    }
                    if (item.Relations.Contains("sunset"))
                    {
                        sunsetLink ??= Resolve(request.RequestUri, item.Target);
                    }
                }
            }
        }
        var said = $"{deprecationText}|{sunsetText}|{link}|{sunsetLink}";
        if (reported.TryGetValue(operation, out var before) ? before == said : reported.Count >= MaxOperations)
        {
            return;
        }
        reported[operation] = said;
        var args = new DeprecationEventArgs(
            operation,
            request.RequestUri,
            deprecationText is null ? null : DeprecationHeaders.ParseDeprecation(deprecationText),
            sunsetText is null ? null : DeprecationHeaders.ParseHttpDate(sunsetText),
            link,
            sunsetLink);
        LogDeprecated(logger, operation, args.Deprecation?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? deprecationText ?? "(not said)",
            args.Sunset?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "(none)", link?.AbsoluteUri ?? "(none)");
        try
        {
            Deprecated?.Invoke(this, args);
        }
        catch (Exception e)
        {
            LogHandlerFailed(logger, operation, e); // a subscriber's failure must not fail the call
        }
    }

    private static string? First(System.Net.Http.Headers.HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static Uri? Resolve(Uri? request, string target) =>
        Uri.TryCreate(target, UriKind.Absolute, out var absolute) ? absolute
        : request is not null && Uri.TryCreate(request, target, out var relative) ? relative
        : null;

    [LoggerMessage(20, LogLevel.Warning, "{Operation} is deprecated (deprecation {Deprecation}, sunset {Sunset}, see {Link}): move off it before it is removed")]
    private static partial void LogDeprecated(ILogger logger, string operation, string deprecation, string sunset, string link);

    [LoggerMessage(21, LogLevel.Error, "a Deprecated event handler failed for {Operation}")]
    private static partial void LogHandlerFailed(ILogger logger, string operation, Exception exception);
}
