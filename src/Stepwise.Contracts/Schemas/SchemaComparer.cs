using System.Globalization;
using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

/// <summary>Which pairing of schemas a finding is about: a reader on one version with data written on the other.</summary>
internal enum Pairing
{
    /// <summary>A reader on the new schema reads what a writer on the old schema wrote (narrowing breaks it).</summary>
    NewReadsOld = 0,

    /// <summary>A reader on the old schema reads what a writer on the new schema wrote (widening breaks it).</summary>
    OldReadsNew = 1,
}

/// <summary>Who reads the data a schema describes, which sets the rule prefix and how pairings map to directions.</summary>
internal sealed class SchemaChannel
{
    private SchemaChannel(string scope, Direction newReadsOld, string newReadsOldEffect, string oldReadsNewEffect, bool dropsReadOnly, bool dropsWriteOnly)
    {
        Scope = scope;
        NewReadsOldDirection = newReadsOld;
        NewReadsOldEffect = newReadsOldEffect;
        OldReadsNewEffect = oldReadsNewEffect;
        DropsReadOnly = dropsReadOnly;
        DropsWriteOnly = dropsWriteOnly;
    }

    /// <summary>Request data: written by callers, read by the server. New server with old callers is backward.</summary>
    public static readonly SchemaChannel Request = new("request", Direction.Backward,
        "the new server rejects or misreads what callers built against the old contract send",
        "old servers (rollback, mixed fleet) reject or misread what callers built against the new contract send",
        dropsReadOnly: true, dropsWriteOnly: false);

    /// <summary>Response data: written by the server, read by callers. Old callers reading the new server is backward.</summary>
    public static readonly SchemaChannel Response = new("response", Direction.Forward,
        "callers built against the new contract reject or misread what old servers (rollback, mixed fleet) return",
        "callers built against the old contract reject or misread what the new server returns",
        dropsReadOnly: false, dropsWriteOnly: true);

    /// <summary>A JSON Schema data contract; role reader: the compared schemas are what the deployed release reads.</summary>
    public static readonly SchemaChannel ReaderSchema = new("schema", Direction.Backward,
        "readers on the new schema reject or misread data written under the old schema",
        "readers on the old schema (rollback, mixed fleet) reject or misread data written under the new schema",
        dropsReadOnly: false, dropsWriteOnly: false);

    /// <summary>A JSON Schema data contract; role writer: the compared schemas are what the deployed release writes.</summary>
    public static readonly SchemaChannel WriterSchema = new("schema", Direction.Forward,
        "readers on the new schema reject or misread data that writers on the old schema (rollback, mixed fleet) wrote",
        "readers on the old schema reject or misread data the new writers write",
        dropsReadOnly: false, dropsWriteOnly: false);

    public string Scope { get; }
    public Direction NewReadsOldDirection { get; }
    public string NewReadsOldEffect { get; }
    public string OldReadsNewEffect { get; }

    /// <summary>readOnly properties are never sent in requests: they do not count there.</summary>
    public bool DropsReadOnly { get; }

    /// <summary>writeOnly properties are never returned in responses.</summary>
    public bool DropsWriteOnly { get; }

    public Direction DirectionOf(Pairing pairing) =>
        pairing == Pairing.NewReadsOld ? NewReadsOldDirection : NewReadsOldDirection == Direction.Backward ? Direction.Forward : Direction.Backward;

    public string EffectOf(Pairing pairing) => pairing == Pairing.NewReadsOld ? NewReadsOldEffect : OldReadsNewEffect;
}

/// <summary>
/// Compares two schemas structurally after resolving references. Every (old schema, new schema, channel) pair is
/// compared once: this bounds the work on large descriptions where components are shared by hundreds of
/// operations, and it ends recursion through cyclic references.
/// </summary>
internal sealed class SchemaComparer(SchemaView.Builder oldViews, SchemaView.Builder newViews, FindingCollector findings)
{
    private readonly HashSet<((JsonSource, string) Old, (JsonSource, string) New, SchemaChannel Channel)> _compared = [];

