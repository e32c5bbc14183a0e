namespace Stepwise.Contracts.Schemas;

/// <summary>Compares object properties: added, removed, required, hidden by readOnly/writeOnly, and additionalProperties.</summary>
internal sealed partial class SchemaComparer
{
    private bool Counts(SchemaChannel channel, SchemaView property) =>
        !((channel.DropsReadOnly && property.ReadOnly) || (channel.DropsWriteOnly && property.WriteOnly));

    private void CompareProperties(SchemaView o, SchemaView n, Ctx ctx)
    {
        foreach (var (name, oldProp) in o.Properties)
        {
            var oldView = oldViews.Get(oldProp);
            var childPath = new FieldPath(ctx.Path, ".", name);
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
                    ctx.At(newProp, childPath.ToString()).Emit("property-required-added", Pairing.NewReadsOld, $"property '{name}' is now required");
                }
                else if (counts && o.Required.Contains(name) && !n.Required.Contains(name))
                {
                    ctx.At(newProp, childPath.ToString()).Emit("property-required-removed", Pairing.OldReadsNew, $"property '{name}' is no longer required");
                }
                if (counts)
                {
                    Compare(oldProp, newProp, ctx.Channel, ctx.Where, childPath); // a readOnly property is never in a request, a writeOnly one never in a response
                }
                continue;
            }
            if (!Counts(ctx.Channel, oldView) || oldView.RejectsEverything)
            {
                continue; // not part of this message, or a property whose schema is false: no data carries it
            }
            var removed = ctx.At(oldProp, childPath.ToString());
            var wasRequired = o.Required.Contains(name);
            removed.Emit("property-removed", Pairing.OldReadsNew,
                (wasRequired ? $"required property '{name}' was removed" : $"property '{name}' was removed") + hidden,
                wasRequired ? Severity.Error : Severity.Warning, rejects: wasRequired);
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
            if (newView.RejectsEverything)
            {
                continue; // a property whose schema is false: no writer can send it
            }
            var childPath = new FieldPath(ctx.Path, ".", name);
            var added = ctx.At(newProp, childPath.ToString());
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

        // Names required without being declared as properties (alternatives that refine the schema around them,
        // "anyOf: [{required: [state]}, {required: [assignee]}]"): a requirement all the same.
        foreach (var name in n.Required)
        {
            if (!o.Required.Contains(name) && !n.Properties.ContainsKey(name))
            {
                ctx.At(ctx.Location, ctx.Path + "." + name).Emit("property-required-added", Pairing.NewReadsOld, $"property '{name}' is now required");
            }
        }
        foreach (var name in o.Required)
        {
            if (!n.Required.Contains(name) && !o.Properties.ContainsKey(name))
            {
                ctx.At(ctx.Location, ctx.Path + "." + name).Emit("property-required-removed", Pairing.OldReadsNew, $"property '{name}' is no longer required");
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
                Compare(o.AdditionalSchema!.Value, n.AdditionalSchema!.Value, ctx.Channel, ctx.Where, new FieldPath(ctx.Path, ".*"));
                break;
        }
    }
}
