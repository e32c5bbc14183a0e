using System.Text.Json;

namespace Stepwise.Cli.Commands.Operator;

/// <summary>One difference: a path, and the value in the file and on the server (null: absent there).</summary>
public sealed record ConfigDifference(string Path, string? File, string? Server)
{
    public override string ToString() => (File, Server) switch
    {
        (null, _) => $"  + {Path}: {Server} (only on the server)",
        (_, null) => $"  - {Path}: {File} (only in the file)",
        _ => $"  ~ {Path}: {File} -> {Server}",
    };
}

/// <summary>
/// Compares two linked configurations as JSON: lists of objects are matched by their name, id or version (not by
/// position), and a subtree present on one side only is reported once. Releases registered through the API exist
/// only on the server and are left out.
/// </summary>
public static class ConfigDiff
{
    private static readonly string[] Keys = ["name", "id", "version", "service"];

    public static List<ConfigDifference> Compare(JsonElement file, JsonElement server)
    {
        var differences = new List<ConfigDifference>();
        Walk("", file, server, differences);
        return differences;
    }

    private static void Walk(string path, JsonElement a, JsonElement b, List<ConfigDifference> into)
    {
        if (a.ValueKind == JsonValueKind.Object && b.ValueKind == JsonValueKind.Object)
        {
            var names = a.EnumerateObject().Select(p => p.Name).Union(b.EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);
            foreach (var name in names)
            {
                var child = path.Length == 0 ? name : $"{path}.{name}";
                var inA = a.TryGetProperty(name, out var va);
                var inB = b.TryGetProperty(name, out var vb);
                if (inA && inB)
                {
                    Walk(child, va, vb, into);
                }
                else if (inA && !Empty(va))
                {
                    into.Add(new ConfigDifference(child, Short(va), null));
                }
                else if (inB && !Empty(vb))
                {
                    into.Add(new ConfigDifference(child, null, Short(vb)));
                }
            }
            return;
        }
        if (a.ValueKind == JsonValueKind.Array && b.ValueKind == JsonValueKind.Array && MatchKey(a, b) is { } key)
        {
            if (key.Length == 0)
            {
                return; // both empty
            }
            var left = a.EnumerateArray().ToDictionary(e => e.GetProperty(key).ToString(), StringComparer.Ordinal);
            var right = b.EnumerateArray().Where(e => !Registered(e)).ToDictionary(e => e.GetProperty(key).ToString(), StringComparer.Ordinal);
            foreach (var id in left.Keys.Union(right.Keys, StringComparer.Ordinal))
            {
                var child = $"{path}[{id}]";
                if (left.TryGetValue(id, out var l) && right.TryGetValue(id, out var r))
                {
                    Walk(child, l, r, into);
                }
                else
                {
                    into.Add(left.ContainsKey(id) ? new ConfigDifference(child, "present", null) : new ConfigDifference(child, null, "present"));
                }
            }
            return;
        }
        if (a.ValueKind == JsonValueKind.Array && b.ValueKind == JsonValueKind.Array && a.GetArrayLength() == b.GetArrayLength())
        {
            var i = 0;
            foreach (var (x, y) in a.EnumerateArray().Zip(b.EnumerateArray()))
            {
                Walk($"{path}[{i++}]", x, y, into);
            }
            return;
        }
        var sa = a.GetRawText();
        var sb = b.GetRawText();
        if (!string.Equals(sa, sb, StringComparison.Ordinal))
        {
            into.Add(new ConfigDifference(path, Short(a), Short(b)));
        }
    }

    private static string? MatchKey(JsonElement a, JsonElement b)
    {
        var (ka, kb) = (KeyOf(a), KeyOf(b));
        return ka == "" ? kb : kb == "" ? ka : ka == kb ? ka : null;
    }

    /// <summary>The key that names the objects of a list, when every element has it with distinct values.</summary>
    private static string? KeyOf(JsonElement array)
    {
        if (array.GetArrayLength() == 0 || array.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object))
        {
            return array.GetArrayLength() == 0 ? "" : null;
        }
        foreach (var key in Keys)
        {
            var values = array.EnumerateArray().Select(e => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null).ToList();
            if (values.All(v => v is not null) && values.Distinct(StringComparer.Ordinal).Count() == values.Count)
            {
                return key;
            }
        }
        return null;
    }

    private static bool Registered(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("origin", out var o) && o.ValueKind == JsonValueKind.String && o.GetString() == "registered";

    private static bool Empty(JsonElement e) => e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined
        || (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 0);

    private static string Short(JsonElement e)
    {
        var text = e.GetRawText();
        return text.Length > 120 ? text[..117] + "..." : text;
    }
}
