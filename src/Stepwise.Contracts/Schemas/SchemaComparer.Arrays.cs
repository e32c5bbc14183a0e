namespace Stepwise.Contracts.Schemas;

/// <summary>Compares arrays: uniqueItems, tuple positions (prefixItems) and the item schema.</summary>
internal sealed partial class SchemaComparer
{
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
                Compare(o.PrefixItems![i], n.PrefixItems![i], ctx.Channel, ctx.Where, new FieldPath($"{ctx.Path}[{i}]"));
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
            Compare(oldItems, newItems, ctx.Channel, ctx.Where, new FieldPath(ctx.Path, "[]"));
        }
        else if ((o.Items ?? n.Items) is not null && AdmitsArrays(o) && AdmitsArrays(n))
        {
            // No items admits any item (beyond the tuple positions); items: S admits only S-valid ones. The side without
            // items is compared as the schema that admits every value, so S added is a narrowing, S removed a widening,
            // and items: {} or true either way is nothing.
            Compare(o.Items ?? SchemaView.Unconstrained(o.Origin, ItemsKeyword(o)), n.Items ?? SchemaView.Unconstrained(n.Origin, ItemsKeyword(n)),
                ctx.Channel, ctx.Where, new FieldPath(ctx.Path, "[]"));
        }
    }

    /// <summary>Whether the schema admits arrays at all: items says nothing about a schema that admits none.</summary>
    private static bool AdmitsArrays(SchemaView view) => view.Types is not { } types || types.HasFlag(SchemaTypes.Array);

    /// <summary>The keyword that holds the schema of the items after the tuple: draft-07 additionalItems beside array-form items.</summary>
    private static string ItemsKeyword(SchemaView view) =>
        view.Origin.Element.ValueKind == System.Text.Json.JsonValueKind.Object && view.Origin.Element.TryGetProperty("items", out var items) &&
        items.ValueKind == System.Text.Json.JsonValueKind.Array ? "additionalItems" : "items";
}
