using System.Text.Json;
using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

internal sealed partial class SchemaView
{
    /// <summary>Reads a schema's own keywords into its view, unifying OpenAPI 3.0 and JSON Schema spellings.</summary>
    internal sealed partial class Builder
    {
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
            if (e.TryGetProperty("x-extensible-enum", out var extensible) && extensible.ValueKind == JsonValueKind.Array)
            {
                view.ExtensibleEnum = new HashSet<string>(StringComparer.Ordinal);
                foreach (var v in extensible.EnumerateArray())
                {
                    if (v.ValueKind != JsonValueKind.Null)
                    {
                        view.ExtensibleEnum.Add(CanonicalValue(v));
                    }
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
                if (properties.IsObject)
                {
                    view.Properties.EnsureCapacity(properties.Element.GetPropertyCount());
                }
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
    }
}
