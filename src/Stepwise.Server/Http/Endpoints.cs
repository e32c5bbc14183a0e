using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>
/// The route table of /api/v1 (see <see cref="Routes"/>): each route with the access it needs and what it answers.
/// The handlers live with their concern: <see cref="AgentEndpoints"/>, <see cref="ConfigEndpoints"/>,
/// <see cref="FleetEndpoints"/>, <see cref="RolloutEndpoints"/> and <see cref="OperatorEndpoints"/>.
/// </summary>
public static class Endpoints
{
    public static void Map(WebApplication app)
    {
        var read = new RequiresAccess(AccessLevel.Read);
        var admin = new RequiresAccess(AccessLevel.Admin);

        app.MapGet(Routes.Liveness, () => Results.Text("ok")).WithMetadata(new RequiresAccess(AccessLevel.Anonymous)).ExcludeFromDescription();
        app.MapGet(Routes.Metrics, Observability.MetricsEndpoint.Serve).WithMetadata(read).Produces<string>(contentType: "text/plain");

        app.MapPost(Routes.Heartbeat, AgentEndpoints.Heartbeat).WithMetadata(new RequiresAccess(AccessLevel.Agent))
            .Accepts<Heartbeat>("application/json").Produces<HeartbeatReply>().ProducesProblem(400).ProducesProblem(403).ProducesProblem(413);

        app.MapGet(Routes.Config, ConfigEndpoints.GetConfig).WithMetadata(read).Produces<ConfigView>();
        app.MapPut(Routes.Config, ConfigEndpoints.PutConfig).WithMetadata(admin).Accepts<string>("application/yaml").Produces<ConfigView>().ProducesProblem(400).ProducesProblem(409);

        app.MapGet(Routes.Services, ConfigEndpoints.Services).WithMetadata(read).Produces<List<ServiceView>>();
        app.MapGet(Routes.Releases, ConfigEndpoints.Releases).WithMetadata(read).Produces<List<ReleaseView>>().ProducesProblem(404);
        app.MapPost(Routes.Releases, ConfigEndpoints.RegisterRelease).WithMetadata(admin)
            .Accepts<ReleaseRegistration>("application/json").Produces<ReleaseView>(201).Produces<ReleaseView>(200)
            .ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422).ProducesProblem(503);
        app.MapPost(Routes.RetireRelease, ConfigEndpoints.RetireRelease).WithMetadata(admin)
            .Accepts<ReasonBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(404).ProducesProblem(409);

        app.MapGet(Routes.Nodes, FleetEndpoints.Nodes).WithMetadata(read).Produces<List<NodeView>>();
        app.MapPost(Routes.DecommissionNode, FleetEndpoints.Decommission).WithMetadata(admin).Accepts<ReasonBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);
        app.MapPost(Routes.EnableNode, FleetEndpoints.Enable).WithMetadata(admin).Accepts<ReasonBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);

        app.MapGet(Routes.Rollouts, RolloutEndpoints.Rollouts).WithMetadata(read).Produces<List<RolloutView>>();
        app.MapPost(Routes.Rollouts, RolloutEndpoints.StartRollout).WithMetadata(admin).Accepts<StartRolloutBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);
        app.MapGet(Routes.Rollout, RolloutEndpoints.Rollout).WithMetadata(read).Produces<RolloutView>().ProducesProblem(404);
        app.MapPost(Routes.RolloutAction, RolloutEndpoints.RolloutAction).WithMetadata(admin).Accepts<ReasonBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);

        app.MapGet(Routes.Plans, RolloutEndpoints.Plans).WithMetadata(read).Produces<List<PlanView>>();
        app.MapPost(Routes.StartPlan, RolloutEndpoints.StartPlan).WithMetadata(admin).Accepts<ReasonBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);

        app.MapGet(Routes.DataChanges, RolloutEndpoints.DataChanges).WithMetadata(read).Produces<List<DataChangeView>>();
        app.MapPost(Routes.CancelDataPhase, DataPhaseEndpoints.Cancel).WithMetadata(admin).Accepts<DataPhaseBody>("application/json").Produces<DataCancelOutcome>(202).ProducesProblem(404).ProducesProblem(409);
        app.MapPost(Routes.RunDataPhase, RolloutEndpoints.RunDataPhase).WithMetadata(admin).Accepts<DataPhaseBody>("application/json").Produces<RequestOutcome>(202).ProducesProblem(409);

        app.MapGet(Routes.Overrides, async (ServerRuntime rt, CancellationToken ct) =>
            Results.Json((await rt.Store.LoadControlStateAsync(ct)).Overrides, SnapshotJson.Options)).WithMetadata(read).Produces<List<Override>>();
        app.MapPost(Routes.Overrides, OperatorEndpoints.AddOverride).WithMetadata(admin).Accepts<OverrideBody>("application/json").Produces<Override>(201).ProducesProblem(400);

        app.MapPost(Routes.WhatIf, WhatIfEndpoints.Ask).WithMetadata(read).Accepts<WhatIfBody>("application/json").Produces<WhatIfAnswer>().ProducesProblem(400);
        app.MapGet(Routes.Events, OperatorEndpoints.Events).WithMetadata(read).Produces<List<EventView>>().ProducesProblem(400);
        app.MapGet(Routes.Alerts, async (ServerRuntime rt, CancellationToken ct) =>
            Results.Json((await rt.Store.LoadControlStateAsync(ct)).Alerts, SnapshotJson.Options)).WithMetadata(read).Produces<List<Alert>>();

        var anonymous = new RequiresAccess(AccessLevel.Anonymous);
        app.MapGet("/", () => Results.Redirect(Routes.Ui)).WithMetadata(anonymous).ExcludeFromDescription();
        app.MapGet(Routes.Ui + "{*file}", DashboardAssets.Serve).WithMetadata(anonymous).ExcludeFromDescription();
        app.MapGet(Routes.Dashboard, DashboardEndpoints.Get).WithMetadata(read).Produces<DashboardView>();
        app.MapGet(Routes.DashboardStream, DashboardEndpoints.Stream).WithMetadata(read).Produces<string>(contentType: "text/event-stream");

        app.MapPost(Routes.ClientTelemetry, ClientsEndpoints.Telemetry).WithMetadata(new RequiresAccess(AccessLevel.ClientReport))
            .Accepts<ClientTelemetryBody>("application/json").Produces<ClientTelemetryAccepted>(202).ProducesProblem(400).ProducesProblem(403).ProducesProblem(413);
        app.MapGet(Routes.ClientPolicy, ClientsEndpoints.Policy).WithMetadata(new RequiresAccess(AccessLevel.ClientPolicy)).Produces<ClientPolicyView>().ProducesProblem(400).ProducesProblem(404);
        app.MapGet(Routes.Clients, ClientsEndpoints.Clients).WithMetadata(read).Produces<List<ClientView>>().ProducesProblem(400);

        app.MapPost(Routes.Tokens, OperatorEndpoints.CreateToken).WithMetadata(admin).Accepts<TokenBody>("application/json").Produces<TokenCreated>(201).ProducesProblem(400).ProducesProblem(409);
        app.MapGet(Routes.Tokens, OperatorEndpoints.ListTokens).WithMetadata(admin).Produces<List<TokenView>>();
        app.MapPost(Routes.TokenAction, OperatorEndpoints.TokenAction).WithMetadata(admin).Produces<TokenView>().Produces<TokenCreated>(201).ProducesProblem(404);
    }
}
