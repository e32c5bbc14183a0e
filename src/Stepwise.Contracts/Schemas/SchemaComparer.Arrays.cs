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
}
