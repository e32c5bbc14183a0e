using System.Globalization;
using System.Text.RegularExpressions;

namespace Stepwise.Core.Model;

/// <summary>
/// The grammar of every name Stepwise stores and shows, checked on every path (stepwise.yaml, the API, heartbeats):
/// <list type="bullet">
/// <item>ids of services, nodes, stores, data changes, plans and tokens: 1 to 128 ASCII letters, digits, '.', '_' or
/// '-', starting with a letter or digit (nothing invisible, nothing bidirectional, nothing a shell or a URL treats
/// specially);</item>
/// <item>versions: Semantic Versioning 2.0.0 (MAJOR.MINOR.PATCH, optional -prerelease and +build), at most 128 characters;</item>
/// <item>operations and free text (reasons, subjects): printable Unicode without control, format (invisible or
/// bidirectional) or unassigned characters, within a length.</item>
/// </list>
/// Each check returns null when the value is valid, otherwise what is wrong and how to fix it. Pure.
/// </summary>
public static partial class Identifiers
{
    public const int MaxIdLength = 128;
    public const int MaxVersionLength = 128;
    public const int MaxOperationLength = 512;

    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex SemVer();

    /// <summary>Checks an id (service, node, store, change, plan, token name).</summary>
    public static string? CheckId(string? value, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{what} is missing or empty";
        }
        if (value.Length > MaxIdLength)
        {
            return $"{what} has {value.Length} characters; an id has at most {MaxIdLength}";
        }
        if (!char.IsAsciiLetterOrDigit(value[0]))
        {
            return $"{what} '{Printable(value)}' must start with a letter or a digit";
        }
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"{what} '{Printable(value)}' holds '{Printable(c.ToString())}'; an id takes ASCII letters, digits, '.', '_' and '-' only";
            }
        }
        return null;
    }

    /// <summary>Checks a release version: Semantic Versioning 2.0.0.</summary>
    public static string? CheckVersion(string? value, string what = "version")
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{what} is missing or empty";
        }
        if (value.Length > MaxVersionLength || !SemVer().IsMatch(value))
        {
            return $"{what} '{Printable(value)}' is not a semantic version (MAJOR.MINOR.PATCH such as 1.4.0, with an optional -prerelease and +build)";
        }
        return null;
    }

    /// <summary>Checks an operation ("GET /orders/{id}", "orders.v1.Orders/Get") or other free text.</summary>
    public static string? CheckText(string? value, string what, int max = MaxOperationLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"{what} is missing or empty";
        }
        if (value.Length > max)
        {
            return $"{what} has {value.Length} characters; at most {max}";
        }
        for (var i = 0; i < value.Length; i++)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(value, i);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse ||
                (category == UnicodeCategory.Surrogate && !char.IsSurrogatePair(value, i) && !(i > 0 && char.IsSurrogatePair(value, i - 1))))
            {
                return $"{what} holds the invisible or control character U+{(int)value[i]:X4} at position {i + 1}; remove it";
            }
        }
        return null;
    }

    /// <summary>A value shown in a message: control and invisible characters escaped, long values cut.</summary>
    public static string Printable(string value)
    {
        var cut = value.Length > 64 ? value[..64] + "…" : value;
        var text = new System.Text.StringBuilder(cut.Length);
        foreach (var c in cut)
        {
            var category = char.GetUnicodeCategory(c);
            text.Append(category is UnicodeCategory.Control or UnicodeCategory.Format ? $"\\u{(int)c:X4}" : c.ToString());
        }
        return text.ToString();
    }
}
