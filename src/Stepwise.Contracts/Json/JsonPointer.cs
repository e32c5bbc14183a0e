using System.Text;
using System.Text.Json;

namespace Stepwise.Contracts.Json;

/// <summary>RFC 6901 JSON pointers: building, escaping and evaluating against a parsed document.</summary>
internal static class JsonPointer
{
    public static string Escape(string segment)
    {
        if (segment.AsSpan().IndexOfAny('~', '/') < 0)
        {
            return segment;
        }
        return segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    }

    public static string Unescape(string segment)
    {
        if (!segment.Contains('~', StringComparison.Ordinal))
        {
            return segment;
        }
        return segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
    }

    public static string Append(string pointer, string segment) => pointer + "/" + Escape(segment);

    public static string Append(string pointer, int index) => pointer + "/" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The unescaped segments of a pointer ("" is the whole document).</summary>
    public static string[] Split(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }
        if (pointer[0] != '/')
        {
            throw new FormatException($"a JSON pointer starts with '/': '{pointer}'");
        }
        var parts = pointer[1..].Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Unescape(parts[i]);
        }
        return parts;
    }

    /// <summary>Finds the element a pointer names, or returns false when it names nothing.</summary>
    public static bool TryEvaluate(JsonElement root, string pointer, out JsonElement found)
    {
        found = root;
        foreach (var segment in Split(pointer))
        {
            switch (found.ValueKind)
            {
                case JsonValueKind.Object:
                    if (!found.TryGetProperty(segment, out found))
                    {
                        return false;
                    }
                    break;
                case JsonValueKind.Array:
                    if (!int.TryParse(segment, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) || index >= found.GetArrayLength())
                    {
                        return false;
                    }
                    found = found[index];
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    /// <summary>Percent-decodes the fragment of a $ref ("#/components/schemas/a%20b").</summary>
    public static string DecodeFragment(string fragment)
    {
        if (!fragment.Contains('%', StringComparison.Ordinal))
        {
            return fragment;
        }
        try
        {
            return Uri.UnescapeDataString(fragment);
        }
        catch (UriFormatException)
        {
            return fragment;
        }
    }

    /// <summary>A pointer written for people: "/paths/~1pets/get" stays as it is; the empty pointer is "/".</summary>
    public static string Display(string pointer) => pointer.Length == 0 ? "/" : pointer;

    internal static string Join(IEnumerable<string> segments)
    {
        var sb = new StringBuilder();
        foreach (var s in segments)
        {
            sb.Append('/').Append(Escape(s));
        }
        return sb.ToString();
    }
}
