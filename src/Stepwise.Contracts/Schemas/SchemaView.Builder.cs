using System.Text.Json;
using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

/// <summary>The builder of schema views: resolution, caching, allOf merging and oneOf/anyOf folding.</summary>
internal sealed partial class SchemaView
{
    /// <summary>Builds views of one side's schemas, each once, following references and merging allOf.</summary>
    internal sealed partial class Builder(DocumentSet documents, bool openApi30)
    {
        /// <summary>
        /// Views by file, then by pointer: a pointer alone is hashed with the fast ordinal hash a string key gets, where a
        /// (file, pointer) tuple would hash the pointer with the randomized one on every lookup.
        /// </summary>
        private readonly Dictionary<JsonSource, Dictionary<string, SchemaView>> _views = [];

        /// <summary>The schemas being built, innermost last: a handful at a time, so a list beats a set.</summary>
        private readonly List<(JsonSource, string)> _building = [];

        public DocumentSet Documents => documents;

        public SchemaView Get(Node raw)
        {
            var node = HasSiblingsBesideRef(raw) ? raw : documents.Resolve(raw);
            if (!_views.TryGetValue(node.Source, out var views))
            {
                views = new Dictionary<string, SchemaView>(StringComparer.Ordinal);
                _views[node.Source] = views;
            }
            if (views.TryGetValue(node.Pointer, out var cached))
            {
                return cached;
            }
            _building.Add(node.Key);
            var view = Build(node);
            _building.RemoveAt(_building.Count - 1);
            views[node.Pointer] = view;
            return view;
        }

        private static bool HasSiblingsBesideRef(Node raw)
        {
            if (raw.Element.ValueKind != JsonValueKind.Object || !raw.Element.TryGetProperty("$ref", out _))
            {
                return false;
            }
            foreach (var p in raw.Element.EnumerateObject())
            {
                if (!IsAnnotation(p))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>An annotation keyword or an extension (<c>x-</c>), read without making a string of its name (<see cref="JsonText"/>).</summary>
        private static bool IsAnnotation(JsonProperty property)
        {
            var name = JsonText.Name(property, stackalloc char[64]);
            return name.StartsWith("x-", StringComparison.Ordinal) || AnnotationKeywords.GetAlternateLookup<ReadOnlySpan<char>>().Contains(name);
        }

        private SchemaView Build(Node node)
        {
            var view = new SchemaView { Origin = node };
            switch (node.Element.ValueKind)
            {
                case JsonValueKind.False:
                    view.RejectsEverything = true;
                    return view;
                case JsonValueKind.Object:
                    break;
                default:
                    // true, or a non-schema value where a schema was expected: accepts anything.
                    return view;
            }

            ReadOwn(node, view);

            // Merge allOf members (and a $ref with sibling keywords, and single-alternative oneOf/anyOf):
            // they constrain the same value, so their keywords apply together.
            var members = new List<Node>();
            if (node.TryGet("$ref", out var refNode) && refNode.Element.ValueKind == JsonValueKind.String)
            {
                members.Add(documents.ResolveReference(node, refNode.Element.GetString()!));
            }
            if (node.TryGet("allOf", out var allOf))
            {
                members.AddRange(allOf.Items());
            }
            // OpenAPI 3.1 / JSON Schema spell a nullable reference as oneOf/anyOf [X, {type: null}]; 3.0 as nullable: true.
            var nullVariant = false;
            view.OneOf = DropNullVariants(view.OneOf, ref nullVariant);
            view.AnyOf = DropNullVariants(view.AnyOf, ref nullVariant);
            if (view.OneOf is { Count: 1 } single && view.AnyOf is null)
            {
                members.Add(single[0]);
                view.OneOf = null;
            }
            if (view.AnyOf is { Count: 1 } singleAny && view.OneOf is null)
            {
                members.Add(singleAny[0]);
                view.AnyOf = null;
            }
            // oneOf/anyOf of plain enum values ("oneOf: [{enum: [a]}, {enum: [b]}]") is one enum [a, b].
            FoldEnumVariants(view, view.OneOf, isOneOf: true);
            FoldEnumVariants(view, view.AnyOf, isOneOf: false);
            var ownTypes = view.Types;
            var allMembersNullable = members.Count > 0;
            foreach (var member in members)
            {
                var resolved = HasSiblingsBesideRef(member) ? member : documents.Resolve(member);
                if (_building.Contains(resolved.Key))
                {
                    continue; // a schema that includes itself through allOf adds nothing new
                }
                var memberView = Get(member);
                allMembersNullable &= memberView.Nullable;
                Merge(view, memberView);
            }
            if (nullVariant || (ownTypes is null && allMembersNullable))
            {
                view.Nullable = true;
            }
            return view;
        }

        private void FoldEnumVariants(SchemaView view, List<Node>? variants, bool isOneOf)
        {
            if (variants is not { Count: > 1 })
            {
                return;
            }
            var values = new HashSet<string>(StringComparer.Ordinal);
            SchemaTypes? types = SchemaTypes.None;
            foreach (var v in variants)
            {
                var resolved = HasSiblingsBesideRef(v) ? v : documents.Resolve(v);
                if (_building.Contains(resolved.Key))
                {
                    return;
                }
                var variant = Get(v);
                if (variant.Enum is null || variant.Properties.Count > 0 || variant.Items is not null || variant.OneOf is not null || variant.AnyOf is not null
                    || variant.Pattern is not null || variant.Minimum is not null || variant.Maximum is not null || variant.MinLength is not null || variant.MaxLength is not null)
                {
                    return;
                }
                values.UnionWith(variant.Enum);
                types = types is null || variant.Types is null ? null : types | variant.Types;
                view.Nullable |= variant.Nullable;
            }
            view.Enum = view.Enum is null ? values : view.Enum.Intersect(values).ToHashSet(StringComparer.Ordinal);
            if (types is { } t)
            {
                view.Types = view.Types is { } own ? Intersect(own, t) : t;
            }
            if (isOneOf)
            {
                view.OneOf = null;
            }
            else
            {
                view.AnyOf = null;
            }
        }

        private List<Node>? DropNullVariants(List<Node>? variants, ref bool sawNull)
        {
            if (variants is null)
            {
                return null;
            }
            var kept = new List<Node>(variants.Count);
            foreach (var v in variants)
            {
                var resolved = HasSiblingsBesideRef(v) ? v : documents.Resolve(v);
                if (!_building.Contains(resolved.Key) && Get(v) is { Types: SchemaTypes.None, Nullable: true, Properties.Count: 0 })
                {
                    sawNull = true;
                }
                else
                {
                    kept.Add(v);
                }
            }
            return kept;
        }
    }
}
