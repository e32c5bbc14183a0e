using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

/// <summary>Compares oneOf/anyOf alternatives: pairs them across versions and reports those added or removed.</summary>
internal sealed partial class SchemaComparer
{
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
            Compare(oldVariants[i], newVariants[j], ctx.Channel, ctx.Where, $"{ctx.Path}<{keyword} {j}>", nullabilityJudged: true);
        }
        // Alternatives written differently but equal (no findings between them) are the same alternative.
        foreach (var i in oldUnmatched.ToList())
        {
            for (var k = 0; k < newVariants.Count; k++)
            {
                if (!newMatched[k] && Trial(oldVariants[i], newVariants[k], ctx.Channel).Count == 0)
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
            Compare(oldVariants[oldUnmatched[0]], newVariants[newUnmatched[0]], ctx.Channel, ctx.Where, $"{ctx.Path}<{keyword} {newUnmatched[0]}>", nullabilityJudged: true);
            return;
        }
        // An alternative whose values another alternative of the reader accepts changes nothing the reader rejects: anyOf
        // needs one match. oneOf needs exactly one, which overlapping alternatives break, and a discriminator picks the
        // alternative by its tag, not by the values: there every alternative added or removed counts.
        var byValues = keyword == "anyOf" && oldViews.Get(ctx.OldRaw).Discriminator is null && newViews.Get(ctx.NewRaw).Discriminator is null;
        foreach (var i in oldUnmatched.Where(i => !byValues || !newVariants.Any(v => Admits(v, oldVariants[i], newReads: true, ctx.Channel))))
        {
            ctx.At(oldVariants[i], ctx.Path).Emit("variant-removed", Pairing.NewReadsOld, $"{keyword} alternative {Describe(oldTags[i], oldViews.Get(oldVariants[i]))} was removed");
        }
        foreach (var k in newUnmatched.Where(k => !byValues || !oldVariants.Any(v => Admits(v, newVariants[k], newReads: false, ctx.Channel))))
        {
            ctx.At(newVariants[k], ctx.Path).Emit("variant-added", Pairing.OldReadsNew, $"{keyword} alternative {Describe(newTags[k], newViews.Get(newVariants[k]))} was added");
        }
    }

    /// <summary>
    /// One side is a single schema, the other lists alternatives. Alternatives that only refine the schema around them
    /// (no type of their own, e.g. "oneOf: [{required: [id]}, {required: [owner, repo]}]") are judged by the keywords
    /// beside them. Otherwise the single schema is paired with its closest alternative and the rest were added or
    /// removed, unless the single schema admits all their values.
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
            var count = (listIsNew ? Trial(single, list[k], ctx.Channel) : Trial(list[k], single, ctx.Channel)).Count;
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
                    Compare(single, list[k], ctx.Channel, ctx.Where, $"{ctx.Path}<{keyword} {k}>", nullabilityJudged: true);
                }
                else
                {
                    Compare(list[k], single, ctx.Channel, ctx.Where, ctx.Path, nullabilityJudged: true);
                }
                continue;
            }
            if (Admits(single, list[k], newReads: !listIsNew, ctx.Channel))
            {
                continue; // the single schema, which has no alternatives to choose from, accepts all its values
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

    /// <summary>The findings comparing two alternatives would produce, without reporting them.</summary>
    private FindingCollector Trial(Node old, Node @new, SchemaChannel channel)
    {
        var scratch = new FindingCollector();
        new SchemaComparer(oldViews, newViews, scratch).Compare(old, @new, channel, "", "", nullabilityJudged: true);
        return scratch;
    }

    /// <summary>
    /// Whether the schema <paramref name="reader"/> accepts every value of the alternative <paramref name="writer"/>: then
    /// the writer's alternative added (<paramref name="newReads"/> false: an old schema reads it) or removed (true: a new
    /// one reads it) brings no value the reader rejects. Example: a new event type whose objects carry every property an
    /// existing, open event type requires. An optional property the reader declares and the writer lacks is no rejection.
    /// </summary>
    private bool Admits(Node reader, Node writer, bool newReads, SchemaChannel channel)
    {
        var trial = newReads ? Trial(writer, reader, channel) : Trial(reader, writer, channel);
        return trial.Rejections(channel.DirectionOf(newReads ? Pairing.NewReadsOld : Pairing.OldReadsNew)) == 0;
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
}
