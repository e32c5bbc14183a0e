using System.Globalization;
using Stepwise.Contracts.Json;
using Stepwise.Contracts.Schemas;

namespace Stepwise.Contracts.OpenApi;

/// <summary>
/// <c>x-sunset</c> on a deprecated operation or parameter, as oasdiff reads it: the date until which callers were told
/// the element stays, written <c>YYYY-MM-DD</c> or as an RFC 3339 date-time (its UTC date counts).
/// </summary>
internal static class Sunset
{
    public const string Extension = "x-sunset";

    /// <summary>The rules a sunset's promise is checked with, and what callers were told they could do until then.</summary>
    public sealed record Element(string RemovedBeforeSunset, string MovedEarlier, string Invalid, string Use);

    public static readonly Element Operation = new("deprecated-operation-removed-before-sunset", "operation-sunset-moved-earlier", "operation-sunset-invalid", "use it");

    public static readonly Element Parameter = new("request-parameter-removed-before-sunset", "request-parameter-sunset-moved-earlier", "request-parameter-sunset-invalid", "send it");

    /// <summary>The element's sunset date; <paramref name="written"/> is what the contract wrote when it is not a date.</summary>
    public static DateOnly? Of(Node element, out string? written)
    {
        written = element.GetString(Extension);
        if (written is null)
        {
            return null;
        }
        if (DateOnly.TryParseExact(written, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            written = null;
            return date;
        }
        if (written.Contains('T', StringComparison.Ordinal) &&
            DateTimeOffset.TryParse(written, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            written = null;
            return DateOnly.FromDateTime(at.UtcDateTime);
        }
        return null;
    }

    /// <summary>What a removed element's sunset says about its removal, or nothing when it may go. Only a deprecated element's sunset is a promise.</summary>
    public static void CheckRemoval(FindingCollector findings, Element kind, Node oldElement, string display, DateOnly today)
    {
        if (!oldElement.GetBool("deprecated"))
        {
            return;
        }
        var date = Of(oldElement, out var unreadable);
        if (unreadable is not null)
        {
            findings.Add(kind.Invalid, Direction.Backward, oldElement,
                $"{display}: x-sunset '{Clip(unreadable)}' is not a date (write YYYY-MM-DD), so whether its removal keeps the promise made to callers cannot be checked.");
        }
        else if (date is { } sunset && today < sunset)
        {
            findings.Add(kind.RemovedBeforeSunset, Direction.Backward, oldElement,
                $"{display} was removed before its x-sunset date {sunset:yyyy-MM-dd} ({sunset.DayNumber - today.DayNumber} days from {today:yyyy-MM-dd}): callers were told they could {kind.Use} until then.");
        }
    }

    /// <summary>
    /// A deprecated element whose sunset is not a date (deprecated before or in this release), or that was deprecated
    /// before and whose sunset moved earlier, breaks the promise made to callers.
    /// </summary>
    public static void CheckChange(FindingCollector findings, Element kind, Node oldElement, Node newElement, string display)
    {
        if (!newElement.GetBool("deprecated"))
        {
            return;
        }
        var before = oldElement.GetBool("deprecated") ? Of(oldElement, out _) : null;
        var after = Of(newElement, out var unreadable);
        if (unreadable is not null)
        {
            findings.Add(kind.Invalid, Direction.Backward, newElement,
                $"{display}: x-sunset '{Clip(unreadable)}' is not a date (write YYYY-MM-DD): callers cannot tell until when they can {kind.Use}.");
        }
        else if (before is { } promised && after is { } now && now < promised)
        {
            findings.Add(kind.MovedEarlier, Direction.Backward, newElement,
                $"{display}: x-sunset moved earlier, from {promised:yyyy-MM-dd} to {now:yyyy-MM-dd}: callers were told they could {kind.Use} until {promised:yyyy-MM-dd}.");
        }
    }

    private static string Clip(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
