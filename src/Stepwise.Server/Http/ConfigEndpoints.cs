using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Config;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Server.Http;

/// <summary>The configuration, services and releases: GET/PUT stepwise.yaml, release registration and retirement.</summary>
internal static class ConfigEndpoints
{
    public static IResult GetConfig(ServerRuntime rt) => Results.Json(Views.Config(rt.Config.Config), SnapshotJson.Options);

    public static async Task<IResult> PutConfig(HttpContext context, ServerRuntime rt)
    {
        var (yaml, error) = await Bodies.ReadTextAsync(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        var ct = context.RequestAborted;
        var token = AccessMiddleware.TokenOf(context);
        for (var attempt = 0; ; attempt++)
        {
            // Validated against the registered and retired releases as they stand, and saved only if they still do.
            var revision = await rt.Store.ConfigRevisionAsync(ct);
            EffectiveConfig built;
            try
            {
                built = EffectiveConfig.Build(yaml, "stepwise.yaml", await rt.Store.LoadReleasesAsync(ct), await rt.Store.LoadRetiredAsync(ct), revision);
            }
            catch (ConfigException e)
            {
                return Problems.BadRequest($"stepwise.yaml is invalid ({e.Errors.Count} error(s)): {e.Errors[0].Message}",
                    new Dictionary<string, object?> { ["errors"] = e.Errors.Select(x => new { x.File, x.Line, x.Column, x.Message, x.Fix }).ToList() });
            }
            var (clientRefusal, clientEvents) = await ClientPolicyChange.CheckAsync(rt, (await rt.RefreshConfigAsync(ct)).Config, built.Config, token.Name, ct);
            if (clientRefusal is not null)
            {
                return clientRefusal;
            }
            if (await rt.Store.SaveConfigAsync(yaml!, "stepwise.yaml", rt.Time.GetUtcNow(), new NewEvent("config-replaced", $"stepwise.yaml replaced by '{token.Name}'", "config"), revision, ct))
            {
                foreach (var evt in clientEvents)
                {
                    await rt.Store.AppendEventAsync(evt, rt.Time.GetUtcNow(), ct);
                }
                break;
            }
            if (attempt >= 3)
            {
                return Problems.Conflict("the configuration changed while this one was being checked (releases were registered or retired); send it again");
            }
        }
        var config = await rt.RefreshConfigAsync(ct);
        return Results.Json(Views.Config(config.Config), SnapshotJson.Options);
    }

    public static async Task<IResult> Services(ServerRuntime rt, CancellationToken ct) =>
        Results.Json(Views.Services(rt.Config.Config, await rt.Store.LoadControlStateAsync(ct), rt.Nodes.All()), SnapshotJson.Options);

    public static IResult Releases(string service, ServerRuntime rt)
    {
        var config = rt.Config;
        var declared = config.Config.FindService(service);
        return declared is null
            ? Problems.NotFound($"service '{service}' is not declared")
            : Results.Json(declared.Releases.Select(r => Views.Release(config, r)).ToList(), SnapshotJson.Options);
    }

    /// <summary>
    /// Registers a release: checked (grammar, links, contracts readable), then decided by the reconciler like every
    /// operator request (G6 contracts, G8 old clients) and stored in the same transaction, all or nothing. The same
    /// body sent again answers 200 with the existing release; another body for an existing version gets 409.
    /// </summary>
    public static async Task<IResult> RegisterRelease(string service, HttpContext context, ServerRuntime rt)
    {
        var (registration, error) = await Bodies.ReadJsonAsync<ReleaseRegistration>(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        var ct = context.RequestAborted;
        var config = await rt.RefreshConfigAsync(ct);
        var declared = config.Config.FindService(service);
        if (declared is null)
        {
            return Problems.NotFound($"service '{service}' is not declared; declare it in stepwise.yaml first");
        }
        if (RegistrationRules.Check(registration!) is { } problem)
        {
            return Problems.BadRequest($"release {service}@{Identifiers.Printable(registration!.Version ?? "")}: {problem}");
        }
        var name = $"{service}@{registration!.Version}";
        if (config.Registration(service, registration.Version) is { } existing)
        {
            return Same(existing.Registration, registration)
                ? Results.Json(Views.Release(config, declared.Find(registration.Version)!), SnapshotJson.Options)
                : Problems.Conflict($"{name} is already registered with another body; register a new version");
        }
        if (declared.Find(registration.Version) is not null)
        {
            return Problems.Conflict($"{name} is already a release of {service} (declared in stepwise.yaml); register a new version");
        }
        var release = registration.ToDeclaration();
        try
        {
            config.Config.Relink(d => d.Register(service, release));
        }
        catch (ConfigException e)
        {
            return Problems.BadRequest($"release {name} does not link ({e.Errors.Count} error(s)): {e.Errors[0].Message}",
                new Dictionary<string, object?> { ["errors"] = e.Errors.Select(x => new { x.Message, x.Fix }).ToList() });
        }
        var request = new OperatorRequest(Submissions.NewRequestId(), RequestKind.RegisterRelease, rt.Time.GetUtcNow(), Service: service, Version: registration.Version, Release: release);
        var (record, pending) = await Submissions.SubmitAsync(context, rt, request, $"register {name}", JsonSerializer.Serialize(registration, SnapshotJson.Options));
        if (pending is not null)
        {
            return pending;
        }
        if (record!.Accepted != true)
        {
            var g6 = record.Refusals.FirstOrDefault(r => r.Guarantee == GuaranteeId.G6);
            if (g6 is not null)
            {
                return Problems.Of(StatusCodes.Status422UnprocessableEntity, ProblemTypes.Incompatible, "incompatible contract", g6.Describe(),
                    new Dictionary<string, object?> { ["findings"] = g6.Findings ?? [], ["guarantee"] = "G6", ["refusals"] = record.Refusals, ["request"] = record.Request.Id });
            }
            return record.Refusals.Count > 0 ? Submissions.Refused(record) : Problems.Conflict(record.Message ?? $"registration of {name} refused");
        }
        config = await rt.RefreshConfigAsync(ct);
        var registered = config.Config.FindRelease(service, registration.Version);
        return registered is null
            ? Results.Json(new RequestOutcome(record.Request.Id, true, record.Message ?? "registered"), SnapshotJson.Options, statusCode: StatusCodes.Status202Accepted)
            : Results.Json(Views.Release(config, registered), SnapshotJson.Options, statusCode: StatusCodes.Status201Created);
    }

    /// <summary>Retires a release no node runs and no rollout targets: it leaves its service's ordering (and the version window).</summary>
    public static async Task<IResult> RetireRelease(string service, string version, HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<ReasonBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        if (rt.Config.Config.FindRelease(service, version) is null)
        {
            return Problems.NotFound($"{service}@{version} is not a release (or is retired already)");
        }
        return await Submissions.SubmitAndAnswerAsync(context, rt,
            new OperatorRequest(Submissions.NewRequestId(), RequestKind.RetireRelease, rt.Time.GetUtcNow(), Service: service, Version: version, Reason: body?.Reason),
            $"retire {service}@{version}");
    }

    private static bool Same(ReleaseRegistration a, ReleaseRegistration b) =>
        JsonSerializer.Serialize(a, SnapshotJson.Options) == JsonSerializer.Serialize(b, SnapshotJson.Options);
}
