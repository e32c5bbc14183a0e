using System.Text.Json;

namespace Stepwise.Contracts.Json;

/// <summary>An element of a parsed contract file together with where it lives (file and JSON pointer).</summary>
internal readonly record struct Node(JsonSource Source, JsonElement Element, string Pointer)
{
    /// <summary>Identity of the element across the document set: file plus pointer (the file compared by reference: each is parsed once).</summary>
    public (JsonSource Source, string Pointer) Key => (Source, Pointer);

    public bool IsObject => Element.ValueKind == JsonValueKind.Object;

    public bool TryGet(string name, out Node child)
    {
        if (Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var value))
        {
            child = new Node(Source, value, JsonPointer.Append(Pointer, name));
            return true;
        }
        child = default;
        return false;
    }

    public Node? Get(string name) => TryGet(name, out var child) ? child : null;

    public string? GetString(string name) =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public bool GetBool(string name) =>
        Element.ValueKind == JsonValueKind.Object && Element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    public IEnumerable<(string Name, Node Value)> Properties()
    {
        if (Element.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        foreach (var p in Element.EnumerateObject())
        {
            yield return (p.Name, new Node(Source, p.Value, JsonPointer.Append(Pointer, p.Name)));
        }
    }

    public IEnumerable<Node> Items()
    {
        if (Element.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }
        var i = 0;
        foreach (var item in Element.EnumerateArray())
        {
            yield return new Node(Source, item, JsonPointer.Append(Pointer, i++));
        }
    }
}

/// <summary>
/// The files of one side of a comparison: the root file plus every file its $refs reach, each parsed once,
/// with $ref resolution memoized per (file, reference text). Disposing it disposes every file it read.
/// </summary>
internal sealed class DocumentSet : IDisposable
{
    private readonly Dictionary<string, JsonSource> _sources = new(StringComparer.Ordinal);
    /// <summary>Resolved references by the file they are written in and their text; looked up by the text as written, without a string.</summary>
    private readonly Dictionary<JsonSource, Dictionary<string, Node>> _resolved = [];
    private readonly string _baseDirectory;
    private readonly string _realBaseDirectory;
    private readonly ContractLimits _limits;

    /// <summary>
    /// The files reachable from <paramref name="root"/>. A file <c>$ref</c> must stay inside the root file's folder
    /// (after following symbolic links), so a contract cannot read other files on the machine.
    /// </summary>
    public DocumentSet(JsonSource root, ContractLimits? limits = null)
    {
        Root = root;
        _sources[root.Path] = root;
        _baseDirectory = Path.GetDirectoryName(root.Path) ?? "";
        _realBaseDirectory = ContainedPath.Real(_baseDirectory);
        _limits = limits ?? ContractLimits.Default;
    }

    public JsonSource Root { get; }

    public void Dispose()
    {
        foreach (var source in _sources.Values)
        {
            source.Dispose();
        }
    }

    public Node RootNode => new(Root, Root.Root, "");

    public IEnumerable<JsonSource> Sources => _sources.Values;

    /// <summary>Follows $ref (and chains of them) until an element that is not a reference. Elements that are not references come back unchanged.</summary>
    public Node Resolve(Node node)
    {
        var hops = 0;
        while (node.Element.ValueKind == JsonValueKind.Object
               && node.Element.TryGetProperty("$ref", out var reference)
               && reference.ValueKind == JsonValueKind.String)
        {
            if (++hops > 64)
            {
                throw Error(node, $"$ref chain is circular or longer than 64 hops at '{reference.GetString()}'");
            }
            node = Cached(node.Source, reference) is { } cached ? cached : ResolveReference(node, reference.GetString()!);
        }
        return node;
    }

    /// <summary>What the reference <paramref name="reference"/>, written in <paramref name="source"/>, resolved to before.</summary>
    private Node? Cached(JsonSource source, JsonElement reference)
    {
        if (!_resolved.TryGetValue(source, out var known))
        {
            return null;
        }
        return known.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(JsonText.Value(reference, stackalloc char[256]), out var hit) ? hit : null;
    }