    /// <summary>Compares <paramref name="old"/> with <paramref name="new"/>; <paramref name="where"/> names what the schema describes ("POST /pets request body").</summary>
    public void Compare(Node old, Node @new, SchemaChannel channel, string where) => Compare(old, @new, channel, where, "");

    private void Compare(Node oldRaw, Node newRaw, SchemaChannel channel, string where, string path)
    {
        var o = oldViews.Get(oldRaw);
        var n = newViews.Get(newRaw);
        if (!_compared.Add((o.Key, n.Key, channel)))
        {
            return;
        }
        var at = n.Origin;
        var ctx = new Ctx(this, channel, where, path, at, oldRaw, newRaw);

        if (o.RejectsEverything || n.RejectsEverything)
        {
            if (o.RejectsEverything && !n.RejectsEverything)
            {
                ctx.Emit("type-widened", Pairing.OldReadsNew, "the schema was false (nothing allowed) and now allows values");
            }
            else if (!o.RejectsEverything)
            {
                ctx.Emit("type-narrowed", Pairing.NewReadsOld, "the schema is now false: nothing is allowed");
            }
            return;
        }

        if (!CompareTypes(o, n, ctx))
        {
            return; // unrelated types: the keywords below no longer describe the same thing
        }
        CompareEnums(o, n, ctx);
        CompareRanges(o, n, ctx);
        CompareStrings(o, n, ctx);
        CompareProperties(o, n, ctx);
        CompareArrays(o, n, ctx);
        if (o.Default is not null && o.Default != n.Default)
        {
            var text = $"the default changed from {o.Default ?? "none"} to {n.Default ?? "none"}";
            var severity = n.Default is null ? Severity.Warning : (Severity?)null;
            ctx.Emit("default-changed", Pairing.NewReadsOld, text, severity);
            ctx.Emit("default-changed", Pairing.OldReadsNew, text, severity);
        }
        CompareUnmodeled(o, n, ctx);
        if (o.Discriminator is not null && o.Discriminator == n.Discriminator && o.DiscriminatorMapping is { } oldMapping)
        {
            // A tag that selected one schema now selects another, or is no longer mapped: readers pick differently.
            var changed = oldMapping
                .Where(m => n.DiscriminatorMapping is null || !n.DiscriminatorMapping.TryGetValue(m.Key, out var target) || target != m.Value)
                .Select(m => $"'{m.Key}' ({m.Value} -> {(n.DiscriminatorMapping is { } nm && nm.TryGetValue(m.Key, out var t) ? t : "unmapped")})")
                .ToList();
            if (changed.Count > 0)
            {
                var text = $"the discriminator mapping changed for {string.Join(", ", changed)}";
                ctx.Emit("discriminator-changed", Pairing.NewReadsOld, text);
                ctx.Emit("discriminator-changed", Pairing.OldReadsNew, text);
            }
        }
        if (o.Discriminator != n.Discriminator && (o.OneOf ?? o.AnyOf ?? n.OneOf ?? n.AnyOf) is not null)
        {
            var text = $"the discriminator property changed from {Quote(o.Discriminator)} to {Quote(n.Discriminator)}";
            ctx.Emit("discriminator-changed", Pairing.NewReadsOld, text);
            ctx.Emit("discriminator-changed", Pairing.OldReadsNew, text);
        }
        CompareVariants(o.OneOf, n.OneOf, "oneOf", ctx);
        CompareVariants(o.AnyOf, n.AnyOf, "anyOf", ctx);
    }

