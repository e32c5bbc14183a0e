using System.Text.Json;
using Stepwise.Contracts.Json;
using Stepwise.Contracts.Schemas;

namespace Stepwise.Contracts.OpenApi;

/// <summary>
/// Compares two OpenAPI 3.0/3.1 descriptions (JSON or YAML, $ref within and across files). Operations are matched by
/// method and path template with parameter names ignored; parameters, request bodies, responses, media types,
/// headers, security and schemas are compared in the direction the data flows.
/// </summary>
/// <param name="clock">Today's date for <c>x-sunset</c> (null: the system clock).</param>
public sealed partial class OpenApiChecker(ContractLimits? limits = null, TimeProvider? clock = null) : IContractChecker
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    public ContractKind Kind => ContractKind.OpenApi;

    public ContractLimits Limits { get; } = limits ?? ContractLimits.Default;

    public IReadOnlyList<Finding> Compare(string oldPath, string newPath, CancellationToken cancellationToken = default)
    {
        // The two sides are independent: read them in parallel (parsing dominates on large descriptions).
        var oldLoad = Task.Run(() => Side.Load(oldPath, Limits), cancellationToken);
        Side newSide;
        try
        {
            newSide = Side.Load(newPath, Limits);
        }
        catch (Exception e)
        {
            // Both files may be bad: report the old one's problem first, as a sequential read would.
            if (((IAsyncResult)oldLoad).AsyncWaitHandle.WaitOne() && oldLoad.IsCompletedSuccessfully)
            {
                oldLoad.Result.Documents.Dispose();
            }
            else if (e is ContractInputException && oldLoad.IsFaulted)
            {
                oldLoad.GetAwaiter().GetResult();
            }
            throw;
        }
        using var newDocuments = newSide.Documents;
        var oldSide = oldLoad.GetAwaiter().GetResult();
        using var oldDocuments = oldSide.Documents;
        cancellationToken.ThrowIfCancellationRequested();
        var findings = new FindingCollector();
        var schemas = new SchemaComparer(oldSide.Views, newSide.Views, findings);
        var today = DateOnly.FromDateTime((clock ?? TimeProvider.System).GetUtcNow().UtcDateTime);
        new Comparison(oldSide, newSide, findings, schemas, today, cancellationToken).Run();
        return findings.Build(oldSide.Documents, newSide.Documents);
    }

    private sealed record Operation(string Method, string PathTemplate, Node PathItem, Node Node)
    {
        public string Display => Label ?? $"{Method.ToUpperInvariant()} {PathTemplate}";

        /// <summary>How messages name a webhook or callback operation ("webhook orderCreated POST").</summary>
        public string? Label { get; init; }

        /// <summary>The operation's callbacks, keyed by callback name, runtime expression and method.</summary>
        public IReadOnlyDictionary<string, Operation> Callbacks { get; init; } = NoCallbacks;
    }

    /// <summary>"/pets/{petId}" and "/pets/{id}" name the same operation path: parameter names do not matter.</summary>
    internal static string NormalizeTemplate(string template)
    {
        var sb = new System.Text.StringBuilder(template.Length);
        var inParam = false;
        foreach (var c in template)
        {
            if (c == '{')
            {
                inParam = true;
                sb.Append("{}");
            }
            else if (c == '}')
            {
                inParam = false;
            }
            else if (!inParam)
            {
                sb.Append(c);
            }
        }
        var normalized = sb.ToString();
        return normalized.Length > 1 ? normalized.TrimEnd('/') : normalized;
    }

    private sealed partial class Comparison(Side oldSide, Side newSide, FindingCollector findings, SchemaComparer schemas, DateOnly today, CancellationToken cancellationToken)
    {
        private readonly DeepEquality _identical = new(oldSide.Documents, newSide.Documents);

        public void Run()
        {
            // An operation written identically on both sides (with everything its references reach) has no
            // findings, unless something around it changed: the OpenAPI version or the document-level security.
            var canSkipIdentical = oldSide.IsOpenApi30 == newSide.IsOpenApi30
                && SameOrAbsent(oldSide.Documents.RootNode.Get("security"), newSide.Documents.RootNode.Get("security"));
            foreach (var (key, oldOp) in oldSide.Operations)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!newSide.Operations.TryGetValue(key, out var newOp))
                {
                    if (oldOp.Node.GetBool("deprecated"))
                    {
                        findings.Add("deprecated-operation-removed", Direction.Backward, oldOp.Node,
                            $"{oldOp.Display} was removed; it was deprecated, so this is safe only if no caller has used it within the retention window (G6): check the recorded client calls before releasing.");
                        Sunset.CheckRemoval(findings, Sunset.Operation, oldOp.Node, oldOp.Display, today);
                    }
                    else
                    {
                        findings.Add("operation-removed", Direction.Backward, oldOp.Node,
                            $"{oldOp.Display} was removed without being deprecated first: callers built against the old contract get 404 from the new server (G6).");
                    }
                    continue;
                }
                if (canSkipIdentical
                    && oldOp.PathTemplate == newOp.PathTemplate
                    && _identical.Identical(oldOp.Node, newOp.Node)
                    && SameOrAbsent(oldOp.PathItem.Get("parameters"), newOp.PathItem.Get("parameters")))
                {
                    continue;
                }
                CompareOperation(oldOp, newOp);
            }
            CompareSent(oldSide.Webhooks, newSide.Webhooks, "webhook");
            foreach (var (key, newOp) in newSide.Operations)
            {
                if (!oldSide.Operations.ContainsKey(key))
                {
                    findings.Add("operation-added", Direction.Forward, newOp.Node,
                        $"{newOp.Display} is new: old servers (rollback, mixed fleet) answer 404 to callers that use it.");
                }
            }
        }

        private bool SameOrAbsent(Node? old, Node? @new) =>
            (old, @new) switch
            {
                (null, null) => true,
                ({ } o, { } n) => _identical.Identical(o, n),
                _ => false,
            };

        private void CompareOperation(Operation o, Operation n)
        {
            var op = n.Display;
            if (!o.Node.GetBool("deprecated") && n.Node.GetBool("deprecated"))
            {
                findings.Add("operation-deprecated", Direction.Backward, n.Node, $"{op} is now deprecated: tell its callers; remove it in a later release once none calls it.");
            }
            Sunset.CheckChange(findings, Sunset.Operation, o.Node, n.Node, op);
            CompareParameters(o, n, op);
            CompareRequestBody(o, n, op);
            CompareResponses(o, n, op);
            CompareSecurity(o, n, op);
            CompareSent(o.Callbacks, n.Callbacks, "callback");
        }

        // ---- parameters ----

        private static Dictionary<string, Node> Parameters(Side side, Operation operation)
        {
            var pathParams = PathParameterPositions(operation.PathTemplate);
            var result = new Dictionary<string, Node>(StringComparer.Ordinal);
            foreach (var holder in new[] { operation.PathItem, operation.Node })
            {
                if (!holder.TryGet("parameters", out var list))
                {
                    continue;
                }
                foreach (var raw in list.Items())
                {
                    var p = side.Documents.Resolve(raw);
                    var name = p.GetString("name");
                    var location = p.GetString("in");
                    if (name is null || location is null)
                    {
                        throw DocumentSet.Error(p, "a parameter needs 'name' and 'in'");
                    }
                    var key = location switch
                    {
                        "path" when pathParams.TryGetValue(name, out var index) => $"path#{index}",
                        "header" => "header:" + name.ToLowerInvariant(),
                        _ => location + ":" + name,
                    };
                    result[key] = p; // operation-level parameters override path-level ones
                }
            }
            return result;
        }

        private static Dictionary<string, int> PathParameterPositions(string template)
        {
            var positions = new Dictionary<string, int>(StringComparer.Ordinal);
            var index = 0;
            var start = template.IndexOf('{', StringComparison.Ordinal);
            while (start >= 0)
            {
                var end = template.IndexOf('}', start);
                if (end < 0)
                {
                    break;
                }
                positions.TryAdd(template[(start + 1)..end], index++);
                start = template.IndexOf('{', end);
            }
            return positions;
        }

        private static string ParamName(Node p) => $"{p.GetString("in")} parameter '{p.GetString("name")}'";

        private static bool Required(Node p) => p.GetBool("required");

        private static string Style(Node p)
        {
            var location = p.GetString("in");
            var style = p.GetString("style") ?? (location is "query" or "cookie" ? "form" : "simple");
            var explode = p.Element.TryGetProperty("explode", out var e) ? e.ValueKind == JsonValueKind.True : style == "form";
            return $"{style}{(explode ? ", explode" : "")}";
        }

        private void CompareParameters(Operation o, Operation n, string op)
        {
            var oldParams = Parameters(oldSide, o);
            var newParams = Parameters(newSide, n);
            foreach (var (key, oldParam) in oldParams)
            {
                if (!newParams.TryGetValue(key, out var newParam))
                {
                    if (oldParam.GetString("in") == "header")
                    {
                        findings.Add("request-parameter-removed", Direction.Backward, oldParam,
                            $"{op}: {ParamName(oldParam)} was removed; callers built against the old contract still send it and rely on its effect, which the new server silently drops.",
                            Severity.Error);
                    }
                    else
                    {
                        findings.Add("request-parameter-removed", Direction.Backward, oldParam,
                            $"{op}: {ParamName(oldParam)} was removed; old callers still send it and the new server ignores it.");
                    }
                    if (Required(oldParam))
                    {
                        findings.Add("request-parameter-removed", Direction.Forward, oldParam,
                            $"{op}: required {ParamName(oldParam)} was removed; new callers do not send it and old servers (rollback, mixed fleet) reject their requests.",
                            Severity.Error);
                    }
                    Sunset.CheckRemoval(findings, Sunset.Parameter, oldParam, $"{op}: {ParamName(oldParam)}", today);
                    continue;
                }
                Sunset.CheckChange(findings, Sunset.Parameter, oldParam, newParam, $"{op}: {ParamName(newParam)}");
                if (!Required(oldParam) && Required(newParam))
                {
                    findings.Add("request-parameter-required-added", Direction.Backward, newParam,
                        $"{op}: {ParamName(newParam)} is now required; callers built against the old contract may not send it and the new server rejects them.");
                }
                else if (Required(oldParam) && !Required(newParam))
                {
                    findings.Add("request-parameter-required-removed", Direction.Forward, newParam,
                        $"{op}: {ParamName(newParam)} is no longer required; new callers may omit it and old servers (rollback, mixed fleet) reject them.");
                }
                var oldStyle = Style(oldParam);
                var newStyle = Style(newParam);
                if (oldStyle != newStyle)
                {
                    var text = $"{op}: {ParamName(newParam)} serialization changed from '{oldStyle}' to '{newStyle}'; the same value is now written differently";
                    findings.Add("request-parameter-style-changed", Direction.Backward, newParam, text + ", so the new server misreads old callers.");
                    findings.Add("request-parameter-style-changed", Direction.Forward, newParam, text + ", so old servers misread new callers.");
                }
                if (ParameterSchema(oldParam) is { } oldSchema && ParameterSchema(newParam) is { } newSchema)
                {
                    schemas.Compare(oldSchema, newSchema, SchemaChannel.Request, $"{op} {ParamName(newParam)}");
                }
            }
            foreach (var (key, newParam) in newParams)
            {
                if (oldParams.ContainsKey(key))
                {
                    continue;
                }
                if (Required(newParam))
                {
                    findings.Add("request-parameter-required-added", Direction.Backward, newParam,
                        $"{op}: new required {ParamName(newParam)}; callers built against the old contract do not send it and the new server rejects them.");
                }
                else
                {
                    findings.Add("request-parameter-added", Direction.Forward, newParam,
                        $"{op}: new optional {ParamName(newParam)}; old servers (rollback, mixed fleet) ignore it when new callers send it.");
                }
            }
        }

        private static Node? ParameterSchema(Node parameter)
        {
            if (parameter.TryGet("schema", out var schema))
            {
                return schema;
            }
            if (parameter.TryGet("content", out var content))
            {
                foreach (var (_, media) in content.Properties())
                {
                    return media.Get("schema");
                }
            }
            return null;
        }

        // ---- request bodies ----

        private void CompareRequestBody(Operation o, Operation n, string op)
        {
            var oldBody = o.Node.Get("requestBody") is { } ob ? oldSide.Documents.Resolve(ob) : (Node?)null;
            var newBody = n.Node.Get("requestBody") is { } nb ? newSide.Documents.Resolve(nb) : (Node?)null;
            if (oldBody is null && newBody is null)
            {
                return;
            }
            if (oldBody is null)
            {
                if (newBody!.Value.GetBool("required"))
                {
                    findings.Add("request-body-required-added", Direction.Backward, newBody.Value,
                        $"{op}: a required request body was added; callers built against the old contract send none and the new server rejects them.");
                }
                else
                {
                    findings.Add("request-body-added", Direction.Forward, newBody.Value,
                        $"{op}: an optional request body was added; old servers (rollback, mixed fleet) ignore it when new callers send it.");
                }
                return;
            }
            if (newBody is null)
            {
                findings.Add("request-body-removed", Direction.Backward, oldBody.Value,
                    $"{op}: the request body was removed; old callers still send one and the new server ignores or rejects it.");
                if (oldBody.Value.GetBool("required"))
                {
                    findings.Add("request-body-removed", Direction.Forward, oldBody.Value,
                        $"{op}: the required request body was removed; new callers send none and old servers (rollback, mixed fleet) reject them.", Severity.Error);
                }
                return;
            }
            var ob2 = oldBody.Value;
            var nb2 = newBody.Value;
            if (!ob2.GetBool("required") && nb2.GetBool("required"))
            {
                findings.Add("request-body-required-added", Direction.Backward, nb2,
                    $"{op}: the request body is now required; callers built against the old contract may send none and the new server rejects them.");
            }
            else if (ob2.GetBool("required") && !nb2.GetBool("required"))
            {
                findings.Add("request-body-required-removed", Direction.Forward, nb2,
                    $"{op}: the request body is no longer required; new callers may send none and old servers (rollback, mixed fleet) reject them.");
            }
            CompareContent(ob2.Get("content"), nb2.Get("content"), SchemaChannel.Request, $"{op} request body", nb2);
        }
    }
}
