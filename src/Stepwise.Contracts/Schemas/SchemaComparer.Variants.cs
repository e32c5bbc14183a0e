using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

/// <summary>Compares oneOf/anyOf alternatives: pairs them across versions and reports those added or removed.</summary>
internal sealed partial class SchemaComparer
{
    /// <summary>
    /// Pairs the alternatives of <paramref name="oldKeyword"/> (oneOf or anyOf) in the old schema with those of
    /// <paramref name="newKeyword"/> in the new one: the same keyword, or the other one when the schema switched.
    /// </summary>
    private void CompareVariants(List<Node>? oldVariants, List<Node>? newVariants, string oldKeyword, string newKeyword, Ctx ctx)
    {
        if (oldVariants is null && newVariants is null)
        {
            return;
        }
        if (oldVariants is null || newVariants is null)
        {
            CompareOneSidedVariants(oldVariants, newVariants, newVariants is null ? oldKeyword : newKeyword, ctx);
            return;
        }
        ComparePairedVariants(oldVariants, newVariants, oldKeyword, newKeyword, ctx);
    }

    /// <summary><see cref="CompareVariants"/> when both schemas have alternatives (kept apart: its lambdas cost an allocation on every call).</summary>
    private void ComparePairedVariants(List<Node> oldVariants, List<Node> newVariants, string oldKeyword, string newKeyword, Ctx ctx)
    {
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
            Compare(oldVariants[i], newVariants[j], ctx.Channel, ctx.Where, new FieldPath($"{ctx.Path}<{newKeyword} {j}>"), nullabilityJudged: true);
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
            Compare(oldVariants[oldUnmatched[0]], newVariants[newUnmatched[0]], ctx.Channel, ctx.Where, new FieldPath($"{ctx.Path}<{newKeyword} {newUnmatched[0]}>"), nullabilityJudged: true);
            return;
        }
        // An alternative whose values another alternative of the reader accepts changes nothing the reader rejects: anyOf
        // needs one match. oneOf needs exactly one, which overlapping alternatives break, and a discriminator picks the
        // alternative by its tag, not by the values: there every alternative added or removed counts.
        // The reader's keyword decides: the new schema reads the alternatives removed, the old one those added.
        var tagless = oldViews.Get(ctx.OldRaw).Discriminator is null && newViews.Get(ctx.NewRaw).Discriminator is null;
        var newReadsByValues = tagless && newKeyword == "anyOf";
        var oldReadsByValues = tagless && oldKeyword == "anyOf";
        foreach (var i in oldUnmatched.Where(i => !newReadsByValues || !newVariants.Any(v => Admits(v, oldVariants[i], newReads: true, ctx.Channel))))
        {
            ctx.At(oldVariants[i], ctx.Path).Emit("variant-removed", Pairing.NewReadsOld, $"{oldKeyword} alternative {Describe(oldTags[i], oldViews.Get(oldVariants[i]))} was removed");
        }
        foreach (var k in newUnmatched.Where(k => !oldReadsByValues || !oldVariants.Any(v => Admits(v, newVariants[k], newReads: false, ctx.Channel))))
        {
            ctx.At(newVariants[k], ctx.Path).Emit("variant-added", Pairing.OldReadsNew, $"{newKeyword} alternative {Describe(newTags[k], newViews.Get(newVariants[k]))} was added");
        }
    }

    /// <summary>
    /// oneOf admits a value that matches exactly one alternative, anyOf one that matches at least one: oneOf admits a
    /// subset. A schema that switches from one keyword to the other has its alternatives paired as usual; the switch
    /// itself changes only the values that match several alternatives, which oneOf to anyOf admits (a widening) and anyOf
    /// to oneOf rejects (a narrowing). Alternatives that no value matches together make the switch no change. Returns
    /// whether the schemas switched.
    /// </summary>
    private bool CompareSwitchedVariants(SchemaView o, SchemaView n, Ctx ctx)
    {
        var from = (o.OneOf, o.AnyOf) switch { ({ }, null) => "oneOf", (null, { }) => "anyOf", _ => null };
        var to = (n.OneOf, n.AnyOf) switch { ({ }, null) => "oneOf", (null, { }) => "anyOf", _ => null };
        if (from is null || to is null || from == to)
        {
            return false;
        }
        var oldVariants = (o.OneOf ?? o.AnyOf)!;
        var newVariants = (n.OneOf ?? n.AnyOf)!;
        CompareVariants(oldVariants, newVariants, from, to, ctx);
        // The oneOf side is the one that rejects a value matching several of its alternatives.
        if (from == "oneOf" && MayOverlap(oldVariants, oldViews))
        {
            ctx.Emit("variant-exclusivity-removed", Pairing.OldReadsNew,
                "oneOf became anyOf: a value that matches several alternatives, which oneOf rejects, is now allowed");
        }
        else if (to == "oneOf" && MayOverlap(newVariants, newViews))
        {
            ctx.Emit("variant-exclusivity-added", Pairing.NewReadsOld,
                "anyOf became oneOf: a value that matches several alternatives, which anyOf allows, is now rejected");
        }
        return true;
    }

    /// <summary>Whether some value may match two of the alternatives: unless every pair is told apart by <see cref="Disjoint"/>.</summary>
    private static bool MayOverlap(List<Node> variants, SchemaView.Builder views)
    {
        var list = variants.Select(views.Get).ToList();
        for (var i = 0; i < list.Count; i++)
        {
            for (var j = i + 1; j < list.Count; j++)
            {
                if (!Disjoint(list[i], list[j], views))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// Whether no value matches both schemas, as far as a cheap test tells: types that share no value, enums that share
    /// no value, or objects (and nothing else) that both require a property whose values they keep apart (a tag).
    /// </summary>
    private static bool Disjoint(SchemaView a, SchemaView b, SchemaView.Builder views)
    {
        if (a.RejectsEverything || b.RejectsEverything)
        {
            return true;
        }
        if (AllowsNull(a, views, []) && AllowsNull(b, views, []))
        {
            return false;
        }
        if (a.Types is { } ta && b.Types is { } tb && (ta & tb) == SchemaTypes.None &&
            !(ta.HasFlag(SchemaTypes.Number) && tb.HasFlag(SchemaTypes.Integer)) && !(tb.HasFlag(SchemaTypes.Number) && ta.HasFlag(SchemaTypes.Integer)))
        {
            return true; // no type in common (an integer is a number)
        }
        if (a.Enum is { } ea && b.Enum is { } eb && !ea.Overlaps(eb))
        {
            return true;
        }
        return a.Types == SchemaTypes.Object && b.Types == SchemaTypes.Object && a.Required.Intersect(b.Required).Any(name =>
            a.Properties.TryGetValue(name, out var pa) && b.Properties.TryGetValue(name, out var pb) &&
            views.Get(pa).Enum is { } va && views.Get(pb).Enum is { } vb && !va.Overlaps(vb));
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
        // oneOf rejects a value that matches several of its alternatives; a single schema has none to choose from. So
        // a schema wrapped in a oneOf whose alternatives may overlap now rejects such values, and unwrapped allows them.
        // A discriminator picks the alternative by its tag instead: overlap does not matter there.
        if (keyword == "oneOf" && owner.Discriminator is null && MayOverlap(list, views))
        {
            if (listIsNew)
            {
                ctx.Emit("variant-exclusivity-added", Pairing.NewReadsOld,
                    "a single schema became oneOf: a value that matches several alternatives, which the single schema allowed, is now rejected");
            }
            else
            {
                ctx.Emit("variant-exclusivity-removed", Pairing.OldReadsNew,
                    "oneOf became a single schema: a value that matches several alternatives, which oneOf rejects, is now allowed");
            }
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
                    Compare(single, list[k], ctx.Channel, ctx.Where, new FieldPath($"{ctx.Path}<{keyword} {k}>"), nullabilityJudged: true);
                }
                else
                {
                    Compare(list[k], single, ctx.Channel, ctx.Where, new FieldPath(ctx.Path), nullabilityJudged: true);
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

    /// <summary>
    /// The findings comparing two alternatives on their own would produce, without reporting them: a function of the
    /// two schemas and the channel, so each pair is tried once.
    /// </summary>
    private FindingCollector Trial(Node old, Node @new, SchemaChannel channel)
    {
        var key = (oldViews.Get(old), newViews.Get(@new), channel);
        if (!_trials.TryGetValue(key, out var scratch))
        {
            scratch = new FindingCollector();
            new SchemaComparer(oldViews, newViews, scratch) { _trials = _trials }.Compare(old, @new, channel, "", new FieldPath(""), nullabilityJudged: true);
            _trials[key] = scratch;
        }
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
