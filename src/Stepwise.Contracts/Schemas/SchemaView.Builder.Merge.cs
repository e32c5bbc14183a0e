namespace Stepwise.Contracts.Schemas;

internal sealed partial class SchemaView
{
    /// <summary>Combines the keywords of schemas that constrain the same value (allOf members): the tighter bound, the narrower type.</summary>
    internal sealed partial class Builder
    {
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
            into.ExtensibleEnum ??= from.ExtensibleEnum;
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