    /// <summary>Resolves one $ref written in <paramref name="at"/>.</summary>
    public Node ResolveReference(Node at, string reference)
    {
        if (!_resolved.TryGetValue(at.Source, out var known))
        {
            known = new Dictionary<string, Node>(StringComparer.Ordinal);
            _resolved[at.Source] = known;
        }
        if (known.TryGetValue(reference, out var cached))
        {
            return cached;
        }
        var hash = reference.IndexOf('#', StringComparison.Ordinal);
        var filePart = hash < 0 ? reference : reference[..hash];
        var fragment = hash < 0 ? "" : JsonPointer.DecodeFragment(reference[(hash + 1)..]);
        var source = at.Source;
        if (filePart.Length > 0 && IsOwnId(at.Source, filePart))
        {
            filePart = ""; // a reference by the document's own $id is a reference within the document
        }
        if (filePart.Length > 0)
        {
            if (filePart.Contains("://", StringComparison.Ordinal))
            {
                throw Error(at, $"remote $ref '{reference}' is not supported: download the file and refer to it by a relative path");
            }
            var directory = Path.GetDirectoryName(at.Source.Path) ?? _baseDirectory;
            var full = Path.GetFullPath(Path.Combine(directory, Uri.UnescapeDataString(filePart)));
            if (!_sources.TryGetValue(full, out var loaded))
            {
                if (!ContainedPath.IsInside(_realBaseDirectory, ContainedPath.Real(full)))
                {
                    throw Error(at, $"$ref '{reference}' leaves the contract's folder: a contract may refer only to files in its own folder and below it; copy the referenced file next to the contract");
                }
                if (!File.Exists(full))
                {
                    throw Error(at, $"unresolved $ref '{reference}': the file '{Path.GetRelativePath(_baseDirectory, full)}' does not exist");
                }
                loaded = JsonSource.Load(full, Path.GetRelativePath(_baseDirectory, full), _limits);
                _sources[full] = loaded;
            }
            source = loaded;
        }
        if (fragment.Length > 0 && fragment[0] != '/')
        {
            throw Error(at, $"unresolved $ref '{reference}': only JSON-pointer fragments ('#/...') are supported, not anchors");
        }
        if (!TryEvaluate(source, fragment, out var target))
        {
            throw Error(at, $"unresolved $ref '{reference}': nothing at '{JsonPointer.Display(fragment)}' in {source.DisplayPath}");
        }
        var node = new Node(source, target, fragment);
        known[reference] = node;
        return node;
    }

    /// <summary>
    /// The members of large objects by name, by file and the object's pointer (null: not a large object). References
    /// mostly name a member of one of a few objects with thousands of members (components/schemas): looking each up by
    /// walking the object's members would cost a pass over thousands of names per reference.
    /// </summary>
    private readonly Dictionary<JsonSource, Dictionary<string, Dictionary<string, JsonElement>?>> _members = [];

    private const int IndexedFrom = 32;

    /// <summary><see cref="JsonPointer.TryEvaluate"/>, with the last step taken through an index when it is into a large object.</summary>
    private bool TryEvaluate(JsonSource source, string fragment, out JsonElement target)
    {
        var slash = fragment.LastIndexOf('/');
        if (slash <= 0)
        {
            return JsonPointer.TryEvaluate(source.Root, fragment, out target);
        }
        if (!_members.TryGetValue(source, out var objects))
        {
            objects = new Dictionary<string, Dictionary<string, JsonElement>?>(StringComparer.Ordinal);
            _members[source] = objects;
        }
        var parentPointer = fragment[..slash];
        if (!objects.TryGetValue(parentPointer, out var members))
        {
            if (JsonPointer.TryEvaluate(source.Root, parentPointer, out var parent) && parent.ValueKind == JsonValueKind.Object && parent.GetPropertyCount() >= IndexedFrom)
            {
                members = new Dictionary<string, JsonElement>(parent.GetPropertyCount(), StringComparer.Ordinal);
                foreach (var member in parent.EnumerateObject())
                {
                    members[member.Name] = member.Value; // the last of repeated names, as a lookup by name finds
                }
            }
            objects[parentPointer] = members;
        }
        if (members is null)
        {
            return JsonPointer.TryEvaluate(source.Root, fragment, out target);
        }
        return members.TryGetValue(JsonPointer.Unescape(fragment[(slash + 1)..]), out target);
    }

