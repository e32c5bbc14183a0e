using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Contracts.Json;

/// <summary>
/// One contract file parsed once into a <see cref="JsonDocument"/> (YAML is converted to JSON first),
/// with a way back from a JSON pointer to the file's line and column for findings and errors. Disposing it releases
/// the parse and, for a large file, its mapping (see <see cref="MappedFile"/>).
/// </summary>
internal sealed class JsonSource : IDisposable
{
    internal const int MaxDepth = 512;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlyMemory<byte> _json;
    private readonly Dictionary<string, (int Line, int Column)>? _yamlPositions;

    private JsonSource(string path, string displayPath, JsonDocument document, ReadOnlyMemory<byte> json, Dictionary<string, (int, int)>? yamlPositions)
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
        var bytes = limits.ReadContent(path, displayPath);
        try
        {
            return Parse(bytes, System.IO.Path.GetFullPath(path), displayPath, limits);
        }
        catch
        {
            Release(bytes);
            throw;
        }
    }

    /// <summary>The mapping the file is read through, when it is large enough to be mapped.</summary>
    internal MappedFile? Mapping => MappingOf(_json);

    public void Dispose()
    {
        Document.Dispose();
        Release(_json);
    }

    private static MappedFile? MappingOf(ReadOnlyMemory<byte> bytes) => MemoryMarshal.TryGetMemoryManager(bytes, out MappedFile? mapped) ? mapped : null;

    private static void Release(ReadOnlyMemory<byte> bytes) => ((IDisposable?)MappingOf(bytes))?.Dispose();

    /// <summary>Parses bytes already in memory (JSON or YAML, decided by extension and content).</summary>
    public static JsonSource Parse(ReadOnlyMemory<byte> bytes, string path, string displayPath, ContractLimits? limits = null)
    {
        limits ??= ContractLimits.Default;
        var json = bytes.Span.StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;
        var content = json.Span;
        if (content.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new ContractInputException("the file is empty: expected a JSON or YAML contract", displayPath);
        }
        // A NUL byte never parses as JSON (not even inside a string), so JSON is scanned for one only when it fails
        // to parse or to decode: the message is the same as scanning first, without a pass over every good file.
        var isJson = LooksLikeJson(path, content);
        if (!isJson)
        {
            ThrowIfBinary(content, displayPath);
        }
        string? text = null;
        try
        {
            if (isJson)
            {
                if (!System.Text.Unicode.Utf8.IsValid(content))
                {
                    ThrowIfBinary(content, displayPath);
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
            try
            {
                var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
                return new JsonSource(path, displayPath, doc, json, null);
            }
            catch (JsonException e)
            {
                ThrowIfBinary(json.Span, displayPath);
                var line = e.LineNumber is { } l ? (int)l + 1 : (int?)null;
                var column = e.BytePositionInLine is { } c ? (int)c + 1 : (int?)null;
                throw new ContractInputException($"invalid JSON: {StripPosition(e.Message)}", displayPath, line, column, e);
            }
        }

        var positions = new Dictionary<string, (int, int)>(StringComparer.Ordinal);
        var converted = YamlJson.YamlToJson(text!, displayPath, positions, limits.MaxYamlAliasNodes);
        var document = JsonDocument.Parse(converted.AsMemory(), new JsonDocumentOptions { MaxDepth = MaxDepth });
        return new JsonSource(path, displayPath, document, default, positions);
    }

    private static void ThrowIfBinary(ReadOnlySpan<byte> content, string displayPath)
    {
        if (content.IndexOf((byte)0) >= 0)
        {
            throw new ContractInputException("the file is binary, not JSON or YAML text (is it a protobuf descriptor set? then pass --kind protobuf)", displayPath);
        }
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

    /// <summary>Locates many pointers in one walk down the parsed document.</summary>
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
        // The parsed document is walked down the pointers only, each element's offset read from where its bytes lie
        // in the file: a member at its name's opening quote, an item (and the root) at its first byte.
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal) { [""] = OffsetOf(JsonMarshal.GetRawUtf8Value(Root)) };
        Walk(Root, trie, offsets);
        var located = new List<(long Offset, string Pointer)>(pointers.Count);
        foreach (var p in pointers)
        {
            var probe = p;
            while (!offsets.ContainsKey(probe) && probe.Length > 0)
            {
                probe = probe[..probe.LastIndexOf('/')];
            }
            located.Add((offsets.GetValueOrDefault(probe), p));
        }
        // Lines are counted once, from offset to offset in file order, rather than indexed for the whole file.
        located.Sort((a, b) => a.Offset.CompareTo(b.Offset));
        var json = _json.Span;
        var (line, lineStart, at) = (1, 0, 0);
        foreach (var (offset, p) in located)
        {
            var upTo = (int)Math.Min(offset, json.Length);
            var between = json[at..upTo];
            var newlines = between.Count((byte)'\n');
            if (newlines > 0)
            {
                line += newlines;
                lineStart = at + between.LastIndexOf((byte)'\n') + 1;
            }
            at = upTo;
            result[p] = (line, upTo - lineStart + 1);
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

    /// <summary>Where <paramref name="bytes"/>, a span of this file's parsed memory, starts in the file.</summary>
    private long OffsetOf(ReadOnlySpan<byte> bytes) =>
        (long)Unsafe.ByteOffset(ref MemoryMarshal.GetReference(_json.Span), ref MemoryMarshal.GetReference(bytes));

    private void Walk(JsonElement element, PointerTrie node, Dictionary<string, long> offsets)
    {
        if (node.Children is not { } children)
        {
            return;
        }
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                // Every member of that name, as a reader of the file meets them: the last one's offset stands.
                if (children.TryGetValue(property.Name, out var child))
                {
                    offsets[child.Pointer] = OffsetOf(JsonMarshal.GetRawUtf8PropertyName(property)) - 1;
                    Walk(property.Value, child, offsets);
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var length = element.GetArrayLength();
            foreach (var (segment, child) in children)
            {
                if (int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < length
                    && index.ToString(CultureInfo.InvariantCulture) == segment)
                {
                    var item = element[index];
                    offsets[child.Pointer] = OffsetOf(JsonMarshal.GetRawUtf8Value(item));
                    Walk(item, child, offsets);
                }
            }
        }
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
