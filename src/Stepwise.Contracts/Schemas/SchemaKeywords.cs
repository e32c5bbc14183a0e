using System.Runtime.CompilerServices;
using System.Text.Json;
using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

/// <summary>The keywords a schema view is read from, each found by <see cref="SchemaKeywords"/>.</summary>
internal enum Keyword
{
    Type, Nullable, Enum, ExtensibleEnum, Const, Minimum, ExclusiveMinimum, Maximum, ExclusiveMaximum,
    MinLength, MaxLength, MinItems, MaxItems, MinProperties, MaxProperties, MultipleOf, Pattern, Format,
    UniqueItems, ReadOnly, WriteOnly, Deprecated, Title, Discriminator, Default, Properties, Required,
    AdditionalProperties, UnevaluatedProperties, PrefixItems, Items, OneOf, AnyOf,

    /// <summary>The first of <see cref="SchemaView.UnmodeledKeywords"/>, in their order (<c>additionalItems</c> among them).</summary>
    FirstUnmodeled,
}

/// <summary>
/// A schema object's keywords, found in one pass over its members: reading a view asks for some fifty keywords, and
/// asking the object for each walks its members every time. As a lookup by name does, the last of repeated members
/// counts.
/// </summary>
internal ref struct SchemaKeywords
{
    private static readonly string[] Names = BuildNames();
    private static readonly Dictionary<string, int> Slots = Names.Select((name, slot) => (name, slot)).ToDictionary(p => p.name, p => p.slot, StringComparer.Ordinal);

    private Found _found;
    private ulong _present;

    [InlineArray(64)]
    private struct Found
    {
        private JsonElement _first;
    }

    private static string[] BuildNames()
    {
        string[] own =
        [
            "type", "nullable", "enum", "x-extensible-enum", "const", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum",
            "minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties", "multipleOf", "pattern", "format",
            "uniqueItems", "readOnly", "writeOnly", "deprecated", "title", "discriminator", "default", "properties", "required",
            "additionalProperties", "unevaluatedProperties", "prefixItems", "items", "oneOf", "anyOf",
        ];
        return [.. own, .. SchemaView.UnmodeledKeywords];
    }

    /// <summary>The keywords of <paramref name="schema"/> (none when it is not an object).</summary>
    public static SchemaKeywords Of(JsonElement schema)
    {
        var keywords = new SchemaKeywords();
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return keywords;
        }
        var lookup = Slots.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> buffer = stackalloc char[64];
        foreach (var member in schema.EnumerateObject())
        {
            if (!lookup.TryGetValue(JsonText.Name(member, buffer), out var slot))
            {
                continue; // not a keyword read here
            }
            keywords._found[slot] = member.Value;
            keywords._present |= 1UL << slot;
        }
        return keywords;
    }

    public readonly bool TryGet(Keyword keyword, out JsonElement value) => TryGet((int)keyword, out value);

    /// <summary><c>additionalItems</c> as a node of <paramref name="owner"/>: one of the unmodelled keywords, read as a schema beside tuple <c>items</c>.</summary>
    public readonly Node? AdditionalItems(Node owner)
    {
        var slot = (int)Keyword.FirstUnmodeled + Array.IndexOf(SchemaView.UnmodeledKeywords, "additionalItems");
        return TryGet(slot, out var value) ? new Node(owner.Source, value, JsonPointer.Append(owner.Pointer, "additionalItems")) : null;
    }

    /// <summary>The <paramref name="index"/>th of <see cref="SchemaView.UnmodeledKeywords"/>.</summary>
    public readonly bool TryGetUnmodeled(int index, out JsonElement value) => TryGet((int)Keyword.FirstUnmodeled + index, out value);

    /// <summary>The keyword as a node of <paramref name="owner"/>, as <see cref="Node.TryGet"/> makes it.</summary>
    public readonly bool TryGet(Keyword keyword, Node owner, out Node child)
    {
        if (TryGet(keyword, out var value))
        {
            child = new Node(owner.Source, value, JsonPointer.Append(owner.Pointer, Names[(int)keyword]));
            return true;
        }
        child = default;
        return false;
    }

    public readonly Node? Get(Keyword keyword, Node owner) => TryGet(keyword, owner, out var child) ? child : null;

    public readonly string? GetString(Keyword keyword) => TryGet(keyword, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public readonly bool GetBool(Keyword keyword) => TryGet(keyword, out var v) && v.ValueKind == JsonValueKind.True;

    public readonly decimal? Number(Keyword keyword) =>
        TryGet(keyword, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d) ? d : null;

    private readonly bool TryGet(int slot, out JsonElement value)
    {
        if ((_present & (1UL << slot)) != 0)
        {
            value = _found[slot];
            return true;
        }
        value = default;
        return false;
    }
}
