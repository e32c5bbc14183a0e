using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.Primitives;

namespace Stepwise.Clients.Policy;

/// <summary>A removed operation, with a matcher for requests no endpoint of the app serves any more.</summary>
internal sealed class RemovedRule
{
    private readonly string method;
    private readonly TemplateMatcher? matcher;

    public RemovedRule(string operation, string removedIn)
    {
        Operation = operation;
        RemovedIn = removedIn;
        (method, var path) = OperationKey.Split(operation);
        try
        {
            matcher = new TemplateMatcher(TemplateParser.Parse(path), []);
        }
        catch (ArgumentException)
        {
            // An OpenAPI path that is no route template (e.g. a '?' in a literal): such an operation is still
            // reported as removed, but requests are not matched against it.
            matcher = null;
        }
    }

    public string Operation { get; }

    public string RemovedIn { get; }

    public bool Matches(string requestMethod, PathString path) =>
        matcher is not null && HttpMethods.Equals(method, requestMethod) && matcher.TryMatch(path, []);
}

/// <summary>A deprecated operation with its response headers formatted once.</summary>
internal sealed class DeprecationRule
{
    public DeprecationRule(DeprecatedOperation source, DateTimeOffset deprecatedAt)
    {
        Source = source;
        // RFC 9745: Deprecation must not be later than Sunset.
        DeprecatedAt = source.Sunset is { } sunset && deprecatedAt > sunset ? sunset : deprecatedAt;
        // RFC 9745: an RFC 9651 Date, "@" and the seconds since the Unix epoch.
        Deprecation = "@" + DeprecatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        // RFC 8594: an HTTP-date (IMF-fixdate).
        Sunset = source.Sunset?.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
        if (source.Link is { } link)
        {
            // RFC 8288 link-values: "deprecation" (RFC 9745) always, "sunset" (RFC 8594) when a sunset is known.
            var target = "<" + link.AbsoluteUri + ">";
            Links = Sunset is null
                ? new StringValues(target + "; rel=\"deprecation\"")
                : new StringValues([target + "; rel=\"deprecation\"", target + "; rel=\"sunset\""]);
        }
    }

    public DeprecatedOperation Source { get; }

    public DateTimeOffset DeprecatedAt { get; }

    public string Deprecation { get; }

    public string? Sunset { get; }

    public StringValues Links { get; }

    public void Apply(IHeaderDictionary headers, string operation)
    {
        headers[StepwiseProtocol.DeprecationHeader] = Deprecation;
        if (Sunset is not null)
        {
            headers[StepwiseProtocol.SunsetHeader] = Sunset;
        }
        if (Links.Count > 0)
        {
            headers.Append("Link", Links);
        }
        headers[StepwiseProtocol.OperationHeader] = operation;
    }
}
