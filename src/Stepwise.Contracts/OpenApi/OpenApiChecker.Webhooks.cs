using System.Text.Json;
using Stepwise.Contracts.Json;
using Stepwise.Contracts.Schemas;

namespace Stepwise.Contracts.OpenApi;

/// <summary>
/// Webhooks (OpenAPI 3.1) and callbacks: requests the described service SENDS to receivers, whose responses the
/// service reads. The roles of requests and responses are reversed: the request (parameters and body) is data the
/// service writes and receivers read, judged like response data (<c>response-*</c> rules); the response is data
/// receivers write and the service reads, judged like request data (<c>request-*</c> rules).
/// </summary>
public sealed partial class OpenApiChecker
{
    private static readonly IReadOnlyDictionary<string, Operation> NoCallbacks = new Dictionary<string, Operation>(StringComparer.Ordinal);

    /// <summary>A runtime expression is shown in messages up to this many characters.</summary>
    private const int MaxExpressionShown = 120;

    private static string Abbreviate(string text) =>
        text.Length <= MaxExpressionShown ? text : $"{text[..MaxExpressionShown]}... ({text.Length} characters)";

    private sealed partial class Side
    {
        /// <summary>Webhooks keyed by name and method.</summary>
        public Dictionary<string, Operation> Webhooks { get; } = new(StringComparer.Ordinal);

        public void ReadWebhooks(Node root)
        {
            // 'webhooks' is an OpenAPI 3.1 field; a 3.0 description has none (and is not judged by one it should not have).
            if (IsOpenApi30 || !root.TryGet("webhooks", out var webhooks))
            {
                return;
            }
            if (webhooks.Element.ValueKind != JsonValueKind.Object)
            {
                throw DocumentSet.Error(webhooks, "'webhooks' must be an object of webhook names and path items");
            }
            foreach (var (name, raw) in webhooks.Properties())
            {
                if (name.StartsWith("x-", StringComparison.Ordinal))
                {
                    continue;
                }
                foreach (var (key, operation) in ReadPathItem(raw, $"the webhook '{Abbreviate(name)}' must be an object (a path item)", method => $"webhook {Abbreviate(name)} {method}", name))
                {
                    Webhooks.TryAdd(name + " " + key, operation);
                }
            }
        }