    private static void CompareUnmodeled(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (o.Unmodeled is null && n.Unmodeled is null)
        {
            return;
        }
        var changed = SchemaView.UnmodeledKeywords.Append("unevaluatedProperties")
            .Where(k => (o.Unmodeled?.GetValueOrDefault(k)) != (n.Unmodeled?.GetValueOrDefault(k)))
            .Select(k => o.Unmodeled?.ContainsKey(k) != true ? k + " added" : n.Unmodeled?.ContainsKey(k) != true ? k + " removed" : k + " changed")
            .ToList();
        if (changed.Count == 0)
        {
            return;
        }
        var text = $"{string.Join(", ", changed)}; which values this admits is not compared exactly, so check it by hand";
        ctx.Emit("keyword-changed", Pairing.NewReadsOld, text);
        ctx.Emit("keyword-changed", Pairing.OldReadsNew, text);
    }

    private static string TypeName(SchemaTypes? types)
    {
        if (types is null)
        {
            return "any";
        }
        if (types == SchemaTypes.None)
        {
            return "null";
        }
        var names = new List<string>();
        foreach (var t in Enum.GetValues<SchemaTypes>())
        {
            if (t != SchemaTypes.None && types.Value.HasFlag(t))
            {
                names.Add(t.ToString().ToLowerInvariant());
            }
        }
        return string.Join(" | ", names);
    }

    private static bool Covers(SchemaTypes outer, SchemaTypes inner)
    {
        var uncovered = inner & ~outer;
        if (outer.HasFlag(SchemaTypes.Number))
        {
            uncovered &= ~SchemaTypes.Integer;
        }
        return uncovered == SchemaTypes.None;
    }

    private static bool CompareTypes(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (o.Types is null && n.Types is null)
        {
            return true;
        }
        if ((o.Types is null && (o.OneOf ?? o.AnyOf) is not null) || (n.Types is null && (n.OneOf ?? n.AnyOf) is not null))
        {
            return true; // the types live in the alternatives, which are compared one by one
        }
        if (o.Types is null)
        {
            ctx.Emit("type-narrowed", Pairing.NewReadsOld, $"the type is now restricted to {TypeName(n.Types)} (any type was allowed)");
            return true;
        }
        if (n.Types is null)
        {
            ctx.Emit("type-widened", Pairing.OldReadsNew, $"the type is no longer restricted to {TypeName(o.Types)}");
            return true;
        }
        var oldCoversNew = Covers(o.Types.Value, n.Types.Value);
        var newCoversOld = Covers(n.Types.Value, o.Types.Value);
        if (!oldCoversNew && !newCoversOld)
        {
            ctx.Emit("type-changed", Pairing.NewReadsOld, $"the type changed from {TypeName(o.Types)} to {TypeName(n.Types)}");
            ctx.Emit("type-changed", Pairing.OldReadsNew, $"the type changed from {TypeName(o.Types)} to {TypeName(n.Types)}");
            return false;
        }
        if (!newCoversOld)
        {
            ctx.Emit("type-narrowed", Pairing.NewReadsOld, $"the type narrowed from {TypeName(o.Types)} to {TypeName(n.Types)}");
        }
        else if (!oldCoversNew)
        {
            ctx.Emit("type-widened", Pairing.OldReadsNew, $"the type widened from {TypeName(o.Types)} to {TypeName(n.Types)}");
        }
        if (o.Nullable && !n.Nullable)
        {
            ctx.Emit("nullable-removed", Pairing.NewReadsOld, "null is no longer allowed");
        }
        else if (!o.Nullable && n.Nullable)
        {
            ctx.Emit("nullable-added", Pairing.OldReadsNew, "null is now allowed");
        }
        return true;
    }

    private static void CompareEnums(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (o.Enum is null && n.Enum is null)
        {
            return;
        }
        if (o.Enum is null)
        {
            ctx.Emit("enum-constraint-added", Pairing.NewReadsOld, $"values are now restricted to [{string.Join(", ", n.Enum!)}]");
            return;
        }
        if (n.Enum is null)
        {
            ctx.Emit("enum-constraint-removed", Pairing.OldReadsNew, $"values are no longer restricted to [{string.Join(", ", o.Enum)}]");
            return;
        }
        var removed = o.Enum.Where(v => !n.Enum.Contains(v)).ToList();
        var added = n.Enum.Where(v => !o.Enum.Contains(v)).ToList();
        if (removed.Count > 0)
        {
            ctx.Emit("enum-value-removed", Pairing.NewReadsOld, $"enum value{Plural(removed)} {string.Join(", ", removed)} removed");
        }
        if (added.Count > 0)
        {
            ctx.Emit("enum-value-added", Pairing.OldReadsNew, $"enum value{Plural(added)} {string.Join(", ", added)} added");
        }
    }

