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
internal sealed partial class SchemaView
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

    /// <summary>
    /// <c>x-extensible-enum</c> (Zalando's guidelines, as oasdiff reads it): the values the API knows today, not a
    /// restriction. Readers on the client side must accept values they do not know; the server supports exactly these.
    /// </summary>
    public HashSet<string>? ExtensibleEnum { get; set; }
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

    /// <summary>
    /// The default read as the schema's type. OpenAPI requires a default to conform to the schema's type, so a scalar
    /// written as another JSON type (<c>default: true</c> unquoted in YAML on a string schema, <c>"5"</c> on an
    /// integer) is the same value spelled loosely: <c>true</c> on a string schema is <c>"true"</c>.
    /// </summary>
    public string? DefaultAsTyped
    {
        get
        {
            if (Default is not { Length: > 0 } value || Types is not { } types)
            {
                return Default;
            }
            var quoted = value[0] == '"';
            var inner = quoted ? value[1..^1] : value;
            var isBoolean = inner is "true" or "false";
            var isNumber = decimal.TryParse(inner, NumberStyles.Float, CultureInfo.InvariantCulture, out var number);
            return types switch
            {
                SchemaTypes.String when !quoted && (isBoolean || isNumber) => "\"" + inner + "\"",
                SchemaTypes.Boolean when quoted && isBoolean => inner,
                SchemaTypes.Integer or SchemaTypes.Number or (SchemaTypes.Integer | SchemaTypes.Number) when quoted && isNumber => number.ToString(CultureInfo.InvariantCulture),
                _ => value,
            };
        }
    }

    /// <summary>The schema <c>true</c>, which admits every value: what an absent subschema keyword stands for.</summary>
    private static readonly JsonElement AnyValue = ParseAnyValue();

    private static JsonElement ParseAnyValue()
    {
        using var document = JsonDocument.Parse("true");
        return document.RootElement.Clone();
    }

    /// <summary>
    /// The schema that admits every value, standing for <paramref name="keyword"/> absent from <paramref name="owner"/>
    /// (no <c>items</c> admits any item). It lives at the pointer the keyword would have, which no schema of the owner's
    /// document occupies, so it is compared and cached like any other schema and findings on it point at that place.
    /// </summary>
    public static Node Unconstrained(Node owner, string keyword) => new(owner.Source, AnyValue, JsonPointer.Append(owner.Pointer, keyword));

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
}
