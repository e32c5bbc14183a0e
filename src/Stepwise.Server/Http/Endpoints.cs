using System.Globalization;
using System.Text;
using System.Text.Json;
using Stepwise.Api;
using Stepwise.Contracts;
using Stepwise.Core.Config;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Server.Store;

namespace Stepwise.Server.Http;

/// <summary>A plan with its progress (GET /api/v1/plans).</summary>
public sealed record PlanView(string Id, IReadOnlyList<PlanStep> Steps, PlanProgress? Progress);

/// <summary>A data change with the state of every phase on every store (GET /api/v1/data-changes).</summary>
public sealed record DataChangeView(string Id, IReadOnlyList<string> Stores, IReadOnlyList<DataPhaseKind> Phases, IReadOnlyList<DataPhaseStatus> States);

/// <summary>The /api/v1 endpoints (see <see cref="Routes"/>). Operator actions become requests the reconciler completes or refuses.</summary>
public static class Endpoints
{
    private const int MaxNameLength = 200;

    public static void Map(WebApplication app)
    {
        var read = new RequiresAccess(AccessLevel.Read);
        var admin = new RequiresAccess(AccessLevel.Admin);

        app.MapGet(Routes.Liveness, () => Results.Text("ok")).WithMetadata(new RequiresAccess(AccessLevel.Anonymous)).ExcludeFromDescription();
        app.MapGet(Routes.Metrics, Metrics).WithMetadata(read).Produces<string>(contentType: "text/plain");

        app.MapPost(Routes.Heartbeat, Heartbeat).WithMetadata(new RequiresAccess(AccessLevel.Agent))
            .Accepts<Heartbeat>("application/json").Produces<HeartbeatReply>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(413);

        app.MapGet(Routes.Config, (ServerRuntime rt) => Results.Json(rt.Config.Config, SnapshotJson.Options)).WithMetadata(read).Produces<StepwiseConfig>();
        app.MapPut(Routes.Config, PutConfig).WithMetadata(admin).Accepts<string>("application/yaml").Produces<StepwiseConfig>().ProducesProblem(400);

        app.MapGet(Routes.Services, Services).WithMetadata(read).Produces<List<ServiceView>>();
        app.MapGet(Routes.Releases, Releases).WithMetadata(read).Produces<List<ReleaseView>>().ProducesProblem(404);
        app.MapPost(Routes.Releases, RegisterRelease).WithMetadata(admin)
            .Accepts<ReleaseRegistration>("application/json").Produces<ReleaseView>(201).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);

