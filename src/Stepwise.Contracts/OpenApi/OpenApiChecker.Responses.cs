using System.Text.Json;
using Stepwise.Contracts.Json;
using Stepwise.Contracts.Schemas;

namespace Stepwise.Contracts.OpenApi;

public sealed partial class OpenApiChecker
{
    private sealed partial class Comparison
    {
        // ---- responses ----

        private void CompareResponses(Operation o, Operation n, string op)
        {
            var oldResponses = Responses(o);
            var newResponses = Responses(n);
            foreach (var (status, oldRaw) in oldResponses)
            {
                if (!newResponses.TryGetValue(status, out var newRaw))
                {
                    if (!CoveredBy(status, newResponses))
                    {
                        findings.Add("response-status-removed", Direction.Forward, oldRaw,
                            $"{op}: response {status} is no longer documented; new callers do not expect it, but old servers (rollback, mixed fleet) still return it.");
                    }
                    continue;
                }
                var oldResponse = oldSide.Documents.Resolve(oldRaw);
                var newResponse = newSide.Documents.Resolve(newRaw);
                var where = $"{op} response {status}";
                if (status is not ("204" or "304"))
                {
                    // 204 and 304 carry no body (RFC 9110): content declared on them is never sent, so it is not compared.
                    CompareContent(oldResponse.Get("content"), newResponse.Get("content"), SchemaChannel.Response, where, newResponse);
                }
                CompareHeaders(oldResponse, newResponse, where);
            }
            var removedSuccess = oldResponses.Keys.Where(s => IsSuccess(s) && !newResponses.ContainsKey(s)).ToList();
            var addedSuccess = newResponses.Keys.Where(s => IsSuccess(s) && !oldResponses.ContainsKey(s)).ToList();
            var successReplaced = removedSuccess.Count > 0 && addedSuccess.Count > 0;
            if (successReplaced)
            {
                findings.Add("response-success-status-changed", Direction.Backward, newResponses[addedSuccess[0]],
                    $"{op}: the success status changed from {string.Join(", ", removedSuccess)} to {string.Join(", ", addedSuccess)}; callers built against the old contract that check for {removedSuccess[0]} treat the new server's {addedSuccess[0]} as a failure.");
            }
            foreach (var (status, newRaw) in newResponses)
            {
                if (successReplaced && IsSuccess(status))
                {
                    continue; // reported as the success status change above
                }
                if (!oldResponses.ContainsKey(status) && !CoveredBy(status, oldResponses))
                {
                    var handled = HandledAlready(status, oldResponses);
                    findings.Add("response-status-added", Direction.Backward, newRaw,
                        $"{op}: response {status} is new; " + (handled ?? "callers built against the old contract may not handle it."),
                        handled is null ? null : Severity.Info);
                }
            }
        }

        /// <summary>
        /// Why callers built against the old contract handle a new error status already, or null when they may not. HTTP
        /// clients read a status they do not know by its class (RFC 9110, section 15): a new 4xx where the old operation
        /// documented a 4xx reaches a path those callers have, and a 5xx can come from any server on any call.
        /// </summary>
        private static string? HandledAlready(string status, Dictionary<string, Node> oldResponses)
        {
            if (status.Length != 3 || !(char.IsAsciiDigit(status[1]) || status[1] == 'X') || !(char.IsAsciiDigit(status[2]) || status[2] == 'X'))
            {
                return null; // default, or not a status
            }
            if (status[0] == '5')
            {
                return "a server error can come from any server on any call, so callers handle it whether or not the old contract listed it.";
            }
            return status[0] == '4' && oldResponses.Keys.FirstOrDefault(s => s.Length == 3 && s[0] == '4') is { } known
                ? $"callers built against the old contract handle {known} from it already and read a 4xx status they do not know by its class (RFC 9110, section 15)."
                : null;
        }

        private static Dictionary<string, Node> Responses(Operation operation)
        {
            var result = new Dictionary<string, Node>(StringComparer.Ordinal);
            if (operation.Node.TryGet("responses", out var responses))
            {
                foreach (var (status, response) in responses.Properties())
                {
                    if (!status.StartsWith("x-", StringComparison.Ordinal))
                    {
                        result[status.ToUpperInvariant()] = response;
                    }
                }
            }
            return result;
        }

        /// <summary>An explicit 2xx status (not the 2XX class or default).</summary>
        private static bool IsSuccess(string status) => status.Length == 3 && status[0] == '2' && char.IsAsciiDigit(status[1]) && char.IsAsciiDigit(status[2]);

        /// <summary>A status is still described when the other side documents its class ("4XX") or a default response.</summary>
        private static bool CoveredBy(string status, Dictionary<string, Node> responses) =>
            responses.ContainsKey("DEFAULT") || (status.Length == 3 && char.IsAsciiDigit(status[0]) && responses.ContainsKey(status[0] + "XX"));