    private static string Plural<T>(ICollection<T> items) => items.Count == 1 ? "" : "s";

    private static void CompareRanges(SchemaView o, SchemaView n, Ctx ctx)
    {
        var narrowed = new List<string>();
        var widened = new List<string>();
        CompareBound("minimum", o.Minimum, n.Minimum, lower: true, narrowed, widened);
        CompareBound("maximum", o.Maximum, n.Maximum, lower: false, narrowed, widened);
        Report(ctx, "numeric-range", narrowed, widened);

        CompareLimit("minLength", o.MinLength, n.MinLength, lower: true, narrowed = [], widened = []);
        CompareLimit("maxLength", o.MaxLength, n.MaxLength, lower: false, narrowed, widened);
        Report(ctx, "length-range", narrowed, widened);

        CompareLimit("minItems", o.MinItems, n.MinItems, lower: true, narrowed = [], widened = []);
        CompareLimit("maxItems", o.MaxItems, n.MaxItems, lower: false, narrowed, widened);
        Report(ctx, "item-count", narrowed, widened);

        CompareLimit("minProperties", o.MinProperties, n.MinProperties, lower: true, narrowed = [], widened = []);
        CompareLimit("maxProperties", o.MaxProperties, n.MaxProperties, lower: false, narrowed, widened);
        Report(ctx, "property-count", narrowed, widened);

        if (o.MultipleOf != n.MultipleOf)
        {
            var text = $"multipleOf changed from {Show(o.MultipleOf)} to {Show(n.MultipleOf)}";
            ctx.Emit("multiple-of-changed", Pairing.NewReadsOld, text);
            ctx.Emit("multiple-of-changed", Pairing.OldReadsNew, text);
        }
    }

    private static string Quote(string? name) => name is null ? "none" : $"'{name}'";

