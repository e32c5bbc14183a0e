using Stepwise.Api;
using Stepwise.Core.Clients;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>
/// Old clients (G8): services report which client app and version called which operation (telemetry), read the client
/// policy their Stepwise.Clients middleware applies, and operators see who calls what.
/// </summary>
internal static class ClientsEndpoints
{
    /// <summary>How often a service is told to read the policy again when no telemetry answer brings it.</summary>
    public const int RefreshSeconds = 60;

    public const int MaxCallsPerBody = 5_000;
    public const long MaxCount = 1_000_000_000;
    public const long MaxDropped = 1_000_000_000_000;
    public const int MaxTelemetryBytes = 1 << 20;

    /// <summary>
    /// POST telemetry: validated like a heartbeat (size, grammar, sane counts), then summed by day; only for the service
    /// the token reports for (a service token's service, or the service of an agent token's node).
    /// </summary>
    public static async Task<IResult> Telemetry(HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<ClientTelemetryBody>(context, Math.Min(MaxTelemetryBytes, rt.Options.MaxBodyBytes), options: ClientCallCountReader.Options);
        if (error is not null)
        {
            return error;
        }
        var (calls, problem) = Check(body!);
        if (problem is not null)
        {
            return Problems.BadRequest($"telemetry: {problem}");
        }
        var config = rt.Config.Config;
        var service = config.FindService(body!.Service);
        if (service is null)
        {
            return Problems.BadRequest($"telemetry: service '{body.Service}' is not declared; declare it in stepwise.yaml (PUT {Routes.Config})");
        }
        var token = AccessMiddleware.TokenOf(context);
        if (token.Service is not null)
        {
            if (token.Service != service.Name)
            {
                return Problems.Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "forbidden",
                    $"token '{token.Name}' reports for service '{token.Service}', not for service '{service.Name}'");
            }
        }
        else if ((token.Node is null ? null : rt.Nodes.Find(token.Node)) is var node && (node is null || node.Service != service.Name))
        {
            return Problems.Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "forbidden",
                node is null
                    ? $"token '{token.Name}' is for node '{token.Node}', which has not reported a heartbeat yet; telemetry is taken for the service of a known node"
                    : $"token '{token.Name}' reports for node '{node.Id}' of service '{node.Service}', not for service '{service.Name}'");
        }
        var now = rt.Time.GetUtcNow();
        var refused = rt.ClientCallLedger.Add(service.Name, calls!, now);
        Interlocked.Add(ref rt.Counters.ClientCalls, calls!.Sum(c => c.Count) - refused);
        Interlocked.Add(ref rt.Counters.ClientCallsDropped, (body.Dropped ?? 0) + refused);
        return Results.Json(new ClientTelemetryAccepted(calls!.Count, PolicyFor(rt, service, body.Release)), SnapshotJson.Options, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>GET policy?service=&amp;release=.</summary>
    public static IResult Policy(HttpContext context, ServerRuntime rt)
    {
        var query = context.Request.Query;
        var name = query["service"].ToString();
        var release = query["release"].Count > 0 && query["release"].ToString().Length > 0 ? query["release"].ToString() : null;
        if (Identifiers.CheckId(name, "service") is { } badService)
        {
            return Problems.BadRequest($"?service: {badService}");
        }
        if (release is not null && Identifiers.CheckVersion(release, "release") is { } badRelease)
        {
            return Problems.BadRequest($"?release: {badRelease}");
        }
        var service = rt.Config.Config.FindService(name);
        return service is null
            ? Problems.NotFound($"service '{name}' is not declared")
            : Results.Json(PolicyFor(rt, service, release), SnapshotJson.Options);
    }

    /// <summary>GET clients?service=&amp;operation=: who called what within the window, by client version, with last seen and share.</summary>
    public static async Task<IResult> Clients(HttpContext context, ServerRuntime rt)
    {
        var query = context.Request.Query;
        var service = query["service"].Count > 0 ? query["service"].ToString() : null;
        var operation = query["operation"].Count > 0 ? query["operation"].ToString() : null;
        if (service is not null && Identifiers.CheckId(service, "service") is { } badService)
        {
            return Problems.BadRequest($"?service: {badService}");
        }
        if (operation is not null && ClientVersions.CheckOperation(operation) is { } badOperation)
        {
            return Problems.BadRequest($"?operation: {badOperation}");
        }
        var window = rt.Config.Config.Policy.Retention.ClientTelemetry;
        var calls = await rt.ClientCallLedger.LoadAsync(rt.Time.GetUtcNow() - window, service, operation, context.RequestAborted);
        return Results.Json(View(calls), SnapshotJson.Options);
    }

    /// <summary>Rows ordered by service, operation, then most calls first; share is of the operation's calls.</summary>
    public static List<ClientView> View(IReadOnlyList<ClientCalls> calls)
    {
        var totals = new Dictionary<(string, string), double>();
        foreach (var c in calls)
        {
            totals[(c.Service, c.Operation)] = totals.GetValueOrDefault((c.Service, c.Operation)) + c.Calls;
        }
        return calls
            .OrderBy(c => c.Service, StringComparer.Ordinal).ThenBy(c => c.Operation, StringComparer.Ordinal)
            .ThenByDescending(c => c.Calls).ThenBy(c => c.App, StringComparer.Ordinal).ThenBy(c => c.Version, StringComparer.Ordinal)
            .Select(c => new ClientView(c.Service, c.Operation, c.App, c.Version, c.Calls, c.LastSeen, Math.Round(c.Calls / totals[(c.Service, c.Operation)], 4)))
            .ToList();
    }

    /// <summary>The policy of a service as seen from <paramref name="release"/> (its newest release when null or unknown).</summary>
    public static ClientPolicyView PolicyFor(ServerRuntime rt, Service service, string? release)
    {
        var config = rt.Config.Config;
        var minimums = config.Policy.ClientRules.MinimumVersions.Select(m => new MinimumVersionView(m.App, m.Version)).ToList();
        var seenFrom = service.Find(release) ?? (service.Releases.Count > 0 ? service.Releases[^1] : null);
        if (seenFrom is null)
        {
            return new ClientPolicyView(service.Name, release, minimums, [], [], RefreshSeconds);
        }
        return new ClientPolicyView(service.Name, release, minimums,
            OperationHistory.Removed(service, seenFrom).Select(r => new RemovedOperationView(r.Operation, r.RemovedIn)).ToList(),
            OperationHistory.Deprecated(service, seenFrom).Select(d => new DeprecatedOperationView(d.Operation, d.DeprecatedIn)).ToList(),
            RefreshSeconds);
    }

    /// <summary>
    /// Every field within its grammar and bounds (docs/clients.md): ids, versions, operation keys, 1 ≤ count ≤ 10^9,
    /// at most 5,000 entries with no key twice, 0 ≤ dropped ≤ 10^12, from ≤ to. Returns the normalised calls.
    /// </summary>
    public static (List<(string App, string Version, string Operation, long Count)>? Calls, string? Problem) Check(ClientTelemetryBody body)
    {
        var problem = Identifiers.CheckId(body.Service, "service")
            ?? (body.Release is not null ? Identifiers.CheckVersion(body.Release, "release") : null)
            ?? (body.Instance is not null ? Identifiers.CheckId(body.Instance, "instance") : null)
            ?? (body.From is null || body.To is null ? "from and to are required (the window the counts cover, ISO 8601 times)" : null)
            ?? (body.From > body.To ? $"from ({body.From:O}) is after to ({body.To:O})" : null)
            ?? (body.Calls is null ? "calls is required (an empty list when nothing was called)" : null)
            ?? (body.Calls!.Count > MaxCallsPerBody ? $"calls has {body.Calls.Count} entries; send at most {MaxCallsPerBody:N0} per body" : null)
            ?? (body.Dropped is < 0 or > MaxDropped ? $"dropped must be 0 to {MaxDropped:N0} (got {body.Dropped})" : null);
        if (problem is not null)
        {
            return (null, problem);
        }
        var calls = new List<(string, string, string, long)>(body.Calls!.Count);
        var keys = new HashSet<(string, string, string)>(body.Calls.Count);
        // Where an entry is, named only when it is wrong: a body of valid entries builds no message.
        static string At(int i, string field = "") => $"calls[{i}]{field}";
        for (var i = 0; i < body.Calls!.Count; i++)
        {
            var entry = body.Calls[i];
            if (entry is null)
            {
                return (null, $"{At(i)} is null");
            }
            string? version;
            if (entry.App == ClientVersions.Unknown || entry.Version == ClientVersions.Unknown)
            {
                if (entry.App != entry.Version)
                {
                    return (null, $"{At(i)}: app and version are both 'unknown' or neither is (got {Identifiers.Printable(entry.App ?? "")}/{Identifiers.Printable(entry.Version ?? "")})");
                }
                version = ClientVersions.Unknown;
            }
            else
            {
                if (ClientVersions.CheckApp(entry.App) is not null)
                {
                    return (null, ClientVersions.CheckApp(entry.App, At(i, ".app")));
                }
                version = ClientVersions.Normalise(entry.Version);
                if (version is null)
                {
                    return (null, ClientVersions.CheckVersion(entry.Version, At(i, ".version")));
                }
            }
            if (ClientVersions.CheckOperation(entry.Operation) is not null)
            {
                return (null, ClientVersions.CheckOperation(entry.Operation, At(i, ".operation")));
            }
            if (entry.Count is not { } count || count < 1 || count > MaxCount)
            {
                return (null, $"{At(i, ".count")} must be 1 to {MaxCount:N0} (got {(entry.Count is null ? "none" : entry.Count)})");
            }
            if (!keys.Add((entry.App!, version, entry.Operation!)))
            {
                return (null, $"{At(i)}: {entry.App}/{version} {Identifiers.Printable(entry.Operation!)} is listed twice; send one entry per (app, version, operation)");
            }
            calls.Add((entry.App!, version, entry.Operation!, count));
        }
        return (calls, null);
    }
}
