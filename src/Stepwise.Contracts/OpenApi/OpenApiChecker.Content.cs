using Stepwise.Contracts.Json;
using Stepwise.Contracts.Schemas;

namespace Stepwise.Contracts.OpenApi;

/// <summary>Bodies by media type: the one comparison operations, webhooks and callbacks share.</summary>
public sealed partial class OpenApiChecker
{
    private sealed partial class Comparison
    {
        private void CompareContent(Node? oldContent, Node? newContent, SchemaChannel channel, string where, Node owner)
        {
            var request = channel == SchemaChannel.Request;
            CompareMediaTypes(oldContent, newContent, channel, where,
                (type, oldNode) => findings.Add(request ? "request-media-type-removed" : "response-media-type-removed", Direction.Backward, oldNode,
                    request
                        ? $"{where}: media type '{type}' is no longer accepted; old callers sending it get 415 from the new server."
                        : $"{where}: media type '{type}' is no longer returned; old callers asking for it get 406 or a body they cannot read."),
                (type, newNode) => findings.Add(request ? "request-media-type-added" : "response-media-type-added", Direction.Forward, newNode,
                    request
                        ? $"{where}: media type '{type}' is new; old servers (rollback, mixed fleet) answer 415 to new callers that send it."
                        : $"{where}: media type '{type}' is new; old servers (rollback, mixed fleet) cannot produce it for new callers that ask for it."));
        }

        /// <summary>
        /// Pairs the media types of two contents: <paramref name="removed"/> and <paramref name="added"/> report those only
        /// one side has (the caller knows who reads them); the schemas of those both have are compared on <paramref name="channel"/>.
        /// </summary>
        private void CompareMediaTypes(Node? oldContent, Node? newContent, SchemaChannel channel, string where, Action<string, Node> removed, Action<string, Node> added)
        {
            var oldMedia = MediaTypes(oldContent);
            var newMedia = MediaTypes(newContent);
            foreach (var (type, oldNode) in oldMedia)
            {
                if (!newMedia.TryGetValue(type, out var newNode))
                {
                    removed(type, oldNode);
                    continue;
                }
                var hasOld = oldNode.TryGet("schema", out var oldSchema);
                var hasNew = newNode.TryGet("schema", out var newSchema);
                if (hasOld || hasNew)
                {
                    // A media type without a schema admits any body. Its media type object holds no schema keyword,
                    // so it stands for that unconstrained schema: a schema added where there was none is a narrowing.
                    schemas.Compare(hasOld ? oldSchema : oldNode, hasNew ? newSchema : newNode, channel, $"{where} ({type})");
                }
            }
            foreach (var (type, newNode) in newMedia)
            {
                if (!oldMedia.ContainsKey(type))
                {
                    added(type, newNode);
                }
            }
        }

        private static Dictionary<string, Node> MediaTypes(Node? content)
        {
            var result = new Dictionary<string, Node>(StringComparer.Ordinal);
            if (content is { } c)
            {
                foreach (var (name, media) in c.Properties())
                {
                    result.TryAdd(name.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal), media);
                }
            }
            return result;
        }
    }
}
