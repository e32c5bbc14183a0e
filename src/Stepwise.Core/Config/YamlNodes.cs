using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Core.Config;

/// <summary>
/// Typed reads over YamlDotNet's representation model that keep line numbers and collect errors instead of
/// stopping at the first, so one run of <c>stepwise validate</c> reports everything wrong in a file.
/// </summary>
internal sealed class YamlNodes(string file)
{
    public List<ConfigError> Errors { get; } = [];

    public string File { get; } = file;

    /// <summary>Where a node was written, for errors found later (by the linker).</summary>
    public Model.SourcePos Pos(YamlNode node) => new(File, Math.Max(1, (int)node.Start.Line), Math.Max(1, (int)node.Start.Column));

    public void Error(YamlNode? at, string message, string fix) =>
        Error(at?.Start ?? Mark.Empty, message, fix);

    public void Error(Mark at, string message, string fix) =>
        Errors.Add(new ConfigError(File, Math.Max(1, (int)at.Line), Math.Max(1, (int)at.Column), message, fix));

    /// <summary>Reads a mapping and reports keys not in <paramref name="allowed"/> (with a suggestion).</summary>
    public Dictionary<string, YamlNode>? Map(YamlNode? node, string what, params string[] allowed)
    {
        if (node is null)
        {
            return null;
        }
        if (node is not YamlMappingNode mapping)
        {
            Error(node, $"{what} must be a mapping (key: value lines)", $"write {what} as 'key: value' entries");
            return null;
        }
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (Array.IndexOf(allowed, key) < 0)
            {
                var suggestion = Suggestions.Closest(key, allowed);
                Error(keyNode, $"unknown key '{key}' in {what}",
                    suggestion is null ? $"remove it; {what} takes: {string.Join(", ", allowed)}" : $"did you mean '{suggestion}'? {what} takes: {string.Join(", ", allowed)}");
                continue;
            }
            result[key] = valueNode;
        }
        return result;
    }

    public YamlSequenceNode? Seq(YamlNode? node, string what)
    {
        switch (node)
        {
            case null:
                return null;
            case YamlSequenceNode seq:
                return seq;
            case YamlScalarNode { Value: null or "" or "~" or "null" }:
                return new YamlSequenceNode();
            default:
                Error(node, $"{what} must be a list", $"write {what} as a list: one '- item' per line, or [a, b]");
                return null;
        }
    }

    public string? Str(YamlNode? node, string what, bool required = false, YamlNode? parent = null)
    {
        if (node is null)
        {
            if (required)
            {
                Error(parent, $"{what} is missing", $"add '{what}: ...'");
            }
            return null;
        }
        if (node is not YamlScalarNode scalar || scalar.Value is null)
        {
            Error(node, $"{what} must be a single value", $"write {what} as a plain value");
            return null;
        }
        if (required && scalar.Value.Trim().Length == 0)
        {
            Error(node, $"{what} is empty", $"give {what} a value");
            return null;
        }
        return scalar.Value;
    }

    public IReadOnlyList<string> StrList(YamlNode? node, string what)
    {
        var seq = Seq(node, what);
        if (seq is null)
        {
            return [];
        }
        var list = new List<string>();
        foreach (var item in seq.Children)
        {
            var value = Str(item, $"an entry of {what}");
            if (value is not null)
            {
                list.Add(value);
            }
        }
        return list;
    }

    public double? Number(YamlNode? node, string what, double? min = null, double? max = null)
    {
        var text = Str(node, what);
        if (text is null)
        {
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Error(node, $"{what} must be a number, not '{text}'", $"write a number such as 10 or 0.5");
            return null;
        }
        if ((min is not null && value < min) || (max is not null && value > max))
        {
            Error(node, $"{what} is {text}, outside {min?.ToString(CultureInfo.InvariantCulture) ?? "-∞"}..{max?.ToString(CultureInfo.InvariantCulture) ?? "∞"}", $"use a value in that range");
            return null;
        }
        return value;
    }

    public int? Int(YamlNode? node, string what, int min = int.MinValue)
    {
        var text = Str(node, what);
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, $"{what} must be a whole number, not '{text}'", "write a whole number such as 1000");
            return null;
        }
        if (value < min)
        {
            Error(node, $"{what} is {value}; it must be at least {min}", $"use {min} or more");
            return null;
        }
        return value;
    }

    public bool? Bool(YamlNode? node, string what)
    {
        var text = Str(node, what);
        switch (text)
        {
            case null:
                return null;
            case "true" or "yes" or "on":
                return true;
            case "false" or "no" or "off":
                return false;
            default:
                Error(node, $"{what} must be true or false, not '{text}'", "write true or false");
                return null;
        }
    }

    public TimeSpan? Duration(YamlNode? node, string what, bool positive = false)
    {
        var text = Str(node, what);
        if (text is null)
        {
            return null;
        }
        switch (Durations.Read(text, out var value))
        {
            case Durations.Outcome.TooLong:
                Error(node, $"{what} is '{text}', longer than the longest duration Stepwise takes ({Durations.Format(Durations.Max)})", $"write a duration of at most {Durations.Format(Durations.Max)}, such as 30s, 10m or 7d");
                return null;
            case Durations.Outcome.Malformed:
                Error(node, $"{what} must be a duration, not '{text}'", "write a duration such as 500ms, 30s, 10m, 2h or 7d");
                return null;
        }
        if (positive && value <= TimeSpan.Zero)
        {
            Error(node, $"{what} must be longer than 0", "write a duration such as 30s or 10m");
            return null;
        }
        return value;
    }

    public TEnum? Enum<TEnum>(YamlNode? node, string what)
        where TEnum : struct, Enum
    {
        var text = Str(node, what);
        if (text is null)
        {
            return null;
        }
        var names = System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()).ToArray();
        foreach (var value in System.Enum.GetValues<TEnum>())
        {
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }
        var suggestion = Suggestions.Closest(text, names);
        Error(node, $"{what} is '{text}', which is not one of {string.Join(", ", names)}",
            suggestion is null ? $"use one of {string.Join(", ", names)}" : $"did you mean '{suggestion}'?");
        return null;
    }
}
