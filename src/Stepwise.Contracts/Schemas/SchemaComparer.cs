using Stepwise.Contracts.Json;
using Pair = (Stepwise.Contracts.Schemas.SchemaView Old, Stepwise.Contracts.Schemas.SchemaView New, Stepwise.Contracts.Schemas.SchemaChannel Channel);

namespace Stepwise.Contracts.Schemas;

/// <summary>
/// Compares two schemas structurally after resolving references. Every (old schema, new schema, channel) pair is
/// compared once: this bounds the work on large descriptions where components are shared by hundreds of
/// operations, and it ends recursion through cyclic references.
/// </summary>
internal sealed partial class SchemaComparer(SchemaView.Builder oldViews, SchemaView.Builder newViews, FindingCollector findings)
{
    private readonly HashSet<Pair> _compared = [];

    /// <summary>
    /// What comparing two alternatives on their own found (see <see cref="Trial"/>), by pair: the same alternatives meet
    /// again wherever their oneOf or anyOf is written inline. Shared with the comparers the trials run in.
    /// </summary>
    private Dictionary<Pair, FindingCollector> _trials = [];

    /// <summary>The pairs whose nullability was compared: not those compared only as alternatives.</summary>
    private readonly HashSet<Pair> _nullabilityCompared = [];

    /// <summary>Compares <paramref name="old"/> with <paramref name="new"/>; <paramref name="where"/> names what the schema describes ("POST /pets request body").</summary>
    public void Compare(Node old, Node @new, SchemaChannel channel, string where) => Compare(old, @new, channel, where, new FieldPath(""));

    /// <summary>
    /// Where a field is, as messages write it (<c>.items[].name</c>): a parent path and one step, joined only when the
    /// pair is compared for the first time. Most pairs met were compared before, so most paths are never written.
    /// </summary>
    private readonly record struct FieldPath(string Parent, string Separator = "", string Name = "")
    {
        public override string ToString() => Separator.Length == 0 && Name.Length == 0 ? Parent : string.Concat(Parent, Separator, Name);
    }

    /// <summary>
    /// <paramref name="nullabilityJudged"/>: the schemas are alternatives (oneOf/anyOf) whose owner's nullability, which
    /// counts every alternative, was compared already; null accepted by another alternative is still accepted.
    /// </summary>
    private void Compare(Node oldRaw, Node newRaw, SchemaChannel channel, string where, FieldPath path, bool nullabilityJudged = false)
    {
        var o = oldViews.Get(oldRaw);
        var n = newViews.Get(newRaw);
        Pair pair = (o, n, channel); // a view is made once per schema, so the views themselves (compared by reference) key the pair
        var judgeNullability = !nullabilityJudged && _nullabilityCompared.Add(pair);
        if (!_compared.Add(pair))
        {
            // Compared before as alternatives: only the nullability, judged there for the whole schema, is left.
            if (judgeNullability && !o.RejectsEverything && !n.RejectsEverything && ComparesNullability(o, n))
            {
                CompareNullability(o, n, new Ctx(this, channel, where, path.ToString(), n.Origin, oldRaw, newRaw, NullabilityJudged: false));
            }
            return;
        }
        var ctx = new Ctx(this, channel, where, path.ToString(), n.Origin, oldRaw, newRaw, NullabilityJudged: !judgeNullability);

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
        CompareExtensibleEnums(o, n, ctx);
        CompareRanges(o, n, ctx);
        CompareStrings(o, n, ctx);
        CompareProperties(o, n, ctx);
        CompareArrays(o, n, ctx);
        if (o.Default is not null && o.DefaultAsTyped != n.DefaultAsTyped)
        {
            var text = $"the default changed from {o.Default ?? "none"} to {n.Default ?? "none"}";
            var severity = n.Default is null ? Severity.Warning : (Severity?)null;
            ctx.Emit("default-changed", Pairing.NewReadsOld, text, severity);
            ctx.Emit("default-changed", Pairing.OldReadsNew, text, severity);
        }
        CompareUnmodeled(o, n, ctx);
        if (o.Discriminator is not null && o.Discriminator == n.Discriminator && o.DiscriminatorMapping is { } oldMapping
            && ChangedMappings(oldMapping, n.DiscriminatorMapping) is { Count: > 0 } changed)
        {
            var text = $"the discriminator mapping changed for {string.Join(", ", changed)}";
            ctx.Emit("discriminator-changed", Pairing.NewReadsOld, text);
            ctx.Emit("discriminator-changed", Pairing.OldReadsNew, text);
        }
        if (o.Discriminator != n.Discriminator && (o.OneOf ?? o.AnyOf ?? n.OneOf ?? n.AnyOf) is not null)
        {
            var text = $"the discriminator property changed from {Quote(o.Discriminator)} to {Quote(n.Discriminator)}";
            ctx.Emit("discriminator-changed", Pairing.NewReadsOld, text);
            ctx.Emit("discriminator-changed", Pairing.OldReadsNew, text);
        }
        if (!CompareSwitchedVariants(o, n, ctx))
        {
            CompareVariants(o.OneOf, n.OneOf, "oneOf", "oneOf", ctx);
            CompareVariants(o.AnyOf, n.AnyOf, "anyOf", "anyOf", ctx);
        }
    }

