using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Contracts.Json;

/// <summary>
/// One contract file parsed once into a <see cref="JsonDocument"/> (YAML is converted to JSON first),
/// with a way back from a JSON pointer to the file's line and column for findings and errors.
/// </summary>
internal sealed class JsonSource
{
    internal const int MaxDepth = 512;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[]? _json;
    private readonly Dictionary<string, (int Line, int Column)>? _yamlPositions;
    private int[]? _lineStarts;

    private JsonSource(string path, string displayPath, JsonDocument document, byte[]? json, Dictionary<string, (int, int)>? yamlPositions)
    {
        Path = path;
        DisplayPath = displayPath;
        Document = document;
        _json = json;
        _yamlPositions = yamlPositions;
    }

    /// <summary>Full path on disk (the identity used to resolve references).</summary>
    public string Path { get; }

    /// <summary>The path as the user wrote it (or relative to the first file), used in messages.</summary>
    public string DisplayPath { get; }

    public JsonDocument Document { get; }

    public JsonElement Root => Document.RootElement;

    public bool IsYaml => _yamlPositions is not null;

    /// <summary>Reads and parses a file. Throws <see cref="ContractInputException"/> with file:line:col for anything unreadable.</summary>
    public static JsonSource Load(string path, string? displayPath = null, ContractLimits? limits = null)
    {
        displayPath ??= path;
        limits ??= ContractLimits.Default;
        if (Directory.Exists(path))
        {
            throw new ContractInputException("this is a directory: OpenAPI descriptions and JSON Schemas are read from a file", displayPath);
        }
        var bytes = limits.ReadFile(path, displayPath);
        return Parse(bytes, System.IO.Path.GetFullPath(path), displayPath, limits);
    }

    /// <summary>Parses bytes already in memory (JSON or YAML, decided by extension and content).</summary>
    public static JsonSource Parse(byte[] bytes, string path, string displayPath, ContractLimits? limits = null)
    {
        limits ??= ContractLimits.Default;
        var start = bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var content = bytes.AsSpan(start);
        if (content.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new ContractInputException("the file is empty: expected a JSON or YAML contract", displayPath);
        }
        if (content.IndexOf((byte)0) >= 0)
        {
            throw new ContractInputException("the file is binary, not JSON or YAML text (is it a protobuf descriptor set? then pass --kind protobuf)", displayPath);
        }
        string? text = null;
        var isJson = LooksLikeJson(path, content);
        try
        {
            if (isJson)
            {
                if (!System.Text.Unicode.Utf8.IsValid(content))
                {
                    throw new DecoderFallbackException();
                }
            }
            else
            {
                text = StrictUtf8.GetString(content);
            }
        }
        catch (DecoderFallbackException)
        {
            throw new ContractInputException("the file is not UTF-8 text: expected a JSON or YAML contract", displayPath);
        }

        if (isJson)
        {
            var json = start == 0 ? bytes : content.ToArray();
            try
            {
                var doc = JsonDocument.Parse(json.AsMemory(), new JsonDocumentOptions { MaxDepth = MaxDepth });
                return new JsonSource(path, displayPath, doc, json, null);
            }
            catch (JsonException e)
            {
                var line = e.LineNumber is { } l ? (int)l + 1 : (int?)null;
                var column = e.BytePositionInLine is { } c ? (int)c + 1 : (int?)null;
                throw new ContractInputException($"invalid JSON: {StripPosition(e.Message)}", displayPath, line, column, e);
            }
        }

        var positions = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var converted = YamlJson.YamlToJson(text!, displayPath, positions, limits.MaxYamlAliasNodes);
        var document = JsonDocument.Parse(converted.AsMemory(), new JsonDocumentOptions { MaxDepth = MaxDepth });
        return new JsonSource(path, displayPath, document, null, positions);
    }

