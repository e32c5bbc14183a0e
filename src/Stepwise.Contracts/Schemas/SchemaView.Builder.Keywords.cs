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
            var e = SchemaKeywords.Of(node.Element);
            var explicitNull = false;
            if (e.TryGet(Keyword.Type, out var type))
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
            if (e.TryGet(Keyword.Nullable, out var nullable) && nullable.ValueKind == JsonValueKind.True)
            {
                explicitNull = true;
            }
            if (e.TryGet(Keyword.Enum, out var en) && en.ValueKind == JsonValueKind.Array)
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
            if (e.TryGet(Keyword.ExtensibleEnum, out var extensible) && extensible.ValueKind == JsonValueKind.Array)
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
            if (e.TryGet(Keyword.Const, out var constant))
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

            view.Minimum = ReadBound(e, Keyword.Minimum, Keyword.ExclusiveMinimum, lower: true);
            view.Maximum = ReadBound(e, Keyword.Maximum, Keyword.ExclusiveMaximum, lower: false);
            view.MinLength = e.Number(Keyword.MinLength);
            view.MaxLength = e.Number(Keyword.MaxLength);
            view.MinItems = e.Number(Keyword.MinItems);
            view.MaxItems = e.Number(Keyword.MaxItems);
            view.MinProperties = e.Number(Keyword.MinProperties);
            view.MaxProperties = e.Number(Keyword.MaxProperties);
            view.MultipleOf = e.Number(Keyword.MultipleOf);
            view.Pattern = e.GetString(Keyword.Pattern);
            view.Format = e.GetString(Keyword.Format);
            view.UniqueItems = e.GetBool(Keyword.UniqueItems);
            view.ReadOnly = e.GetBool(Keyword.ReadOnly);
            view.WriteOnly = e.GetBool(Keyword.WriteOnly);
            view.Deprecated = e.GetBool(Keyword.Deprecated);
            view.Title = e.GetString(Keyword.Title);
            if (e.TryGet(Keyword.Discriminator, node, out var discriminator))
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
            for (var i = 0; i < UnmodeledKeywords.Length; i++)
            {
                if (e.TryGetUnmodeled(i, out var value))
                {
                    view.Unmodeled ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
                    view.Unmodeled[UnmodeledKeywords[i]] = Canonical(value);
                }
            }
            // unevaluatedProperties with a schema (false is the closed model, read below) is not modelled either.
            if (e.TryGet(Keyword.UnevaluatedProperties, out var unevaluated) && unevaluated.ValueKind == JsonValueKind.Object && e.TryGet(Keyword.AdditionalProperties, out _))
            {
                view.Unmodeled ??= new SortedDictionary<string, string>(StringComparer.Ordinal);
                view.Unmodeled["unevaluatedProperties"] = Canonical(unevaluated);
            }
            if (e.TryGet(Keyword.Default, out var defaultValue))
            {
                view.Default = CanonicalValue(defaultValue);
            }

            if (e.TryGet(Keyword.Properties, node, out var properties))
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
            if (e.TryGet(Keyword.Required, node, out var required))
            {
                foreach (var r in required.Items())
                {
                    if (r.Element.ValueKind == JsonValueKind.String)
                    {
                        view.Required.Add(r.Element.GetString()!);
                    }
                }
            }
            var additional = e.Get(Keyword.AdditionalProperties, node) ?? e.Get(Keyword.UnevaluatedProperties, node);
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
            if (e.TryGet(Keyword.PrefixItems, node, out var prefix) && prefix.Element.ValueKind == JsonValueKind.Array)
            {
                view.PrefixItems = prefix.Items().ToList();
            }
            if (e.TryGet(Keyword.Items, node, out var items))
            {
                if (items.Element.ValueKind == JsonValueKind.Array)
                {
                    view.PrefixItems ??= items.Items().ToList(); // draft-07 tuple form
                    view.Items = e.AdditionalItems(node);
                }
                else
                {
                    view.Items = items;
                }
            }
            if (e.TryGet(Keyword.OneOf, node, out var oneOf) && oneOf.Element.ValueKind == JsonValueKind.Array)
            {
                view.OneOf = oneOf.Items().ToList();
            }
            if (e.TryGet(Keyword.AnyOf, node, out var anyOf) && anyOf.Element.ValueKind == JsonValueKind.Array)
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

        private Bound? ReadBound(in SchemaKeywords e, Keyword inclusive, Keyword exclusive, bool lower)
        {
            Bound? bound = null;
            if (e.Number(inclusive) is { } value)
            {
                var exclusiveFlag = e.TryGet(exclusive, out var ex) && ex.ValueKind == JsonValueKind.True;
                bound = new Bound(value, exclusiveFlag);
            }
            if (!openApi30 && e.Number(exclusive) is { } exclusiveValue)
            {
                var candidate = new Bound(exclusiveValue, true);
                bound = bound is null ? candidate : Tighter(bound.Value, candidate, lower);
            }
            return bound;
        }
    }
}