    /// <summary>
    /// Resolves every $ref in the root file and the files it reaches, so that a broken reference is bad input even
    /// where the comparison would not have followed it.
    /// </summary>
    public void ValidateReferences()
    {
        var pending = new Queue<JsonSource>([Root]);
        var seen = new HashSet<string>(StringComparer.Ordinal) { Root.Path };
        while (pending.Count > 0)
        {
            var source = pending.Dequeue();
            var references = new HashSet<string>(StringComparer.Ordinal);
            CollectReferences(source.Root, references.GetAlternateLookup<ReadOnlySpan<char>>(), new char[256]);
            var at = new Node(source, source.Root, "");
            foreach (var reference in references)
            {
                Node target;
                try
                {
                    target = Resolve(ResolveReference(at, reference)); // follows chains, so a circular chain is found here
                }
                catch (ContractInputException e)
                {
                    var pointer = FindReference(source.Root, reference, "") ?? "";
                    var (line, column) = source.Locate(pointer);
                    throw new ContractInputException(e.Message, source.DisplayPath, line, column, e);
                }
                if (seen.Add(target.Source.Path))
                {
                    pending.Enqueue(target.Source);
                }
            }
        }
    }

    private static bool IsExampleKey(ReadOnlySpan<char> name) => name is "example" or "examples" || name.StartsWith("x-", StringComparison.Ordinal);

    /// <summary>
    /// Adds every distinct <c>$ref</c> under <paramref name="element"/>. A large description repeats a few thousand
    /// references tens of thousands of times, so names and references are read into <paramref name="buffer"/>
    /// (<see cref="JsonText"/>) and a reference becomes a string only the first time it is seen.
    /// </summary>
    private static void CollectReferences(JsonElement element, HashSet<string>.AlternateLookup<ReadOnlySpan<char>> references, Span<char> buffer)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.String)
                {
                    if (property.NameEquals("$ref"))
                    {
                        references.Add(JsonText.Value(property.Value, buffer));
                    }
                }
                else if (!IsExampleKey(JsonText.Name(property, buffer)))
                {
                    CollectReferences(property.Value, references, buffer);
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                CollectReferences(item, references, buffer);
            }
        }
    }

    private static string? FindReference(JsonElement element, string reference, string pointer)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.NameEquals("$ref") && property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() == reference)
                {
                    return JsonPointer.Append(pointer, "$ref");
                }
                if (!IsExampleKey(property.Name) && FindReference(property.Value, reference, JsonPointer.Append(pointer, property.Name)) is { } found)
                {
                    return found;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                if (FindReference(item, reference, JsonPointer.Append(pointer, i++)) is { } found)
                {
                    return found;
                }
            }
        }
        return null;
    }

    private static bool IsOwnId(JsonSource source, string uri) =>
        source.Root.ValueKind == JsonValueKind.Object
        && source.Root.TryGetProperty("$id", out var id)
        && id.ValueKind == JsonValueKind.String
        && string.Equals(id.GetString()!.TrimEnd('#'), uri, StringComparison.Ordinal);

    public static ContractInputException Error(Node at, string message)
    {
        var (line, column) = at.Source.Locate(at.Pointer);
        return new ContractInputException(message, at.Source.DisplayPath, line, column);
    }
}
