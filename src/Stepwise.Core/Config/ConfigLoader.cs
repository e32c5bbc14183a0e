using Stepwise.Core.Model;
using Stepwise.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Core.Config;

/// <summary>
/// Reads stepwise.yaml into a <see cref="StepwiseConfig"/>: the readers turn the YAML into a
/// <see cref="ConfigDeclaration"/>, and <see cref="ConfigLinker"/> links it. Pure: takes the text and the file name
/// (for messages); the caller reads the file. Every problem is reported with file, line, column and the fix, sorted
/// by line; nothing is returned unless the whole file is valid. Bounded: the text and the YAML it expands to
/// (aliases included) have caps.
/// </summary>
public static class ConfigLoader
{
    /// <summary>The largest stepwise.yaml read, in characters.</summary>
    public const int MaxTextLength = 4 * 1024 * 1024;

    /// <summary>The most YAML nodes a file may expand to, counting every use of an alias.</summary>
    public const long MaxExpandedNodes = 200_000;

    /// <summary>The deepest nesting of mappings and sequences a stepwise.yaml may have.</summary>
    public const int MaxDepth = 64;

    public static StepwiseConfig Parse(string text, string file)
    {
        var y = new YamlNodes(file);
        var declaration = Read(y, text);
        StepwiseConfig? config = null;
        if (declaration is not null)
        {
            try
            {
                config = ConfigLinker.Link(declaration);
            }
            catch (ConfigException e)
            {
                y.Errors.AddRange(e.Errors);
            }
        }
        if (y.Errors.Count > 0 || config is null)
        {
            throw new ConfigException(y.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }
        return config;
    }

    /// <summary>
    /// Reads stepwise.yaml into its declaration without linking it (a shell that adds releases registered through
    /// the API links the whole). Throws <see cref="ConfigException"/> for what the file itself gets wrong.
    /// </summary>
    public static ConfigDeclaration ReadDeclaration(string text, string file)
    {
        var y = new YamlNodes(file);
        var declaration = Read(y, text);
        if (y.Errors.Count > 0 || declaration is null)
        {
            throw new ConfigException(y.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }
        return declaration;
    }

    /// <summary>Reads the declaration; null when the file cannot be read at all (its errors are in <paramref name="y"/>).</summary>
    private static ConfigDeclaration? Read(YamlNodes y, string text)
    {
        if (text.Length > MaxTextLength)
        {
            y.Error(Mark.Empty, $"the file holds {text.Length:N0} characters, more than the {MaxTextLength:N0} a stepwise.yaml may have", "split the configuration or remove what is not needed");
            return null;
        }
        YamlNode? root;
        try
        {
            var stream = BoundedYaml.Load(text, MaxDepth);
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            if (stream.Documents.Count > 1)
            {
                y.Error(stream.Documents[1].RootNode, "the file holds more than one YAML document", "keep one document: remove the second '---' and what follows, or merge it into the first");
            }
        }
        catch (YamlTooDeepException e)
        {
            y.Error(e.Start, $"{e.Message}; a stepwise.yaml needs far fewer", "flatten the configuration: services, releases and data changes are lists of mappings a few levels deep");
            return null;
        }
        catch (YamlException e)
        {
            var reason = e.InnerException?.Message ?? e.Message;
            // YamlDotNet prefixes its messages with the position; keep the reason only.
            var cut = reason.IndexOf("): ", StringComparison.Ordinal);
            if (reason.StartsWith("(Line", StringComparison.Ordinal) && cut > 0)
            {
                reason = reason[(cut + 3)..];
            }
            y.Error(e.Start, $"YAML syntax error: {reason}", "fix the YAML syntax at this line (indentation, a missing ':' or an unclosed quote or bracket are the usual causes)");
            return null;
        }

        if (root is null || root is YamlScalarNode { Value: null or "" })
        {
            y.Error(Mark.Empty, "the file is empty", "declare at least 'services:' (see docs/cli.md for the format)");
            return null;
        }
        if (ExpandedSize(root, new Dictionary<YamlNode, long>(ReferenceEqualityComparer.Instance)) > MaxExpandedNodes)
        {
            y.Error(root, $"the file expands to more than {MaxExpandedNodes:N0} YAML nodes (its aliases repeat a large anchor many times)", "write the configuration without nested aliases; an anchor may be reused, not multiplied");
            return null;
        }

        var top = y.Map(root, "the top level", "version", "policy", "stores", "services", "dataChanges", "plans");
        if (top is null)
        {
            return null;
        }
        if (top.TryGetValue("version", out var versionNode))
        {
            var version = y.Int(versionNode, "version");
            if (version is not null and not 1)
            {
                y.Error(versionNode, $"configuration version {version} is not supported", "use 'version: 1'");
            }
        }
        return new ConfigDeclaration(
            PolicyReader.Read(y, top.GetValueOrDefault("policy")),
            DataChangeReader.ReadStores(y, top.GetValueOrDefault("stores")),
            ServiceReader.Read(y, top.GetValueOrDefault("services"), root),
            DataChangeReader.ReadDataChanges(y, top.GetValueOrDefault("dataChanges")),
            DataChangeReader.ReadPlans(y, top.GetValueOrDefault("plans")));
    }

    /// <summary>How many nodes the document would have with every alias expanded; each node object is counted once (saturating).</summary>
    private static long ExpandedSize(YamlNode node, Dictionary<YamlNode, long> memo)
    {
        if (memo.TryGetValue(node, out var known))
        {
            return known;
        }
        memo[node] = long.MaxValue / 4; // a cycle counts as too large
        long size = 1;
        IEnumerable<YamlNode> children = node switch
        {
            YamlSequenceNode seq => seq.Children,
            YamlMappingNode map => map.Children.SelectMany(kv => new[] { kv.Key, kv.Value }),
            _ => [],
        };
        foreach (var child in children)
        {
            size = Math.Min(long.MaxValue / 4, size + ExpandedSize(child, memo));
        }
        memo[node] = size;
        return size;
    }
}
