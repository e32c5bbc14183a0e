using System.Globalization;
using System.Text.Json;
using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

/// <summary>JSON Schema primitive types, null kept apart (it is compared as nullability).</summary>
[Flags]
internal enum SchemaTypes
{
    None = 0,
    Boolean = 1,
    Object = 2,
    Array = 4,
    Number = 8,
    Integer = 16,
    String = 32,
}

internal enum AdditionalProperties
{
    Open = 0,
    Closed = 1,
    Schema = 2,
}

/// <summary>An inclusive or exclusive numeric bound.</summary>
internal readonly record struct Bound(decimal Value, bool Exclusive);

/// <summary>
/// A schema normalized for comparison: $ref followed, allOf (and single-alternative oneOf/anyOf) merged into one
/// view, OpenAPI 3.0 and JSON Schema spellings unified (nullable vs type lists, boolean vs numeric exclusive bounds,
/// const vs one-value enum). Two schemas written differently but meaning the same produce equal views.
/// </summary>
internal sealed class SchemaView
{
    private static readonly HashSet<string> AnnotationKeywords = new(StringComparer.Ordinal)
    {
        "$ref", "description", "summary", "title", "example", "examples", "$comment", "externalDocs", "xml",
    };

    public required Node Origin { get; init; }
    public (JsonSource Source, string Pointer) Key => Origin.Key;

    /// <summary>The boolean schema false: nothing is valid.</summary>
    public bool RejectsEverything { get; set; }

    /// <summary>Allowed types without null; null means any type.</summary>
    public SchemaTypes? Types { get; set; }
    public bool Nullable { get; set; }
    public HashSet<string>? Enum { get; set; }
    public Bound? Minimum { get; set; }
    public Bound? Maximum { get; set; }
    public decimal? MinLength { get; set; }
    public decimal? MaxLength { get; set; }
    public decimal? MinItems { get; set; }
    public decimal? MaxItems { get; set; }
    public decimal? MinProperties { get; set; }
    public decimal? MaxProperties { get; set; }
    public string? Pattern { get; set; }
    public string? Format { get; set; }
    public decimal? MultipleOf { get; set; }
    public bool UniqueItems { get; set; }
    public Dictionary<string, Node> Properties { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Required { get; } = new(StringComparer.Ordinal);
    public AdditionalProperties Additional { get; set; }
    public Node? AdditionalSchema { get; set; }
    public Node? Items { get; set; }
    public List<Node>? PrefixItems { get; set; }
    public List<Node>? OneOf { get; set; }
    public List<Node>? AnyOf { get; set; }
    public bool ReadOnly { get; set; }
    public bool WriteOnly { get; set; }
    public bool Deprecated { get; set; }
    public string? Title { get; set; }
    public string? Discriminator { get; set; }

    /// <summary>The discriminator's mapping: tag value to the name of the schema it selects (the last segment of its reference).</summary>
    public Dictionary<string, string>? DiscriminatorMapping { get; set; }

    /// <summary>
    /// Keywords whose admitted values are not modelled exactly (not, if/then/else, contains, patternProperties,
    /// dependentSchemas, ...), each with its value written canonically: a change is reported as a warning.
    /// </summary>
    public SortedDictionary<string, string>? Unmodeled { get; set; }

    /// <summary>The keywords kept in <see cref="Unmodeled"/>.</summary>
    public static readonly string[] UnmodeledKeywords =
    [
        "not", "if", "then", "else", "contains", "minContains", "maxContains", "patternProperties", "propertyNames",
        "unevaluatedItems", "dependentRequired", "dependentSchemas", "dependencies", "additionalItems",
        "contentMediaType", "contentEncoding", "contentSchema",
    ];

    /// <summary>The default value in canonical form, when one is given.</summary>
    public string? Default { get; set; }

    /// <summary>A short tag used to pair oneOf/anyOf alternatives across versions: the $ref target, else title, else types.</summary>
    public static string VariantTag(Node raw, SchemaView view)
    {
        if (raw.Element.ValueKind == JsonValueKind.Object && raw.Element.TryGetProperty("$ref", out var r) && r.ValueKind == JsonValueKind.String)
        {
            var text = r.GetString()!;
            var hash = text.IndexOf('#', StringComparison.Ordinal);
            var name = hash >= 0 ? text[(hash + 1)..] : text;
            return "ref:" + name[(name.LastIndexOf('/') + 1)..];
        }
        if (view.Title is { } title)
        {
            return "title:" + title;
        }
        var sig = "type:" + (view.Types?.ToString() ?? "any");
        if (view.Enum is { Count: > 0 } e)
        {
            sig += ":enum:" + string.Join(",", e.Order(StringComparer.Ordinal));
        }
        if (view.Required.Count > 0)
        {
            sig += ":req:" + string.Join(",", view.Required.Order(StringComparer.Ordinal));
        }
        return sig;
    }

    /// <summary>A value written canonically: object keys sorted, numbers normalized, no whitespace.</summary>
    public static string Canonical(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var parts = value.EnumerateObject()
                    .Where(p => p.Name is not ("description" or "title" or "example" or "examples" or "$comment") && !p.Name.StartsWith("x-", StringComparison.Ordinal))
                    .OrderBy(p => p.Name, StringComparer.Ordinal)
                    .Select(p => "\"" + p.Name + "\":" + Canonical(p.Value));
                return "{" + string.Join(",", parts) + "}";
            case JsonValueKind.Array:
                return "[" + string.Join(",", value.EnumerateArray().Select(Canonical)) + "]";
            default:
                return CanonicalValue(value);
        }
    }

