using System.Globalization;

namespace Stepwise.Clients.Http;

/// <summary>Reads the Deprecation (RFC 9745) and Sunset (RFC 8594) field values; never throws.</summary>
internal static class DeprecationHeaders
{
    // RFC 9110 5.6.7: recipients accept IMF-fixdate and the two obsolete forms.
    private static readonly string[] HttpDateFormats = ["r", "dddd, dd-MMM-yy HH:mm:ss 'GMT'", "ddd MMM d HH:mm:ss yyyy", "ddd MMM dd HH:mm:ss yyyy"];

    /// <summary>
    /// The date of a Deprecation value: an RFC 9651 Date <c>@1735689600</c>. Servers written against drafts of RFC
    /// 9745 send an HTTP-date or <c>true</c>; the date is read where there is one, and the field still counts.
    /// </summary>
    public static DateTimeOffset? ParseDeprecation(string value)
    {
        var text = value.Trim();
        if (text.StartsWith('@'))
        {
            // sf-integer: an optional minus and 1 to 15 digits.
            var digits = text.AsSpan(1);
            if (digits.Length is > 0 and <= 16 && long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
                && seconds is >= -62_135_596_800 and <= 253_402_300_799)
            {
                return DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
            return null;
        }
        return ParseHttpDate(text);
    }

    /// <summary>An HTTP-date (RFC 9110 5.6.7), or null.</summary>
    public static DateTimeOffset? ParseHttpDate(string value) =>
        value.Length <= 64 && DateTimeOffset.TryParseExact(value.Trim(), HttpDateFormats, CultureInfo.InvariantCulture,
            DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : null;
}
