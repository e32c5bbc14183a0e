using System.Text;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Stepwise.Clients;

/// <summary>
/// The key of an operation, the one Stepwise contracts use: the upper-case HTTP method, one space, and the path
/// template as an OpenAPI document writes it (<c>GET /orders/{id}</c>). The method is 1 to 16 letters A-Z; the path
/// starts with <c>/</c> and holds no whitespace or control character; the whole key is at most 512 characters.
/// </summary>
public static class OperationKey
{
    /// <summary>The longest key, in characters.</summary>
    public const int MaxLength = 512;

    /// <summary>The longest method, in characters.</summary>
    public const int MaxMethodLength = 16;

    /// <summary>True when <paramref name="key"/> follows the grammar.</summary>
    public static bool IsValid(ReadOnlySpan<char> key)
    {
        if (key.Length > MaxLength)
        {
            return false;
        }
        var space = key.IndexOf(' ');
        if (space is < 1 or > MaxMethodLength || !IsMethod(key[..space]))
        {
            return false;
        }
        var path = key[(space + 1)..];
        if (path.IsEmpty || path[0] != '/')
        {
            return false;
        }
        foreach (var c in path)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Checks a key, or throws <see cref="ArgumentException"/> naming the grammar.</summary>
    public static string Validate(string key, string? parameterName = null)
    {
        ArgumentNullException.ThrowIfNull(key, parameterName);
        return IsValid(key)
            ? key
            : throw new ArgumentException(
                $"'{key}' is not an operation key: give the upper-case HTTP method, one space and the OpenAPI path template, e.g. 'GET /orders/{{id}}' (at most {MaxLength} characters, no whitespace in the path)",
                parameterName);
    }

    /// <summary>Splits a valid key into its method and path template.</summary>
    public static (string Method, string Path) Split(string key)
    {
        var space = Validate(key, nameof(key)).IndexOf(' ');
        return (key[..space], key[(space + 1)..]);
    }

    /// <summary>
    /// The OpenAPI path template of a route pattern: constraints, defaults, optional and catch-all markers dropped
    /// (<c>/orders/{id:long}</c> and <c>/files/{**path}</c> become <c>/orders/{id}</c> and <c>/files/{path}</c>), a
    /// parameter with a required value (conventional routes: controller, action) written as that value.
    /// </summary>
    public static string PathTemplate(RoutePattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var text = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            text.Append('/');
            foreach (var part in segment.Parts)
            {
                switch (part)
                {
                    case RoutePatternLiteralPart literal:
                        text.Append(literal.Content);
                        break;
                    case RoutePatternSeparatorPart separator:
                        text.Append(separator.Content);
                        break;
                    case RoutePatternParameterPart parameter
                        when pattern.RequiredValues.TryGetValue(parameter.Name, out var required) && required is string { Length: > 0 } value:
                        text.Append(value);
                        break;
                    case RoutePatternParameterPart parameter:
                        text.Append('{').Append(parameter.Name).Append('}');
                        break;
                }
            }
        }
        return text.Length == 0 ? "/" : text.ToString();
    }

    /// <summary>The key of a method (any case) and a route pattern.</summary>
    public static string From(string method, RoutePattern pattern) => $"{method.ToUpperInvariant()} {PathTemplate(pattern)}";

    private static bool IsMethod(ReadOnlySpan<char> method)
    {
        foreach (var c in method)
        {
            if (!char.IsAsciiLetterUpper(c))
            {
                return false;
            }
        }
        return true;
    }
}