        public IReadOnlyDictionary<string, Operation> ReadCallbacks(Operation owner)
        {
            if (!owner.Node.TryGet("callbacks", out var callbacks))
            {
                return NoCallbacks;
            }
            if (callbacks.Element.ValueKind != JsonValueKind.Object)
            {
                throw DocumentSet.Error(callbacks, $"'callbacks' of {owner.Display} must be an object of callback names");
            }
            var result = new Dictionary<string, Operation>(StringComparer.Ordinal);
            foreach (var (name, raw) in callbacks.Properties())
            {
                if (name.StartsWith("x-", StringComparison.Ordinal))
                {
                    continue;
                }
                var callback = Documents.Resolve(raw);
                if (callback.Element.ValueKind != JsonValueKind.Object)
                {
                    throw DocumentSet.Error(callback, $"the callback '{Abbreviate(name)}' of {owner.Display} must be an object of runtime expressions and path items");
                }
                foreach (var (expression, item) in callback.Properties())
                {
                    if (expression.StartsWith("x-", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    var label = $"callback {Abbreviate(name)} {Abbreviate(expression)}";
                    foreach (var (key, operation) in ReadPathItem(item, $"the {label} of {owner.Display} must be an object (a path item)", method => $"{label} {method} of {owner.Display}", expression))
                    {
                        // Callbacks of a callback operation are not read (see docs/compat.md, "Not covered").
                        result.TryAdd(name + "\n" + expression + "\n" + key, operation);
                    }
                }
            }
            return result;
        }

        /// <summary>
        /// The operations of a path item (a $ref is followed), with their methods, each checked as it is read:
        /// <paramref name="notAnObject"/> is the error for an item that is not an object, and <paramref name="label"/>
        /// names a webhook's or callback's operation by its method in capitals (null: by method and template).
        /// </summary>
        private IEnumerable<(string Method, Operation Operation)> ReadPathItem(Node raw, string notAnObject, Func<string, string>? label, string template)
        {
            var item = Documents.Resolve(raw);
            if (item.Element.ValueKind != JsonValueKind.Object)
            {
                throw DocumentSet.Error(item, notAnObject);
            }
            foreach (var method in Methods)
            {
                if (!item.TryGet(method, out var op))
                {
                    continue;
                }
                var operation = new Operation(method, template, item, op) { Label = label?.Invoke(method.ToUpperInvariant()) };
                if (op.Element.ValueKind != JsonValueKind.Object)
                {
                    throw DocumentSet.Error(op, $"the operation '{operation.Display}' must be an object");
                }
                ValidateParameters(Documents, item, op);
                yield return (method, operation);
            }
        }
    }

    private sealed partial class Comparison
    {
        /// <summary>Compares the webhooks of two descriptions, or the callbacks of one operation (<paramref name="kind"/> "webhook" or "callback").</summary>
        private void CompareSent(IReadOnlyDictionary<string, Operation> oldOps, IReadOnlyDictionary<string, Operation> newOps, string kind)
        {
            foreach (var (key, o) in oldOps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!newOps.TryGetValue(key, out var n))
                {
                    var deprecated = o.Node.GetBool("deprecated");
                    findings.Add($"{kind}-removed", Direction.Backward, o.Node,
                        deprecated
                            ? $"{o.Display} was removed; it was deprecated, so this is safe only if no receiver still relies on these calls: receivers built against the old contract no longer get them from the new service."
                            : $"{o.Display} was removed without being deprecated first: receivers built against the old contract no longer get these calls from the new service.",
                        deprecated ? Severity.Warning : null);
                    continue;
                }
                if (oldSide.IsOpenApi30 == newSide.IsOpenApi30
                    && _identical.Identical(o.Node, n.Node)
                    && SameOrAbsent(o.PathItem.Get("parameters"), n.PathItem.Get("parameters")))
                {
                    continue;
                }
                CompareSentOperation(o, n);
            }
            foreach (var (key, n) in newOps)
            {
                if (!oldOps.ContainsKey(key))
                {
                    findings.Add($"{kind}-added", Direction.Backward, n.Node,
                        $"{n.Display} is new: receivers built against the old contract may not handle it yet, and old service nodes (rollback, mixed fleet) do not send it.");
                }
            }
        }

        private void CompareSentOperation(Operation o, Operation n)
        {
            var op = n.Display;
            if (!o.Node.GetBool("deprecated") && n.Node.GetBool("deprecated"))
            {
                findings.Add("operation-deprecated", Direction.Backward, n.Node, $"{op} is now deprecated: tell its receivers; remove it in a later release once none relies on it.");
            }
            CompareSentParameters(o, n, op);
            var oldBody = o.Node.Get("requestBody") is { } ob ? oldSide.Documents.Resolve(ob) : (Node?)null;
            var newBody = n.Node.Get("requestBody") is { } nb ? newSide.Documents.Resolve(nb) : (Node?)null;
            ComparePayload(oldBody, newBody, $"{op} request body");
            var oldResponses = Responses(o);
            var newResponses = Responses(n);
            foreach (var (status, oldRaw) in oldResponses)
            {
                if (status is "204" or "304" || !newResponses.TryGetValue(status, out var newRaw))
                {
                    continue; // statuses and headers of replies are not compared (docs/compat.md, "Not covered")
                }
                var oldResponse = oldSide.Documents.Resolve(oldRaw);
                var newResponse = newSide.Documents.Resolve(newRaw);
                CompareReply(oldResponse.Get("content"), newResponse.Get("content"), $"{op} response {status}");
            }
        }

        /// <summary>Parameters the service sends (headers, query parameters of the receiver's URL): judged like response headers.</summary>
        private void CompareSentParameters(Operation o, Operation n, string op)
        {
            var oldParams = Parameters(oldSide, o);
            var newParams = Parameters(newSide, n);
            foreach (var (key, oldParam) in oldParams)
            {
                if (!newParams.TryGetValue(key, out var newParam))
                {
                    findings.Add("response-header-removed", Direction.Backward, oldParam,
                        $"{op}: {ParamName(oldParam)} is no longer sent; receivers built against the old contract that read it lose it.",
                        Required(oldParam) ? Severity.Error : Severity.Warning);
                    continue;
                }
                if (!Required(oldParam) && Required(newParam))
                {
                    findings.Add("response-header-required-added", Direction.Forward, newParam,
                        $"{op}: {ParamName(newParam)} is now required; receivers built against the new contract rely on it but old service nodes (rollback, mixed fleet) may not send it.");
                }
                else if (Required(oldParam) && !Required(newParam))
                {
                    findings.Add("response-header-required-removed", Direction.Backward, newParam,
                        $"{op}: {ParamName(newParam)} is no longer required; receivers built against the old contract rely on it and the new service may omit it.");
                }
                if (ParameterSchema(oldParam) is { } oldSchema && ParameterSchema(newParam) is { } newSchema)
                {
                    schemas.Compare(oldSchema, newSchema, SchemaChannel.SentRequest, $"{op} {ParamName(newParam)}");
                }
            }
            foreach (var (key, newParam) in newParams)
            {
                if (!oldParams.ContainsKey(key) && Required(newParam))
                {
                    findings.Add("response-header-required-added", Direction.Forward, newParam,
                        $"{op}: new required {ParamName(newParam)}; receivers built against the new contract rely on it but old service nodes (rollback, mixed fleet) do not send it.");
                }
            }
        }

        /// <summary>The body the service sends: receivers read it. There is no content negotiation, so a media type added is one old receivers may get.</summary>
        private void ComparePayload(Node? oldBody, Node? newBody, string where)
        {
            if (oldBody is null && newBody is null)
            {
                return;
            }
            if (oldBody is { } gone && newBody is null)
            {
                findings.Add("payload-media-type-removed", Direction.Backward, gone,
                    $"{where}: the body is no longer sent; receivers built against the old contract that read it get none.", Severity.Error);
                return;
            }
            CompareMediaTypes(oldBody?.Get("content"), newBody!.Value.Get("content"), SchemaChannel.SentRequest, where,
                (type, oldNode) => findings.Add("payload-media-type-removed", Direction.Forward, oldNode,
                    $"{where}: media type '{type}' is no longer sent; receivers built against the new contract may not read it, but old service nodes (rollback, mixed fleet) still send it."),
                (type, newNode) => findings.Add("payload-media-type-added", Direction.Backward, newNode,
                    oldBody is null
                        ? $"{where}: a body ('{type}') is now sent; receivers built against the old contract expect none and may ignore or reject it."
                        : $"{where}: media type '{type}' is new; receivers built against the old contract may get bodies they cannot read from the new service.",
                    oldBody is null ? Severity.Info : null));
        }

        /// <summary>The body receivers reply with: the service reads it, so it is judged like a request body.</summary>
        private void CompareReply(Node? oldContent, Node? newContent, string where) =>
            CompareMediaTypes(oldContent, newContent, SchemaChannel.SentResponse, where,
                (type, oldNode) => findings.Add("request-media-type-removed", Direction.Backward, oldNode,
                    $"{where}: media type '{type}' is no longer read; the new service misreads receivers built against the old contract that reply with it."),
                (type, newNode) => findings.Add("request-media-type-added", Direction.Forward, newNode,
                    $"{where}: media type '{type}' is new; old service nodes (rollback, mixed fleet) cannot read it from receivers built against the new contract."));
    }
}
