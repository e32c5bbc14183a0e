using System.Globalization;
using Stepwise.Contracts.Schemas.Patterns;

namespace Stepwise.Contracts.Schemas;

/// <summary>Compares the value constraints: enum values, numeric bounds, length/item/property counts, multipleOf, pattern and format.</summary>
internal sealed partial class SchemaComparer
{
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
        var removed = Missing(o.Enum, n.Enum);
        var added = Missing(n.Enum, o.Enum);
        if (removed.Count > 0)
        {
            ctx.Emit("enum-value-removed", Pairing.NewReadsOld, $"enum value{Plural(removed)} {string.Join(", ", removed)} removed");
        }
        if (added.Count > 0)
        {
            ctx.Emit("enum-value-added", Pairing.OldReadsNew, $"enum value{Plural(added)} {string.Join(", ", added)} added");
        }
    }

    /// <summary>
    /// <c>x-extensible-enum</c>: an open list. A value the server reads (request data) and no longer lists is no longer
    /// supported: callers that send it break. Callers reading (response data) must accept values they do not know, so a
    /// value added or dropped there breaks no one; nor does a value the server newly supports (callers may send it only
    /// once every server runs the new release, which G5 enforces for declared calls).
    /// </summary>
    private static void CompareExtensibleEnums(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (o.ExtensibleEnum is null || n.ExtensibleEnum is null)
        {
            return; // adding or dropping the list itself restricts nothing: the schema's type still governs
        }
        var serverReads = ctx.Channel.Scope == "request";
        var removed = Missing(o.ExtensibleEnum, n.ExtensibleEnum);
        var added = Missing(n.ExtensibleEnum, o.ExtensibleEnum);
        if (removed.Count > 0)
        {
            ctx.Emit("extensible-enum-value-removed", Pairing.NewReadsOld,
                $"x-extensible-enum value{Plural(removed)} {string.Join(", ", removed)} removed" + (serverReads ? "" : " (readers accept unknown values)"),
                serverReads ? null : Severity.Info);
        }
        if (added.Count > 0)
        {
            ctx.Emit("extensible-enum-value-added", Pairing.OldReadsNew,
                $"x-extensible-enum value{Plural(added)} {string.Join(", ", added)} added" + (serverReads ? "" : " (readers accept unknown values)"));
        }
    }

    private static string Plural<T>(ICollection<T> items) => items.Count == 1 ? "" : "s";

    /// <summary>The values of <paramref name="values"/> that <paramref name="other"/> lacks, in their order.</summary>
    private static List<string> Missing(HashSet<string> values, HashSet<string> other)
    {
        var missing = new List<string>();
        foreach (var value in values)
        {
            if (!other.Contains(value))
            {
                missing.Add(value);
            }
        }
        return missing;
    }

    private static void CompareRanges(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (o.Minimum == n.Minimum && o.Maximum == n.Maximum && o.MinLength == n.MinLength && o.MaxLength == n.MaxLength
            && o.MinItems == n.MinItems && o.MaxItems == n.MaxItems && o.MinProperties == n.MinProperties && o.MaxProperties == n.MaxProperties
            && o.MultipleOf == n.MultipleOf)
        {
            return; // nearly every pair: nothing below would be reported
        }
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
            // Compared by divisibility: every multiple of 4 is a multiple of 2, so 4 to 2 admits more (old readers
            // break) and 2 to 4 less (new readers break); 2 to 3 breaks both. No multipleOf admits every number.
            var text = $"multipleOf changed from {Show(o.MultipleOf)} to {Show(n.MultipleOf)}";
            var newAdmitsOld = Divides(n.MultipleOf, o.MultipleOf);
            var oldAdmitsNew = Divides(o.MultipleOf, n.MultipleOf);
            if (!newAdmitsOld)
            {
                ctx.Emit("multiple-of-changed", Pairing.NewReadsOld, text + (oldAdmitsNew ? " (fewer values)" : ""));
            }
            if (!oldAdmitsNew)
            {
                ctx.Emit("multiple-of-changed", Pairing.OldReadsNew, text + (newAdmitsOld ? " (more values)" : ""));
            }
        }
    }

    /// <summary>Whether every multiple of <paramref name="multiple"/> (any number, when null) is a multiple of <paramref name="divisor"/> (no constraint, when null).</summary>
    private static bool Divides(decimal? divisor, decimal? multiple) =>
        divisor is not { } d || (d > 0 && multiple is { } m && m > 0 && m % d == 0);

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
            // A pairing breaks only when the reader's pattern rejects a string the writer may send (the writer's pattern
            // within its length limits; the limits themselves are compared above); when that is not decided, it breaks.
            var newReaderRejects = PatternInclusion.Accepts(n.Pattern, o.Pattern, o.MinLength, o.MaxLength) != true;
            var oldReaderRejects = PatternInclusion.Accepts(o.Pattern, n.Pattern, n.MinLength, n.MaxLength) != true;
            if (o.Pattern is null)
            {
                if (newReaderRejects)
                {
                    ctx.Emit("pattern-added", Pairing.NewReadsOld, $"pattern '{n.Pattern}' added");
                }
            }
            else if (n.Pattern is null)
            {
                if (oldReaderRejects)
                {
                    ctx.Emit("pattern-removed", Pairing.OldReadsNew, $"pattern '{o.Pattern}' removed");
                }
            }
            else
            {
                var text = $"pattern changed from '{o.Pattern}' to '{n.Pattern}'";
                if (newReaderRejects)
                {
                    ctx.Emit("pattern-changed", Pairing.NewReadsOld, text);
                }
                if (oldReaderRejects)
                {
                    ctx.Emit("pattern-changed", Pairing.OldReadsNew, text);
                }
            }
        }
        if (o.Format != n.Format && !Formats.SpansJsonNumbers(o.Format ?? n.Format!, (o.Format is null ? n : o).Types, o.Format is null || n.Format is null))
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
}