        private void CompareHeaders(Node oldResponse, Node newResponse, string where)
        {
            var oldHeaders = Headers(oldSide, oldResponse);
            var newHeaders = Headers(newSide, newResponse);
            foreach (var (name, oldHeader) in oldHeaders)
            {
                if (!newHeaders.TryGetValue(name, out var newHeader))
                {
                    var required = oldHeader.GetBool("required");
                    findings.Add("response-header-removed", Direction.Backward, oldHeader,
                        $"{where}: header '{name}' is no longer sent; old callers that read it lose it.", required ? Severity.Error : Severity.Warning);
                    continue;
                }
                if (!oldHeader.GetBool("required") && newHeader.GetBool("required"))
                {
                    findings.Add("response-header-required-added", Direction.Forward, newHeader,
                        $"{where}: header '{name}' is now required; new callers rely on it but old servers (rollback, mixed fleet) may not send it.");
                }
                else if (oldHeader.GetBool("required") && !newHeader.GetBool("required"))
                {
                    findings.Add("response-header-required-removed", Direction.Backward, newHeader,
                        $"{where}: header '{name}' is no longer required; old callers rely on it and the new server may omit it.");
                }
                if (ParameterSchema(oldHeader) is { } oldSchema && ParameterSchema(newHeader) is { } newSchema)
                {
                    schemas.Compare(oldSchema, newSchema, SchemaChannel.Response, $"{where} header '{name}'");
                }
            }
            foreach (var (name, newHeader) in newHeaders)
            {
                if (!oldHeaders.ContainsKey(name) && newHeader.GetBool("required"))
                {
                    findings.Add("response-header-required-added", Direction.Forward, newHeader,
                        $"{where}: new required header '{name}'; new callers rely on it but old servers (rollback, mixed fleet) do not send it.");
                }
            }
        }

        private static Dictionary<string, Node> Headers(Side side, Node response)
        {
            var result = new Dictionary<string, Node>(StringComparer.Ordinal);
            if (response.TryGet("headers", out var headers))
            {
                foreach (var (name, header) in headers.Properties())
                {
                    result.TryAdd(name.ToLowerInvariant(), side.Documents.Resolve(header));
                }
            }
            return result;
        }

        // ---- security ----

        private static List<Dictionary<string, HashSet<string>>> Security(Side side, Operation operation)
        {
            var holder = operation.Node.Get("security") ?? side.Documents.RootNode.Get("security");
            var alternatives = new List<Dictionary<string, HashSet<string>>>();
            if (holder is not { } list || list.Element.ValueKind != JsonValueKind.Array)
            {
                alternatives.Add([]); // no requirement: anonymous calls are accepted
                return alternatives;
            }
            foreach (var requirement in list.Items())
            {
                var alternative = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
                foreach (var (scheme, scopes) in requirement.Properties())
                {
                    alternative[scheme] = scopes.Items().Where(s => s.Element.ValueKind == JsonValueKind.String).Select(s => s.Element.GetString()!).ToHashSet(StringComparer.Ordinal);
                }
                alternatives.Add(alternative);
            }
            if (alternatives.Count == 0)
            {
                alternatives.Add([]); // "security: []" switches security off for the operation
            }
            return alternatives;
        }

        /// <summary>True when a caller presenting <paramref name="presented"/> meets <paramref name="demanded"/>.</summary>
        private static bool Satisfies(Dictionary<string, HashSet<string>> presented, Dictionary<string, HashSet<string>> demanded) =>
            demanded.All(d => presented.TryGetValue(d.Key, out var scopes) && d.Value.IsSubsetOf(scopes));

        private static string Describe(Dictionary<string, HashSet<string>> alternative) =>
            alternative.Count == 0 ? "no authentication" : string.Join(" + ", alternative.Select(a => a.Value.Count == 0 ? a.Key : $"{a.Key} [{string.Join(", ", a.Value.Order(StringComparer.Ordinal))}]"));

        private void CompareSecurity(Operation o, Operation n, string op)
        {
            var oldAlternatives = Security(oldSide, o);
            var newAlternatives = Security(newSide, n);
            var at = n.Node.Get("security") ?? n.Node;
            // Old callers present one of the old alternatives: the new server must accept it.
            foreach (var presented in oldAlternatives)
            {
                if (newAlternatives.Any(demanded => Satisfies(presented, demanded)))
                {
                    continue;
                }
                var sameSchemes = newAlternatives.FirstOrDefault(d => d.Keys.ToHashSet().SetEquals(presented.Keys));
                findings.Add(sameSchemes is not null ? "security-scope-added" : "security-requirement-added", Direction.Backward, at,
                    $"{op}: callers presenting {Describe(presented)} (enough for the old contract) are rejected by the new server, which requires {string.Join(" or ", newAlternatives.Select(Describe))}.");
            }
            // New callers present one of the new alternatives: old servers must accept it.
            foreach (var presented in newAlternatives)
            {
                if (oldAlternatives.Any(demanded => Satisfies(presented, demanded)))
                {
                    continue;
                }
                var sameSchemes = oldAlternatives.FirstOrDefault(d => d.Keys.ToHashSet().SetEquals(presented.Keys));
                findings.Add(sameSchemes is not null ? "security-scope-removed" : "security-requirement-removed", Direction.Forward, at,
                    $"{op}: new callers presenting {Describe(presented)} are rejected by old servers (rollback, mixed fleet), which require {string.Join(" or ", oldAlternatives.Select(Describe))}.");
            }
        }
    }
}
