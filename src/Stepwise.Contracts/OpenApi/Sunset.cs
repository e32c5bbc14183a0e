using System.Globalization;
using Stepwise.Contracts.Json;
using Stepwise.Contracts.Schemas;

namespace Stepwise.Contracts.OpenApi;

/// <summary>
/// <c>x-sunset</c> on a deprecated operation, as oasdiff reads it: the date until which callers were told the operation
/// stays, written <c>YYYY-MM-DD</c> or as an RFC 3339 date-time (its UTC date counts).
/// </summary>
internal static class Sunset
{
    public const string Extension = "x-sunset";

    /// <summary>The operation's sunset date; <paramref name="written"/> is what the contract wrote when it is not a date.</summary>
    public static DateOnly? Of(Node operation, out string? written)
    {
        written = operation.GetString(Extension);
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

    /// <summary>What a removed, deprecated operation's sunset says about its removal, or nothing when it may go.</summary>
    public static void CheckRemoval(FindingCollector findings, Node oldOperation, string display, DateOnly today)
    {
        var date = Of(oldOperation, out var unreadable);
        if (unreadable is not null)
        {
            findings.Add("operation-sunset-invalid", Direction.Backward, oldOperation,
                $"{display}: x-sunset '{Clip(unreadable)}' is not a date (write YYYY-MM-DD), so whether its removal keeps the promise made to callers cannot be checked.");
        }
        else if (date is { } sunset && today < sunset)
        {
            findings.Add("deprecated-operation-removed-before-sunset", Direction.Backward, oldOperation,
                $"{display} was removed before its x-sunset date {sunset:yyyy-MM-dd} ({sunset.DayNumber - today.DayNumber} days from {today:yyyy-MM-dd}): callers were told they could use it until then.");
        }
    }

    /// <summary>A still-deprecated operation whose sunset moved earlier breaks the promise made to callers.</summary>
    public static void CheckChange(FindingCollector findings, Node oldOperation, Node newOperation, string display)
    {
        if (!oldOperation.GetBool("deprecated") || !newOperation.GetBool("deprecated"))
        {
            return;
        }
        var before = Of(oldOperation, out _);
        var after = Of(newOperation, out var unreadable);
        if (unreadable is not null)
        {
            findings.Add("operation-sunset-invalid", Direction.Backward, newOperation,
                $"{display}: x-sunset '{Clip(unreadable)}' is not a date (write YYYY-MM-DD): callers cannot tell until when the operation stays.");
        }
        else if (before is { } promised && after is { } now && now < promised)
        {
            findings.Add("operation-sunset-moved-earlier", Direction.Backward, newOperation,
                $"{display}: x-sunset moved earlier, from {promised:yyyy-MM-dd} to {now:yyyy-MM-dd}: callers were told they could use it until {promised:yyyy-MM-dd}.");
        }
    }

    private static string Clip(string text) => text.Length > 60 ? text[..60] + "…" : text;
}
