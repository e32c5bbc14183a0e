using System.Globalization;
using System.Text.Json;
using Stepwise.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Contracts.Json;

/// <summary>
/// YAML to JSON for contracts: one document, plain mapping keys, no merge keys, no duplicate keys, YAML 1.2 core
/// scalars, and alias expansion bounded (an alias bomb fails fast).
/// </summary>
internal static class YamlJson
{
    private const int MaxDepth = JsonSource.MaxDepth;

    internal const string UnreadableYaml = "invalid YAML: the parser could not read the file; check quoting, indentation and flow collections ({...} and [...])";

    public static byte[] YamlToJson(string text, string displayPath, Dictionary<string, (int, int)> positions, int maxAliasNodes)
    {
        YamlStream stream;
        try
        {
            stream = BoundedYaml.Load(text, MaxDepth);
        }
        catch (YamlTooDeepException e)
        {
            throw new ContractInputException($"{e.Message}; no contract needs that many", displayPath, (int)e.Start.Line, (int)e.Start.Column, e);
        }
        catch (YamlException e)
        {
            throw new ContractInputException($"invalid YAML: {e.InnerException?.Message ?? e.Message}", displayPath, (int)e.Start.Line, (int)e.Start.Column, e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner fails this way on some malformed input instead of raising a YamlException.
            throw new ContractInputException(UnreadableYaml, displayPath, inner: e);
        }
        if (stream.Documents.Count == 0)
        {
            throw new ContractInputException("the file is empty: expected a JSON or YAML contract", displayPath);
        }
        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            throw new ContractInputException("the YAML file holds more than one document; a contract is one document", displayPath, (int)second.Line, (int)second.Column);
        }
        // Aliases share one node in YamlDotNet's model; writing JSON expands them. Count the document's own nodes
        // first, then let expansion add at most maxAliasNodes more, so an alias bomb fails before it grows.
        var root = stream.Documents[0].RootNode;
        var budget = new NodeBudget(CountDistinctNodes(root) + (long)maxAliasNodes, maxAliasNodes);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteYamlNode(writer, root, "", 0, displayPath, positions, budget);
        }
        return buffer.ToArray();
    }

    private sealed class NodeBudget(long limit, int aliasNodes)
    {
        public long Remaining { get; set; } = limit;
        public int AliasNodes { get; } = aliasNodes;
    }

    private static long CountDistinctNodes(YamlNode root)
    {
        var seen = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<YamlNode>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            var node = pending.Pop();
            if (!seen.Add(node))
            {
                continue;
            }
            switch (node)
            {
                case YamlMappingNode map:
                    foreach (var (key, value) in map.Children)
                    {
                        pending.Push(key);
                        pending.Push(value);
                    }
                    break;
                case YamlSequenceNode seq:
                    foreach (var item in seq.Children)
                    {
                        pending.Push(item);
                    }
                    break;
            }
        }
        return seen.Count;
    }

    private static void WriteYamlNode(Utf8JsonWriter writer, YamlNode node, string pointer, int depth, string displayPath, Dictionary<string, (int, int)> positions, NodeBudget budget)
    {
        if (depth > MaxDepth)
        {
            throw new ContractInputException($"the YAML nests deeper than {MaxDepth} levels (a recursive alias?)", displayPath, (int)node.Start.Line, (int)node.Start.Column);
        }
        if (--budget.Remaining < 0)
        {
            throw new ContractInputException(
                $"YAML aliases expand to more than {budget.AliasNodes.ToString("N0", CultureInfo.InvariantCulture)} nodes beyond the document's own (an alias bomb?); write the shared parts with $ref instead of anchors and aliases",
                displayPath, (int)node.Start.Line, (int)node.Start.Column);
        }
        positions.TryAdd(pointer, ((int)node.Start.Line, (int)node.Start.Column));
        switch (node)
        {
            case YamlMappingNode map:
                writer.WriteStartObject();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (key, value) in map.Children)
                {
                    if (key is not YamlScalarNode scalarKey)
                    {
                        throw new ContractInputException("a YAML mapping key must be a plain value, not a list or mapping", displayPath, (int)key.Start.Line, (int)key.Start.Column);
                    }
                    var name = scalarKey.Value ?? "";
                    if (name == "<<")
                    {
                        throw new ContractInputException("YAML merge keys ('<<') are not supported in contracts: write the keys out", displayPath, (int)key.Start.Line, (int)key.Start.Column);
                    }
                    if (!seen.Add(name))
                    {
                        throw new ContractInputException($"duplicate key '{name}'", displayPath, (int)key.Start.Line, (int)key.Start.Column);
                    }
                    var child = JsonPointer.Append(pointer, name);
                    positions.TryAdd(child, ((int)key.Start.Line, (int)key.Start.Column));
                    writer.WritePropertyName(name);
                    WriteYamlNode(writer, value, child, depth + 1, displayPath, positions, budget);
                }
                writer.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                writer.WriteStartArray();
                var i = 0;
                foreach (var item in seq.Children)
                {
                    WriteYamlNode(writer, item, JsonPointer.Append(pointer, i++), depth + 1, displayPath, positions, budget);
                }
                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw new ContractInputException("unsupported YAML node", displayPath, (int)node.Start.Line, (int)node.Start.Column);
        }
    }

    // YAML 1.2 core schema resolution for plain scalars; quoted or !!str-tagged scalars stay strings.
    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? "" : scalar.Tag.Value;
        if (scalar.Style != ScalarStyle.Plain || tag == "tag:yaml.org,2002:str" || tag == "!")
        {
            writer.WriteStringValue(value);
            return;
        }
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                writer.WriteNullValue();
                return;
            case "true" or "True" or "TRUE":
                writer.WriteBooleanValue(true);
                return;
            case "false" or "False" or "FALSE":
                writer.WriteBooleanValue(false);
                return;
        }
        if (IsYamlInteger(value) && decimal.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            writer.WriteNumberValue(integer);
            return;
        }
        if (value.StartsWith("0x", StringComparison.Ordinal) && long.TryParse(value.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            writer.WriteNumberValue(hex);
            return;
        }
        if (IsYamlFloat(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            if (decimal.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact))
            {
                writer.WriteNumberValue(exact);
            }
            else
            {
                writer.WriteNumberValue(real);
            }
            return;
        }
        writer.WriteStringValue(value);
    }

    private static bool IsYamlInteger(string s)
    {
        var i = s.Length > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
        if (i >= s.Length)
        {
            return false;
        }
        for (; i < s.Length; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsYamlFloat(string s)
    {
        var digits = false;
        var i = s.Length > 0 && (s[0] == '-' || s[0] == '+') ? 1 : 0;
        for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
        {
            digits = true;
        }
        if (i < s.Length && s[i] == '.')
        {
            for (i++; i < s.Length && char.IsAsciiDigit(s[i]); i++)
            {
                digits = true;
            }
        }
        if (!digits)
        {
            return false;
        }
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '-' || s[i] == '+'))
            {
                i++;
            }
            var exp = false;
            for (; i < s.Length && char.IsAsciiDigit(s[i]); i++)
            {
                exp = true;
            }
            if (!exp)
            {
                return false;
            }
        }
        return i == s.Length;
    }
}