        app.MapGet(Routes.Nodes, (ServerRuntime rt) => Results.Json(rt.Nodes.All().Select(NodeViewOf).ToList(), SnapshotJson.Options)).WithMetadata(read).Produces<List<NodeView>>();
        app.MapPost(Routes.DecommissionNode, Decommission).WithMetadata(admin).Accepts<ReasonBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);

        app.MapGet(Routes.Rollouts, Rollouts).WithMetadata(read).Produces<List<RolloutView>>();
        app.MapPost(Routes.Rollouts, StartRollout).WithMetadata(admin).Accepts<StartRolloutBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);
        app.MapGet(Routes.Rollout, Rollout).WithMetadata(read).Produces<RolloutView>().ProducesProblem(404);
        app.MapPost(Routes.RolloutAction, RolloutAction).WithMetadata(admin).Accepts<ReasonBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);

        app.MapGet(Routes.Plans, Plans).WithMetadata(read).Produces<List<PlanView>>();
        app.MapPost(Routes.StartPlan, StartPlan).WithMetadata(admin).Accepts<ReasonBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);

        app.MapGet(Routes.DataChanges, DataChanges).WithMetadata(read).Produces<List<DataChangeView>>();
        app.MapPost(Routes.RunDataPhase, RunDataPhase).WithMetadata(admin).Accepts<DataPhaseBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);

        app.MapGet(Routes.Overrides, async (ServerRuntime rt, CancellationToken ct) =>
            Results.Json((await rt.Store.LoadControlStateAsync(ct)).Overrides, SnapshotJson.Options)).WithMetadata(read).Produces<List<Override>>();
        app.MapPost(Routes.Overrides, AddOverride).WithMetadata(admin).Accepts<OverrideBody>("application/json").Produces<Override>(201).ProducesProblem(400);

        app.MapGet(Routes.Events, Events).WithMetadata(read).Produces<List<EventView>>().ProducesProblem(400);
        app.MapGet(Routes.Alerts, async (ServerRuntime rt, CancellationToken ct) =>
            Results.Json((await rt.Store.LoadControlStateAsync(ct)).Alerts, SnapshotJson.Options)).WithMetadata(read).Produces<List<Alert>>();

        app.MapPost(Routes.Tokens, CreateToken).WithMetadata(admin).Accepts<TokenBody>("application/json").Produces<TokenCreated>(201).ProducesProblem(400);
    }

    // ---------------------------------------------------------------- agents

    private static async Task<IResult> Heartbeat(HttpContext context, ServerRuntime rt)
    {
        var (hb, error) = await Bodies.ReadJsonAsync<Heartbeat>(context, rt.Options.MaxHeartbeatBytes);
        if (error is not null)
        {
            return error;
        }
        var problem = CheckName(hb!.Node, "node") ?? CheckName(hb.Service, "service")
            ?? (hb.Release is not null ? CheckName(hb.Release, "release") : null)
            ?? (hb.Requests < 0 || hb.Errors < 0 || hb.Errors > hb.Requests ? "requests and errors must be counts with 0 <= errors <= requests" : null)
            ?? (hb.LatencyMs is null ? "latencyMs is required (an empty list when nothing was served)" : null)
            ?? (hb.LatencyMs!.Count > 1000 ? $"latencyMs has {hb.LatencyMs.Count} samples; send at most 1000 per heartbeat" : null)
            ?? (hb.LatencyMs.Any(v => !double.IsFinite(v) || v < 0) ? "latencyMs holds a negative or non-finite value" : null)
            ?? (!Enum.IsDefined(hb.Health) ? "health must be unknown, healthy or unhealthy" : null);
        if (problem is not null)
        {
            return Problems.BadRequest($"heartbeat: {problem}");
        }
        var token = AccessMiddleware.TokenOf(context);
        if (!string.Equals(token.Node, hb.Node, StringComparison.Ordinal))
        {
            return Problems.Of(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "forbidden",
                $"token '{token.Name}' reports for node '{token.Node}' only, not for '{hb.Node}'");
        }
        var config = rt.Config;
        if (config.Config.FindService(hb.Service) is null)
        {
            return Problems.BadRequest($"heartbeat: service '{hb.Service}' is not declared; declare it in stepwise.yaml (PUT {Routes.Config})");
        }
        if (rt.Nodes.Find(hb.Node) is { } known && known.Service != hb.Service)
        {
            return Problems.Conflict($"node '{hb.Node}' belongs to service '{known.Service}', not '{hb.Service}'; a node serves one service");
        }
        var now = rt.Time.GetUtcNow();
        var node = rt.Nodes.Report(hb.Node, hb.Service, hb.Release, hb.Health, now);
        rt.Samples.Add(hb.Node, hb.Service, hb.Release, hb.Requests, hb.Errors, hb.LatencyMs!);
        Interlocked.Increment(ref rt.Counters.Heartbeats);
        var reply = new HeartbeatReply(node.Id, node.DesiredRelease, MayServe(node), node.State, config.ArtifactOf(node.Service, node.DesiredRelease), rt.Options.HeartbeatSeconds);
        return Results.Json(reply, SnapshotJson.Options);
    }

    /// <summary>
    /// A node may serve only while the controller holds it Active or Draining: new and returning nodes wait (Offline)
    /// until Decide admits them, quarantined nodes until they are released (G2).
    /// </summary>
    public static bool MayServe(Node node) => node.State is NodeState.Active or NodeState.Draining;

    // ---------------------------------------------------------------- configuration and releases

    private static async Task<IResult> PutConfig(HttpContext context, ServerRuntime rt)
    {
        var (yaml, error) = await Bodies.ReadTextAsync(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        var ct = context.RequestAborted;
        try
        {
            EffectiveConfig.Build(yaml, "stepwise.yaml", await rt.Store.LoadReleasesAsync(ct), 0);
        }
        catch (ConfigException e)
        {
            return Problems.BadRequest($"stepwise.yaml is invalid ({e.Errors.Count} error(s)): {e.Errors[0].Message}",
                new Dictionary<string, object?> { ["errors"] = e.Errors.Select(x => new { x.File, x.Line, x.Column, x.Message, x.Fix }).ToList() });
        }
        var token = AccessMiddleware.TokenOf(context);
        await rt.Store.SaveConfigAsync(yaml!, "stepwise.yaml", rt.Time.GetUtcNow(), new NewEvent("config-replaced", $"stepwise.yaml replaced by '{token.Name}'", "config"), ct);
        var config = await rt.RefreshConfigAsync(ct);
        return Results.Json(config.Config, SnapshotJson.Options);
    }

    private static IResult Releases(string service, ServerRuntime rt)
    {
        var config = rt.Config;
        var declared = config.Config.FindService(service);
        if (declared is null)
        {
            return Problems.NotFound($"service '{service}' is not declared");
        }
        return Results.Json(declared.Releases.Select(r => ReleaseViewOf(config, r)).ToList(), SnapshotJson.Options);
    }

    private static ReleaseView ReleaseViewOf(EffectiveConfig config, Release r) =>
        new(r.Service, r.Version, r.Ordinal, config.ArtifactOf(r.Service, r.Version), r.Provides, r.Deprecates,
            r.Needs.Select(n => r.NeedsExpandOnly?.Contains(n) == true ? n + ":expand" : n).ToList(), r.UsesOldShapeOf,
            config.Registration(r.Service, r.Version)?.RegisteredAt);

    private static async Task<IResult> RegisterRelease(string service, HttpContext context, ServerRuntime rt, ReleaseContracts contracts)
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
        var problem = CheckRegistration(registration!, config.Config);
        if (problem is not null)
        {
            return Problems.BadRequest($"release {service}@{registration!.Version}: {problem}");
        }
        if (declared.Find(registration!.Version) is not null)
        {
            return Problems.Conflict($"{service}@{registration.Version} is already a release of {service}; register a new version");
        }
        var previous = declared.Releases.Count > 0 ? declared.Releases[^1] : null;
        var previousContracts = previous is null ? [] : config.Registration(service, previous.Version)?.Registration.Contracts ?? [];
        ContractCheckResult check;
        try
        {
            check = contracts.Check(previousContracts, registration.Contracts ?? [], ct);
        }
        catch (ContractInputException e)
        {
            return Problems.BadRequest($"release {service}@{registration.Version}: a contract cannot be read: {e.Message}");
        }
        catch (FormatException e)
        {
            return Problems.BadRequest($"release {service}@{registration.Version}: a protobuf contract is not base64: {e.Message}");
        }
        if (check.Breaking.Count > 0)
        {
            return Problems.Of(StatusCodes.Status422UnprocessableEntity, ProblemTypes.Incompatible, "incompatible contract",
                $"refused (G6 compatible-contracts): {service}@{registration.Version} breaks {check.Breaking.Count} rule(s) against {previous}: {check.Breaking[0].RuleId} at {check.Breaking[0].Location}: {check.Breaking[0].Message}",
                new Dictionary<string, object?> { ["findings"] = check.Breaking, ["guarantee"] = "G6" });
        }
        var token = AccessMiddleware.TokenOf(context);
        var now = rt.Time.GetUtcNow();
        var note = check.Notes(previous?.ToString());
        var added = await rt.Store.AddReleaseAsync(new RegisteredRelease(service, registration, now),
            new NewEvent("release-registered", $"{service}@{registration.Version} registered by '{token.Name}'{note}", $"{service}@{registration.Version}",
                JsonSerializer.Serialize(new { registration.Version, check.Other, check.Unchecked }, SnapshotJson.Options)), ct);
        if (!added)
        {
            return Problems.Conflict($"{service}@{registration.Version} is already registered");
        }
        config = await rt.RefreshConfigAsync(ct);
        var release = config.Config.FindRelease(service, registration.Version)!;
        return Results.Json(ReleaseViewOf(config, release), SnapshotJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static string Notes(this ContractCheckResult check, string? previous) =>
        check.Unchecked.Count > 0 ? $"; contracts not compared with {previous} (no checker for {string.Join(", ", check.Unchecked)})" : "";

    private static string? CheckRegistration(ReleaseRegistration r, StepwiseConfig config)
    {
        if (CheckName(r.Version, "version") is { } v)
        {
            return v;
        }
        if (r.Artifact is null || string.IsNullOrWhiteSpace(r.Artifact.Command))
        {
            return "artifact.command is required (how an agent starts this release)";
        }
        if (r.Artifact.Arguments is null)
        {
            return "artifact.arguments is required (an empty list when there are none)";
        }
        foreach (var need in r.Needs ?? [])
        {
            var change = need.EndsWith(":expand", StringComparison.Ordinal) ? need[..^":expand".Length] : need;
            if (config.FindChange(change) is null)
            {
                return $"needs '{need}', which is not a declared data change";
            }
        }
        foreach (var change in r.UsesOldShapeOf ?? [])
        {
            if (config.FindChange(change) is null)
            {
                return $"usesOldShapeOf '{change}', which is not a declared data change";
            }
        }
        foreach (var call in r.Calls ?? [])
        {
            if (call is null || config.FindService(call.Service) is null || string.IsNullOrWhiteSpace(call.Operation))
            {
                return $"calls '{call}', which does not name a declared service and an operation";
            }
        }
        foreach (var contract in r.Contracts ?? [])
        {
            if (contract is null || ReleaseContracts.KindOf(contract.Kind ?? "") is null)
            {
                return $"contract kind '{contract?.Kind}' is not openapi, protobuf or jsonschema";
            }
            if (string.IsNullOrWhiteSpace(contract.Content))
            {
                return $"the {contract.Kind} contract is empty";
            }
        }
        if ((r.Contracts ?? []).GroupBy(c => ReleaseContracts.KindOf(c.Kind)).Any(g => g.Count() > 1))
        {
            return "at most one contract of each kind";
        }
        return null;
    }

    // ---------------------------------------------------------------- views

    private static async Task<IResult> Services(ServerRuntime rt, CancellationToken ct)
    {
        var config = rt.Config.Config;
        var control = await rt.Store.LoadControlStateAsync(ct);
        var nodes = rt.Nodes.All();
        var list = config.Services.Select(s => new ServiceView(
            s.Name,
            control.Services.FirstOrDefault(x => x.Service == s.Name)?.Current,
            s.DependsOn.Select(d => d.Service).ToList(),
            s.Releases.Select(r => r.Version).ToList(),
            control.Rollouts.LastOrDefault(r => r.Service == s.Name && r.InFlight)?.Id,
            nodes.Where(n => n.Service == s.Name && n.Counts).GroupBy(n => n.ActualRelease ?? "none").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)))
            .ToList();
        return Results.Json(list, SnapshotJson.Options);
    }

    private static NodeView NodeViewOf(Node n) => new(n.Id, n.Service, n.ActualRelease, n.DesiredRelease, n.Health, n.State, n.LastHeartbeat, n.StateSince, MayServe(n));

    private static RolloutView RolloutViewOf(Rollout r, List<Node> nodes)
    {
        var mine = nodes.Where(n => n.Service == r.Service && n.Counts).ToList();
        return new RolloutView(r.Id, r.Service, r.From, r.To, r.Phase, r.Wave, r.PhaseSince, r.CanaryNodes, r.Reason, r.Plan,
            mine.Count(n => n.ActualRelease == r.To), mine.Count);
    }

    private static async Task<IResult> Rollouts(ServerRuntime rt, CancellationToken ct)
    {
        var control = await rt.Store.LoadControlStateAsync(ct);
        var nodes = rt.Nodes.All();
        return Results.Json(control.Rollouts.Select(r => RolloutViewOf(r, nodes)).ToList(), SnapshotJson.Options);
    }

    private static async Task<IResult> Rollout(string rollout, ServerRuntime rt, CancellationToken ct)
    {
        var found = (await rt.Store.LoadControlStateAsync(ct)).Rollouts.LastOrDefault(r => r.Id == rollout);
        return found is null ? Problems.NotFound($"no rollout '{rollout}'") : Results.Json(RolloutViewOf(found, rt.Nodes.All()), SnapshotJson.Options);
    }

    private static async Task<IResult> Plans(ServerRuntime rt, CancellationToken ct)
    {
        var control = await rt.Store.LoadControlStateAsync(ct);
        return Results.Json(rt.Config.Config.Plans.Select(p => new PlanView(p.Id, p.Steps, control.Plans.FirstOrDefault(x => x.Plan == p.Id))).ToList(), SnapshotJson.Options);
    }

    private static async Task<IResult> DataChanges(ServerRuntime rt, CancellationToken ct)
    {
        var control = await rt.Store.LoadControlStateAsync(ct);
        return Results.Json(rt.Config.Config.DataChanges.Select(c => new DataChangeView(c.Id, c.Stores, c.Phases.ToList(),
            control.DataPhases.Where(p => p.Change == c.Id).ToList())).ToList(), SnapshotJson.Options);
    }

    private static async Task<IResult> Events(HttpContext context, ServerRuntime rt)
    {
        var query = context.Request.Query;
        long after = 0;
        var limit = 100;
        if (query.TryGetValue("after", out var a) && !long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            return Problems.BadRequest($"after={a} is not an event id (a whole number >= 0)");
        }
        if (query.TryGetValue("limit", out var l) && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return Problems.BadRequest($"limit={l} must be a whole number from 1 to 1000");
        }
        return Results.Json(await rt.Store.EventsAsync(after, limit, context.RequestAborted), SnapshotJson.Options);
    }

    private static IResult Metrics(ServerRuntime rt)
    {
        var nodes = rt.Nodes.All();
        var text = new StringBuilder();
        void Line(string name, string help, string type, IEnumerable<(string Labels, double Value)> values)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in values)
            {
                text.Append(name).Append(labels).Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        Line("stepwise_heartbeats_total", "Heartbeats accepted by this replica.", "counter", [("", Interlocked.Read(ref rt.Counters.Heartbeats))]);
        Line("stepwise_reconciler_ticks_total", "Reconciler ticks on this replica.", "counter", [("", Interlocked.Read(ref rt.Counters.Ticks))]);
        Line("stepwise_reconciler_tick_failures_total", "Reconciler ticks that failed (retried from the store).", "counter", [("", Interlocked.Read(ref rt.Counters.TickFailures))]);
        Line("stepwise_decision_batches_total", "Decision batches committed by this replica.", "counter", [("", Interlocked.Read(ref rt.Counters.DecisionBatches))]);
        Line("stepwise_leader", "1 when this replica runs the reconciler.", "gauge", [("", rt.IsLeader ? 1 : 0)]);
        Line("stepwise_nodes", "Nodes by service and state.", "gauge",
            nodes.GroupBy(n => (n.Service, n.State)).Select(g => ($"{{service=\"{g.Key.Service}\",state=\"{g.Key.State.ToString().ToLowerInvariant()}\"}}", (double)g.Count())));
        return Results.Text(text.ToString(), "text/plain; version=0.0.4");
    }

    // ---------------------------------------------------------------- operator requests

    private static async Task<IResult> StartRollout(HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<StartRolloutBody>(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        if ((CheckName(body!.Service, "service") ?? CheckName(body.Version, "version")) is { } problem)
        {
            return Problems.BadRequest(problem);
        }
        if (rt.Config.Config.FindRelease(body.Service, body.Version) is null)
        {
            return Problems.NotFound($"{body.Service}@{body.Version} is not a release; register it (POST {Routes.Releases.Replace("{service}", body.Service, StringComparison.Ordinal)}) or declare it in stepwise.yaml");
        }
        return await Submit(context, rt, id => new OperatorRequest(id, RequestKind.StartRollout, rt.Time.GetUtcNow(), Service: body.Service, Version: body.Version, Reason: body.Reason),
            $"start rollout of {body.Service}@{body.Version}");
    }

    private static async Task<IResult> RolloutAction(string rollout, string action, HttpContext context, ServerRuntime rt)
    {
        RequestKind? kind = action switch
        {
            "pause" => RequestKind.PauseRollout,
            "resume" => RequestKind.ResumeRollout,
            "abort" => RequestKind.AbortRollout,
            "promote" => RequestKind.PromoteRollout,
            _ => null,
        };
        if (kind is null)
        {
            return Problems.NotFound($"'{action}' is not a rollout action; use pause, resume, abort or promote");
        }
        var (body, error) = await Bodies.ReadJsonAsync<ReasonBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        if ((await rt.Store.LoadControlStateAsync(context.RequestAborted)).Rollouts.All(r => r.Id != rollout))
        {
            return Problems.NotFound($"no rollout '{rollout}'");
        }
        return await Submit(context, rt, id => new OperatorRequest(id, kind.Value, rt.Time.GetUtcNow(), Rollout: rollout, Reason: body?.Reason), $"{action} rollout {rollout}");
    }

    private static async Task<IResult> Decommission(string node, HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<ReasonBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        var known = rt.Nodes.Find(node);
        if (known is null)
        {
            return Problems.NotFound($"no node '{node}'");
        }
        return await Submit(context, rt, id => new OperatorRequest(id, RequestKind.DecommissionNode, rt.Time.GetUtcNow(), Service: known.Service, Node: node, Reason: body?.Reason),
            $"decommission node {node}");
    }

    private static async Task<IResult> StartPlan(string plan, HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<ReasonBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        if (rt.Config.Config.FindPlan(plan) is null)
        {
            return Problems.NotFound($"no plan '{plan}' in stepwise.yaml");
        }
        return await Submit(context, rt, id => new OperatorRequest(id, RequestKind.StartPlan, rt.Time.GetUtcNow(), Plan: plan, Reason: body?.Reason), $"start plan {plan}");
    }

    private static async Task<IResult> RunDataPhase(string change, string phase, HttpContext context, ServerRuntime rt)
    {
        DataPhaseKind? kind = phase switch
        {
            "expand" => DataPhaseKind.Expand,
            "backfill" => DataPhaseKind.Backfill,
            "contract" => DataPhaseKind.Contract,
            _ => null,
        };
        if (kind is null)
        {
            return Problems.NotFound($"'{phase}' is not a data phase; use expand, backfill or contract");
        }
        var (body, error) = await Bodies.ReadJsonAsync<DataPhaseBody>(context, rt.Options.MaxBodyBytes, allowEmpty: true);
        if (error is not null)
        {
            return error;
        }
        var declared = rt.Config.Config.FindChange(change);
        if (declared is null || !declared.Declares(kind.Value))
        {
            return Problems.NotFound($"data change '{change}' with a {phase} phase is not declared");
        }
        if (body?.Store is { } store && !declared.Stores.Contains(store))
        {
            return Problems.BadRequest($"data change '{change}' runs on {string.Join(", ", declared.Stores)}, not '{store}'");
        }
        return await Submit(context, rt, id => new OperatorRequest(id, RequestKind.RunDataPhase, rt.Time.GetUtcNow(), Change: change, Phase: kind, Store: body?.Store, Reason: body?.Reason),
            $"run {change} {phase}");
    }

    /// <summary>
    /// Stores the request and waits (bounded) for the reconciler to complete it: 202 with the outcome when accepted,
    /// 409 refusal problem (refusals with guarantee, blockers and what unblocks) when refused.
    /// </summary>
    private static async Task<IResult> Submit(HttpContext context, ServerRuntime rt, Func<string, OperatorRequest> make, string what)
    {
        var ct = context.RequestAborted;
        var request = make("req-" + Guid.NewGuid().ToString("N")[..16]);
        var token = AccessMiddleware.TokenOf(context);
        await rt.Store.InsertRequestAsync(request, new NewEvent("request", $"'{token.Name}' asks to {what}" + (request.Reason is null ? "" : $": {request.Reason}"), request.Id), ct);
        var deadline = rt.Time.GetUtcNow() + rt.Options.RequestWait;
        while (true)
        {
            var record = await rt.Store.GetRequestAsync(request.Id, ct);
            if (record is { Completed: true })
            {
                if (record.Accepted == true)
                {
                    return Results.Json(new RequestOutcome(request.Id, true, record.Message ?? "accepted", record.Rollout), SnapshotJson.Options, statusCode: StatusCodes.Status202Accepted);
                }
                var detail = record.Refusals.Count > 0 ? record.Refusals[0].Describe() : record.Message ?? "refused";
                return Problems.Of(StatusCodes.Status409Conflict, ProblemTypes.Refused, "refused", detail,
                    new Dictionary<string, object?> { ["request"] = request.Id, ["refusals"] = record.Refusals, ["message"] = record.Message });
            }
            if (rt.Time.GetUtcNow() >= deadline)
            {
                return Problems.Of(StatusCodes.Status503ServiceUnavailable, ProblemTypes.NotLeader, "not handled yet",
                    $"request {request.Id} is stored but no reconciler handled it within {rt.Options.RequestWait.TotalSeconds:0} s (is a leader running?); it will be handled when one runs",
                    new Dictionary<string, object?> { ["request"] = request.Id });
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), rt.Time, ct);
        }
    }

    // ---------------------------------------------------------------- overrides and tokens

    private static async Task<IResult> AddOverride(HttpContext context, ServerRuntime rt)
    {
        var (body, error) = await Bodies.ReadJsonAsync<OverrideBody>(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        if (!Enum.IsDefined(body!.Guarantee) || CheckName(body.Subject, "subject", 500) is not null || string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > 2000)
        {
            return Problems.BadRequest("an override needs a guarantee (G1..G8), the subject of the refusal it sets aside (as the refusal names it) and a reason (at most 2000 characters)");
        }
        var token = AccessMiddleware.TokenOf(context);
        var now = rt.Time.GetUtcNow();
        var record = new Override("ovr-" + Guid.NewGuid().ToString("N")[..16], body.Guarantee, body.Subject, body.Reason, token.Name, now);
        await rt.Store.InsertOverrideAsync(record, new NewEvent("override", $"'{token.Name}' overrides {body.Guarantee.Label()} for {body.Subject}: {body.Reason}", body.Subject,
            JsonSerializer.Serialize(record, SnapshotJson.Options)), context.RequestAborted);
        return Results.Json(record, SnapshotJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> CreateToken(HttpContext context, ServerRuntime rt, Tokens tokens)
    {
        var (body, error) = await Bodies.ReadJsonAsync<TokenBody>(context, rt.Options.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        if (!Enum.IsDefined(body!.Kind) || CheckName(body.Name, "name") is { } bad)
        {
            return Problems.BadRequest("a token needs a kind (admin, read or agent) and a name (1 to 200 characters)");
        }
        if (body.Kind == TokenKind.Agent && CheckName(body.Node ?? "", "node") is not null)
        {
            return Problems.BadRequest("an agent token needs the node it reports for ('node')");
        }
        if (body.Kind != TokenKind.Agent && body.Node is not null)
        {
            return Problems.BadRequest("only agent tokens belong to a node; leave 'node' out");
        }
        var created = await tokens.CreateAsync(body.Kind, body.Name, body.Node, rt.Time.GetUtcNow(), context.RequestAborted);
        return Results.Json(created, SnapshotJson.Options, statusCode: StatusCodes.Status201Created);
    }

    private static string? CheckName(string? value, string what, int max = MaxNameLength)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return $"{what} is required";
        }
        if (value.Length > max)
        {
            return $"{what} is longer than {max} characters";
        }
        return value.Any(char.IsControl) ? $"{what} contains control characters" : null;
    }
}