    /// <summary>The discriminator tags that selected one schema and now select another, or are no longer mapped: readers pick differently.</summary>
    private static List<string> ChangedMappings(Dictionary<string, string> oldMapping, Dictionary<string, string>? newMapping) =>
        oldMapping
            .Where(m => newMapping is null || !newMapping.TryGetValue(m.Key, out var target) || target != m.Value)
            .Select(m => $"'{m.Key}' ({m.Value} -> {(newMapping is not null && newMapping.TryGetValue(m.Key, out var t) ? t : "unmapped")})")
            .ToList();

    private static void CompareUnmodeled(SchemaView o, SchemaView n, Ctx ctx)
    {
        if (o.Unmodeled is null && n.Unmodeled is null)
        {
            return;
        }
        var changed = UnmodeledChanges(o.Unmodeled, n.Unmodeled);
        if (changed.Count == 0)
        {
            return;
        }
        var text = $"{string.Join(", ", changed)}; which values this admits is not compared exactly, so check it by hand";
        ctx.Emit("keyword-changed", Pairing.NewReadsOld, text);
        ctx.Emit("keyword-changed", Pairing.OldReadsNew, text);
    }

    private static List<string> UnmodeledChanges(SortedDictionary<string, string>? o, SortedDictionary<string, string>? n) =>
        SchemaView.UnmodeledKeywords.Append("unevaluatedProperties")
            .Where(k => (o?.GetValueOrDefault(k)) != (n?.GetValueOrDefault(k)))
            .Select(k => o?.ContainsKey(k) != true ? k + " added" : n?.ContainsKey(k) != true ? k + " removed" : k + " changed")
            .ToList();

    /// <summary>Findings are made in one place so that every message reads the same: where, what, whom it breaks.</summary>
    private readonly record struct Ctx(SchemaComparer Owner, SchemaChannel Channel, string Where, string Path, Node Location, Node OldRaw, Node NewRaw, bool NullabilityJudged)
    {
        public Ctx At(Node location, string path) => this with { Location = location, Path = path };

        /// <summary>
        /// Reports a finding. <paramref name="rejects"/> is false for a finding that names no value the reader rejects
        /// (an optional property removed: old readers may miss it, but accept what comes without it).
        /// </summary>
        public void Emit(string suffix, Pairing pairing, string what, Severity? severity = null, bool rejects = true)
        {
            var rule = $"{Channel.Scope}-{suffix}";
            var field = Path.Length == 0 ? "" : $" at {Path.TrimStart('.')}";
            Owner.Findings.Add(rule, Channel.DirectionOf(pairing), Location, $"{Where}{field}: {what}; {Channel.EffectOf(pairing)}.", severity, rejects);
        }
    }

    private FindingCollector Findings => findings;
}
