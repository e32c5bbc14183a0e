using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

/// <summary>Compares the allowed types (number covers integer) and nullability, and names types for messages.</summary>
internal sealed partial class SchemaComparer
{
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

    private static bool TypesInAlternatives(SchemaView o, SchemaView n) =>
        (o.Types is null && (o.OneOf ?? o.AnyOf) is not null) || (n.Types is null && (n.OneOf ?? n.AnyOf) is not null);

    /// <summary>Whether <see cref="CompareTypes"/> compares the nullability of these schemas: their types are related or in alternatives.</summary>
    private static bool ComparesNullability(SchemaView o, SchemaView n) =>
        TypesInAlternatives(o, n) || (o.Types is { } a && n.Types is { } b && (Covers(a, b) || Covers(b, a)));

    private bool CompareTypes(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (TypesInAlternatives(o, n))
        {
            CompareNullability(o, n, ctx);
            return true; // the types live in the alternatives, which are compared one by one
        }
        if (o.Types is null && n.Types is null)
        {
            return true;
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
        CompareNullability(o, n, ctx);
        return true;
    }

    /// <summary>
    /// Whether null is allowed, judged for the whole schema: its own nullable (or null type) or any of its oneOf/anyOf
    /// alternatives. Alternatives are then compared without it (<see cref="Ctx.NullabilityJudged"/>), so null accepted
    /// beside the alternatives ("nullable: true, oneOf: [...]") is not reported as removed from each of them.
    /// </summary>
    private void CompareNullability(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (ctx.NullabilityJudged)
        {
            return;
        }
        var oldNullable = AllowsNull(o, oldViews);
        var newNullable = AllowsNull(n, newViews);
        if (oldNullable && !newNullable)
        {
            ctx.Emit("nullable-removed", Pairing.NewReadsOld, "null is no longer allowed");
        }
        else if (!oldNullable && newNullable)
        {
            ctx.Emit("nullable-added", Pairing.OldReadsNew, "null is now allowed");
        }
    }

    /// <summary>Whether the schema or, through references, any of its alternatives allows null; <paramref name="seen"/> ends cycles.</summary>
    private static bool AllowsNull(SchemaView view, SchemaView.Builder views, HashSet<SchemaView>? seen = null)
    {
        if (view.Nullable)
        {
            return true;
        }
        if (view.OneOf is null && view.AnyOf is null)
        {
            return false;
        }
        seen ??= [];
        if (!seen.Add(view))
        {
            return false;
        }
        foreach (var alternatives in (ReadOnlySpan<List<Node>?>)[view.OneOf, view.AnyOf])
        {
            foreach (var alternative in alternatives ?? [])
            {
                if (AllowsNull(views.Get(alternative), views, seen))
                {
                    return true;
                }
            }
        }
        return false;
    }
}