    private static bool LooksLikeJson(string path, ReadOnlySpan<byte> content)
    {
        var ext = System.IO.Path.GetExtension(path);
        if (ext.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (ext.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || ext.Equals(".yml", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var trimmed = content.TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && (trimmed[0] == (byte)'{' || trimmed[0] == (byte)'[');
    }

    private static string StripPosition(string message)
    {
        var at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at > 0 ? message[..at].TrimEnd('.', ' ') : message;
    }

    /// <summary>Line and column (1-based) of the element a pointer names, or of its nearest existing ancestor.</summary>
    public (int Line, int Column) Locate(string pointer) => LocateAll([pointer])[pointer];

    /// <summary>Locates many pointers in one pass over the file.</summary>
    public IReadOnlyDictionary<string, (int Line, int Column)> LocateAll(IReadOnlyCollection<string> pointers)
    {
        var result = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        if (_yamlPositions is not null)
        {
            foreach (var p in pointers)
            {
                var probe = p;
                while (true)
                {
                    if (_yamlPositions.TryGetValue(probe, out var pos))
                    {
                        result[p] = pos;
                        break;
                    }
                    if (probe.Length == 0)
                    {
                        result[p] = (1, 1);
                        break;
                    }
                    probe = probe[..probe.LastIndexOf('/')];
                }
            }
            return result;
        }

        var trie = new PointerTrie("");
        foreach (var p in pointers)
        {
            var node = trie;
            var prefix = "";
            foreach (var segment in SafeSplit(p))
            {
                prefix = JsonPointer.Append(prefix, segment);
                node = node.Child(segment, prefix);
            }
            node.Terminal = true;
        }
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal) { [""] = 0 };
        var reader = new Utf8JsonReader(_json, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (reader.Read())
        {
            offsets[""] = reader.TokenStartIndex;
            Walk(ref reader, trie, offsets);
        }
        foreach (var p in pointers)
        {
            var probe = p;
            while (!offsets.ContainsKey(probe) && probe.Length > 0)
            {
                probe = probe[..probe.LastIndexOf('/')];
            }
            result[p] = PositionOf(offsets.GetValueOrDefault(probe));
        }
        return result;
    }

    private static string[] SafeSplit(string pointer)
    {
        try
        {
            return JsonPointer.Split(pointer);
        }
        catch (FormatException)
        {
            return [];
        }
    }

    private static void Walk(ref Utf8JsonReader reader, PointerTrie node, Dictionary<string, long> offsets)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var name = reader.GetString()!;
                var at = reader.TokenStartIndex;
                reader.Read();
                if (node.Children is not null && node.Children.TryGetValue(name, out var child))
                {
                    offsets[child.Pointer] = at;
                    Walk(ref reader, child, offsets);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        else if (reader.TokenType == JsonTokenType.StartArray)
        {
            var index = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (node.Children is not null && node.Children.TryGetValue(index.ToString(CultureInfo.InvariantCulture), out var child))
                {
                    offsets[child.Pointer] = reader.TokenStartIndex;
                    Walk(ref reader, child, offsets);
                }
                else
                {
                    reader.Skip();
                }
                index++;
            }
        }
    }

    private (int Line, int Column) PositionOf(long offset)
    {
        var json = _json!;
        if (_lineStarts is null)
        {
            var starts = new List<int> { 0 };
            var span = json.AsSpan();
            var from = 0;
            while (true)
            {
                var nl = span[from..].IndexOf((byte)'\n');
                if (nl < 0)
                {
                    break;
                }
                from += nl + 1;
                starts.Add(from);
            }
            _lineStarts = starts.ToArray();
        }
        var index = Array.BinarySearch(_lineStarts, (int)offset);
        if (index < 0)
        {
            index = ~index - 1;
        }
        return (index + 1, (int)offset - _lineStarts[index] + 1);
    }

    private sealed class PointerTrie(string pointer)
    {
        public string Pointer { get; } = pointer;
        public Dictionary<string, PointerTrie>? Children { get; private set; }
        public bool Terminal { get; set; }

        public PointerTrie Child(string segment, string pointer)
        {
            Children ??= new Dictionary<string, PointerTrie>(StringComparer.Ordinal);
            if (!Children.TryGetValue(segment, out var child))
            {
                child = new PointerTrie(pointer);
                Children[segment] = child;
            }
            return child;
        }
    }
}