    private static string Show(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "none";

    private static string Show(Bound? bound) => bound is null ? "none" : (bound.Value.Exclusive ? "exclusive " : "") + bound.Value.Value.ToString(CultureInfo.InvariantCulture);

    private static void Report(Ctx ctx, string rule, List<string> narrowed, List<string> widened)
    {
        if (narrowed.Count > 0)
        {
            ctx.Emit(rule + "-narrowed", Pairing.NewReadsOld, string.Join("; ", narrowed));
        }
        if (widened.Count > 0)
        {
            ctx.Emit(rule + "-widened", Pairing.OldReadsNew, string.Join("; ", widened));
        }
    }

    private static void CompareBound(string name, Bound? o, Bound? n, bool lower, List<string> narrowed, List<string> widened)
    {
        if (o == n)
        {
            return;
        }
        var text = $"{name} changed from {Show(o)} to {Show(n)}";
        if (o is null)
        {
            narrowed.Add(text);
            return;
        }
        if (n is null)
        {
            widened.Add(text);
            return;
        }
        var tighter = SchemaView.Builder.Tighter(o.Value, n.Value, lower);
        (tighter == n.Value ? narrowed : widened).Add(text);
    }

    private static void CompareLimit(string name, decimal? o, decimal? n, bool lower, List<string> narrowed, List<string> widened)
    {
        if (o == n)
        {
            return;
        }
        var text = $"{name} changed from {Show(o)} to {Show(n)}";
        // An absent minimum is 0 and an absent maximum is unbounded.
        var oldValue = o ?? (lower ? 0 : decimal.MaxValue);
        var newValue = n ?? (lower ? 0 : decimal.MaxValue);
        if (oldValue == newValue)
        {
            return;
        }
        var isNarrower = lower ? newValue > oldValue : newValue < oldValue;
        (isNarrower ? narrowed : widened).Add(text);
    }

    private static void CompareStrings(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (o.Pattern != n.Pattern)
        {
            if (o.Pattern is null)
            {
                ctx.Emit("pattern-added", Pairing.NewReadsOld, $"pattern '{n.Pattern}' added");
            }
            else if (n.Pattern is null)
            {
                ctx.Emit("pattern-removed", Pairing.OldReadsNew, $"pattern '{o.Pattern}' removed");
            }
            else
            {
                var text = $"pattern changed from '{o.Pattern}' to '{n.Pattern}'";
                ctx.Emit("pattern-changed", Pairing.NewReadsOld, text);
                ctx.Emit("pattern-changed", Pairing.OldReadsNew, text);
            }
        }
        if (o.Format != n.Format)
        {
            if (o.Format is null)
            {
                ctx.Emit("format-added", Pairing.NewReadsOld, $"format '{n.Format}' added");
            }
            else if (n.Format is null)
            {
                ctx.Emit("format-removed", Pairing.OldReadsNew, $"format '{o.Format}' removed");
            }
            else
            {
                var text = $"format changed from '{o.Format}' to '{n.Format}'";
                switch (Formats.Compare(o.Format, n.Format))
                {
                    case Formats.Relation.Wider:
                        ctx.Emit("format-changed", Pairing.OldReadsNew, text + " (wider values)");
                        break;
                    case Formats.Relation.Narrower:
                        ctx.Emit("format-changed", Pairing.NewReadsOld, text + " (narrower values)");
                        break;
                    case Formats.Relation.Disjoint:
                        ctx.Emit("format-changed", Pairing.NewReadsOld, text);
                        ctx.Emit("format-changed", Pairing.OldReadsNew, text);
                        break;
                    default:
                        ctx.Emit("format-changed", Pairing.NewReadsOld, text + " (a format that is not a standard one may be only an annotation)", Severity.Warning);
                        ctx.Emit("format-changed", Pairing.OldReadsNew, text + " (a format that is not a standard one may be only an annotation)", Severity.Warning);
                        break;
                }
            }
        }
    }

    private bool Counts(SchemaChannel channel, SchemaView property) =>
        !((channel.DropsReadOnly && property.ReadOnly) || (channel.DropsWriteOnly && property.WriteOnly));

    private void CompareProperties(SchemaView o, SchemaView n, Ctx ctx)
    {
        foreach (var (name, oldProp) in o.Properties)
        {
            var oldView = oldViews.Get(oldProp);
            var childPath = ctx.Path + "." + name;
            var hidden = "";
            if (n.Properties.TryGetValue(name, out var newProp) && Counts(ctx.Channel, oldView) && !Counts(ctx.Channel, newViews.Get(newProp)))
            {
                // readOnly in a request or writeOnly in a response: the property is no longer in this message.
                hidden = ctx.Channel.DropsWriteOnly ? " (it is now writeOnly: no longer returned)" : " (it is now readOnly: no longer accepted)";
            }
            else if (n.Properties.TryGetValue(name, out newProp))
            {
                var newView = newViews.Get(newProp);
                var counts = Counts(ctx.Channel, oldView) && Counts(ctx.Channel, newView);
                if (counts && n.Required.Contains(name) && !o.Required.Contains(name))
                {
                    ctx.At(newProp, childPath).Emit("property-required-added", Pairing.NewReadsOld, $"property '{name}' is now required");
                }
                else if (counts && o.Required.Contains(name) && !n.Required.Contains(name))
                {
                    ctx.At(newProp, childPath).Emit("property-required-removed", Pairing.OldReadsNew, $"property '{name}' is no longer required");
                }
                if (counts)
                {
                    Compare(oldProp, newProp, ctx.Channel, ctx.Where, childPath); // a readOnly property is never in a request, a writeOnly one never in a response
                }
                continue;
            }
            if (!Counts(ctx.Channel, oldView))
            {
                continue;
            }
            var removed = ctx.At(oldProp, childPath);
            var wasRequired = o.Required.Contains(name);
            removed.Emit("property-removed", Pairing.OldReadsNew,
                (wasRequired ? $"required property '{name}' was removed" : $"property '{name}' was removed") + hidden,
                wasRequired ? Severity.Error : Severity.Warning);
            if (hidden.Length > 0)
            {
                continue;
            }
            if (n.Additional == AdditionalProperties.Closed)
            {
                removed.Emit("property-removed", Pairing.NewReadsOld, $"property '{name}' was removed and the new schema rejects unknown properties", Severity.Error);
            }
            else if (n.Additional == AdditionalProperties.Schema)
            {
                Compare(oldProp, n.AdditionalSchema!.Value, ctx.Channel, ctx.Where, childPath);
            }
        }
        foreach (var (name, newProp) in n.Properties)
        {
            var newView = newViews.Get(newProp);
            if (!Counts(ctx.Channel, newView) || (o.Properties.TryGetValue(name, out var oldProp) && Counts(ctx.Channel, oldViews.Get(oldProp))))
            {
                continue; // compared above, or not part of this message
            }
            var childPath = ctx.Path + "." + name;
            var added = ctx.At(newProp, childPath);
            // Reached for a property new to this message: absent before, or hidden (writeOnly in a response, readOnly in a request).
            if (n.Required.Contains(name) && (!o.Required.Contains(name) || o.Properties.ContainsKey(name)))
            {
                added.Emit("property-required-added", Pairing.NewReadsOld, o.Properties.ContainsKey(name) ? $"property '{name}' is now part of this message and required" : $"new property '{name}' is required");
            }
            if (o.Additional == AdditionalProperties.Closed)
            {
                added.Emit("property-added", Pairing.OldReadsNew, $"property '{name}' was added but the old schema rejects unknown properties");
            }
            else if (o.Additional == AdditionalProperties.Schema)
            {
                Compare(o.AdditionalSchema!.Value, newProp, ctx.Channel, ctx.Where, childPath);
            }
        }

        switch (o.Additional, n.Additional)
        {
            case (AdditionalProperties.Open, AdditionalProperties.Closed):
            case (AdditionalProperties.Schema, AdditionalProperties.Closed):
                ctx.Emit("additional-properties-closed", Pairing.NewReadsOld, "additionalProperties is now false: unknown properties are rejected");
                break;
            case (AdditionalProperties.Open, AdditionalProperties.Schema):
                ctx.Emit("additional-properties-closed", Pairing.NewReadsOld, "additionalProperties now constrains unknown properties with a schema");
                break;
            case (AdditionalProperties.Closed, AdditionalProperties.Open):
            case (AdditionalProperties.Closed, AdditionalProperties.Schema):
                ctx.Emit("additional-properties-opened", Pairing.OldReadsNew, "additionalProperties is no longer false: unknown properties are allowed");
                break;
            case (AdditionalProperties.Schema, AdditionalProperties.Open):
                ctx.Emit("additional-properties-opened", Pairing.OldReadsNew, "additionalProperties no longer constrains unknown properties");
                break;
            case (AdditionalProperties.Schema, AdditionalProperties.Schema):
                Compare(o.AdditionalSchema!.Value, n.AdditionalSchema!.Value, ctx.Channel, ctx.Where, ctx.Path + ".*");
                break;
        }
    }

    private void CompareArrays(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (o.UniqueItems != n.UniqueItems)
        {
            if (n.UniqueItems)
            {
                ctx.Emit("unique-items-added", Pairing.NewReadsOld, "uniqueItems is now true");
            }
            else
            {
                ctx.Emit("unique-items-removed", Pairing.OldReadsNew, "uniqueItems is no longer true");
            }
        }
        if (o.PrefixItems is not null || n.PrefixItems is not null)
        {
            var oldCount = o.PrefixItems?.Count ?? 0;
            var newCount = n.PrefixItems?.Count ?? 0;
            for (var i = 0; i < Math.Min(oldCount, newCount); i++)
            {
                Compare(o.PrefixItems![i], n.PrefixItems![i], ctx.Channel, ctx.Where, $"{ctx.Path}[{i}]");
            }
            if (oldCount != newCount)
            {
                var text = $"the tuple changed from {oldCount} to {newCount} positions";
                ctx.Emit("tuple-length-changed", Pairing.NewReadsOld, text);
                ctx.Emit("tuple-length-changed", Pairing.OldReadsNew, text);
            }
        }
        if (o.Items is { } oldItems && n.Items is { } newItems)
        {
            Compare(oldItems, newItems, ctx.Channel, ctx.Where, ctx.Path + "[]");
        }
    }

    private void CompareVariants(List<Node>? oldVariants, List<Node>? newVariants, string keyword, Ctx ctx)
    {
        if (oldVariants is null && newVariants is null)
        {
            return;
        }
        if (oldVariants is null || newVariants is null)
        {
            CompareOneSidedVariants(oldVariants, newVariants, keyword, ctx);
            return;
        }
        var oldTags = oldVariants.Select(v => SchemaView.VariantTag(v, oldViews.Get(v))).ToList();
        var newTags = newVariants.Select(v => SchemaView.VariantTag(v, newViews.Get(v))).ToList();
        var newMatched = new bool[newVariants.Count];
        var oldUnmatched = new List<int>();
        for (var i = 0; i < oldVariants.Count; i++)
        {
            var j = -1;
            for (var k = 0; k < newVariants.Count; k++)
            {
                if (!newMatched[k] && newTags[k] == oldTags[i])
                {
                    j = k;
                    break;
                }
            }
            if (j < 0)
            {
                oldUnmatched.Add(i);
                continue;
            }
            newMatched[j] = true;
            Compare(oldVariants[i], newVariants[j], ctx.Channel, ctx.Where, $"{ctx.Path}<{keyword} {j}>");
        }
        // Alternatives written differently but equal (no findings between them) are the same alternative.
        foreach (var i in oldUnmatched.ToList())
        {
            for (var k = 0; k < newVariants.Count; k++)
            {
                if (!newMatched[k] && TrialFindings(oldVariants[i], newVariants[k], ctx.Channel) == 0)
                {
                    newMatched[k] = true;
                    oldUnmatched.Remove(i);
                    break;
                }
            }
        }
        var newUnmatched = Enumerable.Range(0, newVariants.Count).Where(k => !newMatched[k]).ToList();
        if (oldUnmatched.Count == 1 && newUnmatched.Count == 1)
        {
            // One alternative changed in place: compare it instead of calling it removed and added.
            Compare(oldVariants[oldUnmatched[0]], newVariants[newUnmatched[0]], ctx.Channel, ctx.Where, $"{ctx.Path}<{keyword} {newUnmatched[0]}>");
            return;
        }
        foreach (var i in oldUnmatched)
        {
            ctx.At(oldVariants[i], ctx.Path).Emit("variant-removed", Pairing.NewReadsOld, $"{keyword} alternative {Describe(oldTags[i], oldViews.Get(oldVariants[i]))} was removed");
        }
        foreach (var k in newUnmatched)
        {
            ctx.At(newVariants[k], ctx.Path).Emit("variant-added", Pairing.OldReadsNew, $"{keyword} alternative {Describe(newTags[k], newViews.Get(newVariants[k]))} was added");
        }
    }

    /// <summary>
    /// One side is a single schema, the other lists alternatives. Alternatives that only refine the schema around them
    /// (no type of their own, e.g. "oneOf: [{required: [id]}, {required: [owner, repo]}]") are judged by the keywords
    /// beside them. Otherwise the single schema is paired with its closest alternative and the rest were added or removed.
    /// </summary>
    private void CompareOneSidedVariants(List<Node>? oldVariants, List<Node>? newVariants, string keyword, Ctx ctx)
    {
        var listIsNew = newVariants is not null;
        var list = (listIsNew ? newVariants : oldVariants)!;
        var views = listIsNew ? newViews : oldViews;
        var owner = views.Get(listIsNew ? ctx.NewRaw : ctx.OldRaw);
        if (owner.Types is not null && list.All(v => views.Get(v).Types is null))
        {
            return;
        }
        var single = listIsNew ? ctx.OldRaw : ctx.NewRaw;
        var best = -1;
        var bestCount = int.MaxValue;
        for (var k = 0; k < list.Count; k++)
        {
            var count = listIsNew ? TrialFindings(single, list[k], ctx.Channel) : TrialFindings(list[k], single, ctx.Channel);
            if (count < bestCount)
            {
                best = k;
                bestCount = count;
            }
        }
        for (var k = 0; k < list.Count; k++)
        {
            if (k == best)
            {
                if (listIsNew)
                {
                    Compare(single, list[k], ctx.Channel, ctx.Where, $"{ctx.Path}<{keyword} {k}>");
                }
                else
                {
                    Compare(list[k], single, ctx.Channel, ctx.Where, ctx.Path);
                }
                continue;
            }
            var tag = Describe(SchemaView.VariantTag(list[k], views.Get(list[k])), views.Get(list[k]));
            if (listIsNew)
            {
                ctx.At(list[k], ctx.Path).Emit("variant-added", Pairing.OldReadsNew, $"{keyword} alternative {tag} was added");
            }
            else
            {
                ctx.At(list[k], ctx.Path).Emit("variant-removed", Pairing.NewReadsOld, $"{keyword} alternative {tag} was removed");
            }
        }
    }

    /// <summary>How many findings comparing two schemas would produce, without reporting them.</summary>
    private int TrialFindings(Node old, Node @new, SchemaChannel channel)
    {
        var scratch = new FindingCollector();
        new SchemaComparer(oldViews, newViews, scratch).Compare(old, @new, channel, "");
        return scratch.Count;
    }

    /// <summary>Names an alternative for people: its component or title, else its shape ("object with labels", "string [a, b]").</summary>
    private static string Describe(string tag, SchemaView view)
    {
        if (tag.StartsWith("ref:", StringComparison.Ordinal))
        {
            return $"'{tag[4..]}'";
        }
        if (tag.StartsWith("title:", StringComparison.Ordinal))
        {
            return $"'{tag[6..]}'";
        }
        var shape = TypeName(view.Types);
        if (view.Properties.Count > 0)
        {
            shape += " with " + string.Join(", ", view.Properties.Keys.Take(5)) + (view.Properties.Count > 5 ? ", ..." : "");
        }
        if (view.Enum is { Count: > 0 } values)
        {
            shape += $" [{string.Join(", ", values.Take(5))}{(values.Count > 5 ? ", ..." : "")}]";
        }
        if (view.Required.Count > 0)
        {
            shape += " requiring " + string.Join(", ", view.Required.Order(StringComparer.Ordinal).Take(5));
        }
        return $"({shape})";
    }

    /// <summary>Findings are made in one place so that every message reads the same: where, what, whom it breaks.</summary>
    private readonly record struct Ctx(SchemaComparer Owner, SchemaChannel Channel, string Where, string Path, Node Location, Node OldRaw, Node NewRaw)
    {
        public Ctx At(Node location, string path) => this with { Location = location, Path = path };

        public void Emit(string suffix, Pairing pairing, string what, Severity? severity = null)
        {
            var rule = $"{Channel.Scope}-{suffix}";
            var field = Path.Length == 0 ? "" : $" at {Path.TrimStart('.')}";
            Owner.Findings.Add(rule, Channel.DirectionOf(pairing), Location, $"{Where}{field}: {what}; {Channel.EffectOf(pairing)}.", severity);
        }
    }

    private FindingCollector Findings => findings;
}