    public static string CanonicalValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "\"" + value.GetString() + "\"",
        JsonValueKind.Number => value.TryGetDecimal(out var d) ? d.ToString(CultureInfo.InvariantCulture) : value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };

    /// <summary>Builds views of one side's schemas, each once, following references and merging allOf.</summary>
    internal sealed class Builder(DocumentSet documents, bool openApi30)
    {
        private readonly Dictionary<(JsonSource, string), SchemaView> _views = [];
        private readonly HashSet<(JsonSource, string)> _building = [];

        public DocumentSet Documents => documents;

        public SchemaView Get(Node raw)
        {
            var node = HasSiblingsBesideRef(raw) ? raw : documents.Resolve(raw);
            if (_views.TryGetValue(node.Key, out var cached))
            {
                return cached;
            }
            _building.Add(node.Key);
            var view = Build(node);
            _building.Remove(node.Key);
            _views[node.Key] = view;
            return view;
        }

        private static bool HasSiblingsBesideRef(Node raw)
        {
            if (raw.Element.ValueKind != JsonValueKind.Object || !raw.Element.TryGetProperty("$ref", out _))
            {
                return false;
            }
            foreach (var p in raw.Element.EnumerateObject())
            {
                if (!AnnotationKeywords.Contains(p.Name) && !p.Name.StartsWith("x-", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            return false;
        }

        private SchemaView Build(Node node)
        {
            var view = new SchemaView { Origin = node };
            switch (node.Element.ValueKind)
            {
                case JsonValueKind.False:
                    view.RejectsEverything = true;
                    return view;
                case JsonValueKind.Object:
                    break;
                default:
                    // true, or a non-schema value where a schema was expected: accepts anything.
                    return view;
            }

            ReadOwn(node, view);

            // Merge allOf members (and a $ref with sibling keywords, and single-alternative oneOf/anyOf):
            // they constrain the same value, so their keywords apply together.
            var members = new List<Node>();
            if (node.TryGet("$ref", out var refNode) && refNode.Element.ValueKind == JsonValueKind.String)
            {
                members.Add(documents.ResolveReference(node, refNode.Element.GetString()!));
            }
            if (node.TryGet("allOf", out var allOf))
            {
                members.AddRange(allOf.Items());
            }
            // OpenAPI 3.1 / JSON Schema spell a nullable reference as oneOf/anyOf [X, {type: null}]; 3.0 as nullable: true.
            var nullVariant = false;
            view.OneOf = DropNullVariants(view.OneOf, ref nullVariant);
            view.AnyOf = DropNullVariants(view.AnyOf, ref nullVariant);
            if (view.OneOf is { Count: 1 } single && view.AnyOf is null)
            {
                members.Add(single[0]);
                view.OneOf = null;
            }
            if (view.AnyOf is { Count: 1 } singleAny && view.OneOf is null)
            {
                members.Add(singleAny[0]);
                view.AnyOf = null;
            }
            // oneOf/anyOf of plain enum values ("oneOf: [{enum: [a]}, {enum: [b]}]") is one enum [a, b].
            FoldEnumVariants(view, view.OneOf, isOneOf: true);
            FoldEnumVariants(view, view.AnyOf, isOneOf: false);
            var ownTypes = view.Types;
            var allMembersNullable = members.Count > 0;
            foreach (var member in members)
            {
                var resolved = HasSiblingsBesideRef(member) ? member : documents.Resolve(member);
                if (_building.Contains(resolved.Key))
                {
                    continue; // a schema that includes itself through allOf adds nothing new
                }
                var memberView = Get(member);
                allMembersNullable &= memberView.Nullable;
                Merge(view, memberView);
            }
            if (nullVariant || (ownTypes is null && allMembersNullable))
            {
                view.Nullable = true;
            }
            return view;
        }

        private void ReadOwn(Node node, SchemaView view)
        {
            var e = node.Element;
            var explicitNull = false;
            if (e.TryGetProperty("type", out var type))
            {
                if (type.ValueKind == JsonValueKind.String)
                {
                    view.Types = ParseType(type.GetString()!, ref explicitNull);
                }
                else if (type.ValueKind == JsonValueKind.Array)
                {
                    SchemaTypes types = SchemaTypes.None;
                    foreach (var t in type.EnumerateArray())
                    {
                        if (t.ValueKind == JsonValueKind.String)
                        {
                            types |= ParseType(t.GetString()!, ref explicitNull);
                        }
                    }
                    view.Types = types;
                }
            }
            if (e.TryGetProperty("nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True)
            {
                explicitNull = true;
            }
            if (e.TryGetProperty("enum", out var en) && en.ValueKind == JsonValueKind.Array)
            {
                view.Enum = new HashSet<string>(StringComparer.Ordinal);
                foreach (var v in en.EnumerateArray())
                {
                    if (v.ValueKind == JsonValueKind.Null)
                    {
                        continue; // null in an enum is nullability; OpenAPI 3.0 writes it beside nullable: true
                    }
                    view.Enum.Add(CanonicalValue(v));
                }
            }
            if (e.TryGetProperty("const", out var constant))
            {
                if (constant.ValueKind == JsonValueKind.Null)
                {
                    explicitNull = true;
                    view.Enum = [];
                }
                else
                {
                    view.Enum = [CanonicalValue(constant)];
                }
            }
            view.Nullable = explicitNull;

            view.Minimum = ReadBound(e, "minimum", "exclusiveMinimum", lower: true);
            view.Maximum = ReadBound(e, "maximum", "exclusiveMaximum", lower: false);
            view.MinLength = Number(e, "minLength");
            view.MaxLength = Number(e, "maxLength");
            view.MinItems = Number(e, "minItems");
            view.MaxItems = Number(e, "maxItems");
            view.MinProperties = Number(e, "minProperties");
            view.MaxProperties = Number(e, "maxProperties");
            view.MultipleOf = Number(e, "multipleOf");
            view.Pattern = node.GetString("pattern");
            view.Format = node.GetString("format");
            view.UniqueItems = node.GetBool("uniqueItems");
            view.ReadOnly = node.GetBool("readOnly");
            view.WriteOnly = node.GetBool("writeOnly");
            view.Deprecated = node.GetBool("deprecated");
            view.Title = node.GetString("title");
            if (node.TryGet("discriminator", out var discriminator))
            {
                view.Discriminator = discriminator.GetString("propertyName");
                if (discriminator.TryGet("mapping", out var mapping))
                {
                    view.DiscriminatorMapping = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var (tag, target) in mapping.Properties())
                    {
                        var text = target.Element.ValueKind == JsonValueKind.String ? target.Element.GetString()! : "";
                        view.DiscriminatorMapping[tag] = text[(text.LastIndexOf('/') + 1)..];
                    }
                }
            }
            foreach (var keyword in UnmodeledKeywords)
            {
                if (e.TryGetProperty(keyword, out var value))
                {
                    view.Unmodeled ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
                    view.Unmodeled[keyword] = Canonical(value);
                }
            }
            // unevaluatedProperties with a schema (false is the closed model, read below) is not modelled either.
            if (e.TryGetProperty("unevaluatedProperties", out var unevaluated) && unevaluated.ValueKind == JsonValueKind.Object && e.TryGetProperty("additionalProperties", out _))
            {
                view.Unmodeled ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
                view.Unmodeled["unevaluatedProperties"] = Canonical(unevaluated);
            }
            if (e.TryGetProperty("default", out var defaultValue))
            {
                view.Default = CanonicalValue(defaultValue);
            }

            if (node.TryGet("properties", out var properties))
            {
                foreach (var (name, value) in properties.Properties())
                {
                    view.Properties[name] = value;
                }
            }
            if (node.TryGet("required", out var required))
            {
                foreach (var r in required.Items())
                {
                    if (r.Element.ValueKind == JsonValueKind.String)
                    {
                        view.Required.Add(r.Element.GetString()!);
                    }
                }
            }
            var additional = node.Get("additionalProperties") ?? node.Get("unevaluatedProperties");
            if (additional is { } a)
            {
                switch (a.Element.ValueKind)
                {
                    case JsonValueKind.False:
                        view.Additional = AdditionalProperties.Closed;
                        break;
                    case JsonValueKind.Object when a.Element.EnumerateObject().Any():
                        view.Additional = AdditionalProperties.Schema;
                        view.AdditionalSchema = a;
                        break;
                }
            }
            if (node.TryGet("prefixItems", out var prefix) && prefix.Element.ValueKind == JsonValueKind.Array)
            {
                view.PrefixItems = prefix.Items().ToList();
            }
            if (node.TryGet("items", out var items))
            {
                if (items.Element.ValueKind == JsonValueKind.Array)
                {
                    view.PrefixItems ??= items.Items().ToList(); // draft-07 tuple form
                    view.Items = node.Get("additionalItems");
                }
                else
                {
                    view.Items = items;
                }
            }
            if (node.TryGet("oneOf", out var oneOf) && oneOf.Element.ValueKind == JsonValueKind.Array)
            {
                view.OneOf = oneOf.Items().ToList();
            }
            if (node.TryGet("anyOf", out var anyOf) && anyOf.Element.ValueKind == JsonValueKind.Array)
            {
                view.AnyOf = anyOf.Items().ToList();
            }
        }

        private void FoldEnumVariants(SchemaView view, List<Node>? variants, bool isOneOf)
        {
            if (variants is not { Count: > 1 })
            {
                return;
            }
            var values = new HashSet<string>(StringComparer.Ordinal);
            SchemaTypes? types = SchemaTypes.None;
            foreach (var v in variants)
            {
                var resolved = HasSiblingsBesideRef(v) ? v : documents.Resolve(v);
                if (_building.Contains(resolved.Key))
                {
                    return;
                }
                var variant = Get(v);
                if (variant.Enum is null || variant.Properties.Count > 0 || variant.Items is not null || variant.OneOf is not null || variant.AnyOf is not null
                    || variant.Pattern is not null || variant.Minimum is not null || variant.Maximum is not null || variant.MinLength is not null || variant.MaxLength is not null)
                {
                    return;
                }
                values.UnionWith(variant.Enum);
                types = types is null || variant.Types is null ? null : types | variant.Types;
                view.Nullable |= variant.Nullable;
            }
            view.Enum = view.Enum is null ? values : view.Enum.Intersect(values).ToHashSet(StringComparer.Ordinal);
            if (types is { } t)
            {
                view.Types = view.Types is { } own ? Intersect(own, t) : t;
            }
            if (isOneOf)
            {
                view.OneOf = null;
            }
            else
            {
                view.AnyOf = null;
            }
        }

        private List<Node>? DropNullVariants(List<Node>? variants, ref bool sawNull)
        {
            if (variants is null)
            {
                return null;
            }
            var kept = new List<Node>(variants.Count);
            foreach (var v in variants)
            {
                var resolved = HasSiblingsBesideRef(v) ? v : documents.Resolve(v);
                if (!_building.Contains(resolved.Key) && Get(v) is { Types: SchemaTypes.None, Nullable: true, Properties.Count: 0 })
                {
                    sawNull = true;
                }
                else
                {
                    kept.Add(v);
                }
            }
            return kept;
        }

        private static SchemaTypes ParseType(string name, ref bool isNull)
        {
            switch (name)
            {
                case "null":
                    isNull = true;
                    return SchemaTypes.None;
                case "boolean": return SchemaTypes.Boolean;
                case "object": return SchemaTypes.Object;
                case "array": return SchemaTypes.Array;
                case "number": return SchemaTypes.Number;
                case "integer": return SchemaTypes.Integer;
                case "string": return SchemaTypes.String;
                default: return SchemaTypes.None;
            }
        }

        private Bound? ReadBound(JsonElement e, string inclusive, string exclusive, bool lower)
        {
            Bound? bound = null;
            if (Number(e, inclusive) is { } value)
            {
                var exclusiveFlag = e.TryGetProperty(exclusive, out var ex) && ex.ValueKind == JsonValueKind.True;
                bound = new Bound(value, exclusiveFlag);
            }
            if (!openApi30 && Number(e, exclusive) is { } exclusiveValue)
            {
                var candidate = new Bound(exclusiveValue, true);
                bound = bound is null ? candidate : Tighter(bound.Value, candidate, lower);
            }
            return bound;
        }

        private static decimal? Number(JsonElement e, string name) =>
            e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d) ? d : null;

        internal static Bound Tighter(Bound a, Bound b, bool lower)
        {
            if (a.Value == b.Value)
            {
                return a.Exclusive ? a : b;
            }
            return lower ? (a.Value > b.Value ? a : b) : (a.Value < b.Value ? a : b);
        }

        private static void Merge(SchemaView into, SchemaView from)
        {
            if (from.Unmodeled is not null)
            {
                into.Unmodeled ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var (keyword, value) in from.Unmodeled)
                {
                    into.Unmodeled[keyword] = into.Unmodeled.TryGetValue(keyword, out var own) ? own + " & " + value : value;
                }
            }
            into.DiscriminatorMapping ??= from.DiscriminatorMapping;
            if (from.RejectsEverything)
            {
                into.RejectsEverything = true;
            }
            if (from.Types is { } ft)
            {
                into.Types = into.Types is { } it ? Intersect(it, ft) : ft;
            }
            into.Enum ??= from.Enum;
            into.Minimum = into.Minimum is null ? from.Minimum : from.Minimum is null ? into.Minimum : Tighter(into.Minimum.Value, from.Minimum.Value, true);
            into.Maximum = into.Maximum is null ? from.Maximum : from.Maximum is null ? into.Maximum : Tighter(into.Maximum.Value, from.Maximum.Value, false);
            into.MinLength = Max(into.MinLength, from.MinLength);
            into.MaxLength = Min(into.MaxLength, from.MaxLength);
            into.MinItems = Max(into.MinItems, from.MinItems);
            into.MaxItems = Min(into.MaxItems, from.MaxItems);
            into.MinProperties = Max(into.MinProperties, from.MinProperties);
            into.MaxProperties = Min(into.MaxProperties, from.MaxProperties);
            into.Pattern ??= from.Pattern;
            into.Format ??= from.Format;
            into.MultipleOf ??= from.MultipleOf;
            into.UniqueItems |= from.UniqueItems;
            into.ReadOnly |= from.ReadOnly;
            into.WriteOnly |= from.WriteOnly;
            into.Deprecated |= from.Deprecated;
            into.Title ??= from.Title;
            into.Discriminator ??= from.Discriminator;
            into.Default ??= from.Default;
            foreach (var (name, value) in from.Properties)
            {
                into.Properties.TryAdd(name, value);
            }
            into.Required.UnionWith(from.Required);
            if (from.Additional == AdditionalProperties.Closed || (from.Additional == AdditionalProperties.Schema && into.Additional == AdditionalProperties.Open))
            {
                into.Additional = from.Additional;
                into.AdditionalSchema = from.AdditionalSchema;
            }
            into.Items ??= from.Items;
            into.PrefixItems ??= from.PrefixItems;
            into.OneOf ??= from.OneOf;
            into.AnyOf ??= from.AnyOf;
        }

        private static SchemaTypes Intersect(SchemaTypes a, SchemaTypes b)
        {
            var result = a & b;
            // integer is a number: {number} ∩ {integer} = {integer}
            if ((a.HasFlag(SchemaTypes.Number) && b.HasFlag(SchemaTypes.Integer)) || (b.HasFlag(SchemaTypes.Number) && a.HasFlag(SchemaTypes.Integer)))
            {
                result |= SchemaTypes.Integer;
            }
            return result;
        }

        private static decimal? Max(decimal? a, decimal? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

        private static decimal? Min(decimal? a, decimal? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
    }
}
