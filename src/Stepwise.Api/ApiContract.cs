using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Api;

/// <summary>
/// Routes of the HTTP API. Every route but <see cref="Liveness"/> needs "Authorization: Bearer TOKEN".
/// Errors are RFC 9457 problem details (application/problem+json) with "type" naming the Stepwise problem
/// (see <see cref="ProblemTypes"/>) and, for refusals, a "refusals" extension holding <see cref="Refusal"/> objects.
/// JSON uses <see cref="SnapshotJson.Options"/> (camelCase, enums as camelCase strings, guarantee ids "G1".."G8").
/// </summary>
public static class Routes
{
    public const string Base = "/api/v1";

    /// <summary>GET, no token: 200 "ok" while the process runs.</summary>
    public const string Liveness = "/healthz";

    /// <summary>GET (read): the OpenAPI document of this API.</summary>
    public const string OpenApi = "/openapi/v1.json";

    /// <summary>GET (read): Prometheus text metrics.</summary>
    public const string Metrics = "/metrics";

    /// <summary>POST (agent, own node only): <see cref="Heartbeat"/> → <see cref="HeartbeatReply"/>.</summary>
    public const string Heartbeat = Base + "/agent/heartbeat";

    /// <summary>GET (read): the effective configuration (StepwiseConfig JSON). PUT (admin, body: stepwise.yaml text): replace it (validated; 400 with file:line errors).</summary>
    public const string Config = Base + "/config";

    /// <summary>GET (read): <see cref="ServiceView"/>[].</summary>
    public const string Services = Base + "/services";

    /// <summary>POST (admin): <see cref="ReleaseRegistration"/> → 201 <see cref="ReleaseView"/>, or 422 problem with compat findings (G6). GET (read): <see cref="ReleaseView"/>[].</summary>
    public const string Releases = Base + "/services/{service}/releases";

    /// <summary>POST (admin): retire a release no node runs and no rollout targets (it leaves its service's ordering). Body: <see cref="ReasonBody"/> → <see cref="RequestOutcome"/> or 409.</summary>
    public const string RetireRelease = Base + "/services/{service}/releases/{version}/retire";

    /// <summary>GET (read): <see cref="NodeView"/>[].</summary>
    public const string Nodes = Base + "/nodes";

    /// <summary>POST (admin): decommission a node. Body: <see cref="ReasonBody"/>.</summary>
    public const string DecommissionNode = Base + "/nodes/{node}/decommission";

    /// <summary>POST (admin): let a decommissioned node back (it rejoins on its next heartbeat). Body: <see cref="ReasonBody"/>.</summary>
    public const string EnableNode = Base + "/nodes/{node}/enable";

    /// <summary>GET (read): <see cref="RolloutView"/>[]. POST (admin): <see cref="StartRolloutBody"/> → 202 <see cref="RequestOutcome"/> or 409 refusal problem.</summary>
    public const string Rollouts = Base + "/rollouts";

    /// <summary>GET (read): one <see cref="RolloutView"/>.</summary>
    public const string Rollout = Base + "/rollouts/{rollout}";

    /// <summary>POST (admin): pause | resume | abort | promote. Body: <see cref="ReasonBody"/> → <see cref="RequestOutcome"/> or 409.</summary>
    public const string RolloutAction = Base + "/rollouts/{rollout}/{action}";

    /// <summary>GET (read): plans with progress. POST {plan}/start (admin) → <see cref="RequestOutcome"/>.</summary>
    public const string Plans = Base + "/plans";

    public const string StartPlan = Base + "/plans/{plan}/start";

    /// <summary>GET (read): data changes with the state of every phase on every store.</summary>
    public const string DataChanges = Base + "/data-changes";

    /// <summary>POST (admin): run one phase: {phase} is expand | backfill | contract; body <see cref="DataPhaseBody"/> → <see cref="RequestOutcome"/> or 409.</summary>
    public const string RunDataPhase = Base + "/data-changes/{change}/{phase}";

    /// <summary>POST (admin): stop the change's running phase (on <see cref="DataPhaseBody.Store"/>, or every store); body <see cref="DataPhaseBody"/> → 202 <see cref="DataCancelOutcome"/>, 409 when none runs.</summary>
    public const string CancelDataPhase = Base + "/data-changes/{change}/cancel";

    /// <summary>GET (read): <see cref="Override"/>[]. POST (admin): <see cref="OverrideBody"/> → 201 <see cref="Override"/> (recorded with the token's name).</summary>
    public const string Overrides = Base + "/overrides";

    /// <summary>POST (read): <see cref="WhatIfBody"/> → <see cref="WhatIfAnswer"/>: what the controller would do now on the live fleet with these requests added. Nothing changes.</summary>
    public const string WhatIf = Base + "/what-if";

    /// <summary>GET (read): <see cref="EventView"/>[] with ?after=ID&amp;limit=N (ascending ids).</summary>
    public const string Events = Base + "/events";

    /// <summary>GET (read): <see cref="Alert"/>[] currently raised.</summary>
    public const string Alerts = Base + "/alerts";

    /// <summary>GET (read): <see cref="DashboardView"/>, what the dashboard shows, in aggregates.</summary>
    public const string Dashboard = Base + "/dashboard";

    /// <summary>GET (read): text/event-stream of "dashboard" events, each a <see cref="DashboardView"/>, sent when it changes (a comment line keeps the stream alive).</summary>
    public const string DashboardStream = Base + "/dashboard/stream";

    /// <summary>GET (anonymous): the web dashboard (static page and assets; the data comes from the API with the token the person signs in with).</summary>
    public const string Ui = "/ui/";

    /// <summary>POST (admin): <see cref="TokenBody"/> → 201 <see cref="TokenCreated"/> (the secret is shown once; stored hashed; 409 when the name is taken). GET (admin): <see cref="TokenView"/>[].</summary>
    public const string Tokens = Base + "/tokens";

    /// <summary>POST (admin): {action} is revoke (→ <see cref="TokenView"/>; the token stops working at once) or rotate (→ 201 <see cref="TokenCreated"/> with the new secret; the old one stops working).</summary>
    public const string TokenAction = Base + "/tokens/{name}/{action}";

    /// <summary>GET (read): <see cref="ClientView"/>[] with ?service=&amp;operation=: who calls what, by client version, within the telemetry window.</summary>
    public const string Clients = Base + "/clients";

    /// <summary>GET (agent or read): <see cref="ClientPolicyView"/> with ?service=&amp;release=: the client policy the middleware applies.</summary>
    public const string ClientPolicy = Base + "/clients/policy";

    /// <summary>POST (agent, for its node's service): <see cref="ClientTelemetryBody"/> → 202 <see cref="ClientTelemetryAccepted"/>.</summary>
    public const string ClientTelemetry = Base + "/clients/telemetry";
}

/// <summary>The "type" URIs of Stepwise problem details. Stable: clients switch on them.</summary>
public static class ProblemTypes
{
    public const string Refused = "https://stepwise.dev/problems/refused";
    public const string Incompatible = "https://stepwise.dev/problems/incompatible-contract";
    public const string BadRequest = "https://stepwise.dev/problems/bad-request";
    public const string NotFound = "https://stepwise.dev/problems/not-found";
    public const string Unauthorized = "https://stepwise.dev/problems/unauthorized";
    public const string Forbidden = "https://stepwise.dev/problems/forbidden";
    public const string TooLarge = "https://stepwise.dev/problems/too-large";
    public const string Conflict = "https://stepwise.dev/problems/conflict";
    public const string NotLeader = "https://stepwise.dev/problems/not-leader";
    public const string RateLimited = "https://stepwise.dev/problems/rate-limited";
    public const string MethodNotAllowed = "https://stepwise.dev/problems/method-not-allowed";
    public const string UnsupportedMediaType = "https://stepwise.dev/problems/unsupported-media-type";
    public const string Timeout = "https://stepwise.dev/problems/request-timeout";
    public const string Unavailable = "https://stepwise.dev/problems/unavailable";
}

/// <summary>Kinds of API token. Persisted: values pinned.</summary>
public enum TokenKind
{
    Admin = 0,
    Read = 1,
    /// <summary>A node's agent (<c>node</c>): heartbeats and client telemetry for that node's service; or, with
    /// <c>service</c> instead, a service's own reporter: client telemetry for that service only (no heartbeats).</summary>
    Agent = 2,
}

/// <summary>What an agent reports. Only the node its token belongs to may be reported.</summary>
/// <param name="Release">The release installed on the node (null when nothing is installed yet).</param>
/// <param name="Serving">Whether the app is up and taking traffic.</param>
/// <param name="Requests">Requests served since the previous heartbeat.</param>
/// <param name="Errors">Of those, the failed ones (5xx).</param>
/// <param name="LatencyMs">Latency samples (ms) since the previous heartbeat, at most 1,000.</param>
public sealed record Heartbeat(
    string Node,
    string Service,
    string? Release,
    NodeHealth Health,
    bool Serving,
    long Requests,
    long Errors,
    IReadOnlyList<double> LatencyMs,
    string? AgentVersion = null);

/// <summary>The controller's answer to a heartbeat: what to run and whether the app may serve.</summary>
/// <param name="DesiredRelease">The release the node must run (null: keep what it has).</param>
/// <param name="MayServe">False while the node is quarantined or runs a release the controller has not sanctioned.</param>
/// <param name="Artifact">How to run the release the node is to run: <paramref name="DesiredRelease"/>, or when that is null the release the heartbeat reported (a node provisioned with a release, or restarted, needs it to start its app once it may serve).</param>
/// <param name="HeartbeatSeconds">When to send the next heartbeat.</param>
/// <param name="App">Where the service's app answers health probes and serves metrics (stepwise.yaml's <c>app:</c>), for
/// an agent that runs a release with its own <c>--run</c> command because <paramref name="Artifact"/> is null.</param>
public sealed record HeartbeatReply(string Node, string? DesiredRelease, bool MayServe, NodeState State, Artifact? Artifact, int HeartbeatSeconds, AppPaths? App = null);

/// <summary>
/// How an agent runs a release: a command template. "{version}", "{port}" and "{node}" are replaced;
/// the app must answer GET <paramref name="HealthPath"/> with 2xx when healthy and serve Prometheus text at <paramref name="MetricsPath"/>.
/// </summary>
public sealed record Artifact(
    string Command,
    IReadOnlyList<string> Arguments,
    string HealthPath = "/healthz",
    string MetricsPath = "/metrics",
    IReadOnlyDictionary<string, string>? Environment = null);

/// <summary>
/// Registers the next release of a service (appended as the newest). Contracts (<see cref="ContractDocument"/>) are
/// compared with the newest earlier release's of each kind (G6); several documents of one kind form one contract whose
/// root is the first, and whose <c>$ref</c>s may name only the others (by their <c>name</c>).
/// </summary>
public sealed record ReleaseRegistration(
    string Version,
    Artifact Artifact,
    IReadOnlyList<string>? Provides = null,
    IReadOnlyList<string>? Deprecates = null,
    IReadOnlyList<OperationCall>? Calls = null,
    IReadOnlyList<string>? Needs = null,
    IReadOnlyList<string>? UsesOldShapeOf = null,
    IReadOnlyList<ContractDocument>? Contracts = null)
{
    /// <summary>The release as the linker takes it (no file positions: errors name the registration).</summary>
    public ReleaseDeclaration ToDeclaration() => new(
        Version,
        Provides ?? [],
        Deprecates ?? [],
        (Calls ?? []).Select(c => new Located<OperationCall>(c)).ToList(),
        (Needs ?? []).Select(n => new Located<string>(n)).ToList(),
        (UsesOldShapeOf ?? []).Select(n => new Located<string>(n)).ToList(),
        null,
        ReleaseOrigin.Registered,
        Contracts);
}

/// <summary>The linked configuration (GET /api/v1/config): stepwise.yaml with the registered releases, every derived relation spelled out.</summary>
/// <param name="Retired">Releases an operator retired (out of their service's ordering). Optional: servers before it was added omit it.</param>
public sealed record ConfigView(Policy Policy, IReadOnlyList<Store> Stores, IReadOnlyList<ServiceConfigView> Services, IReadOnlyList<ChangeConfigView> DataChanges, IReadOnlyList<Plan> Plans, IReadOnlyList<ReleaseRef>? Retired = null);

/// <summary>A service as linked: its dependencies and its releases in order (each with the calls of its service merged in).</summary>
public sealed record ServiceConfigView(string Name, IReadOnlyList<ServiceDependency> DependsOn, IReadOnlyList<Release> Releases);

/// <summary>A data change with the releases that need it and those that still use its old shape (derived from the releases).</summary>
public sealed record ChangeConfigView(string Id, IReadOnlyList<string> Stores, SqlPhase? Expand, BackfillSpec? Backfill, SqlPhase? Contract, IReadOnlyList<ReleaseRef> NeededBy, IReadOnlyList<ReleaseRef> OldShapeUsedBy, TimeSpan? TimeLimit = null);

public sealed record ReleaseView(string Service, string Version, int Ordinal, Artifact? Artifact, IReadOnlyList<string> Provides, IReadOnlyList<string> Deprecates, IReadOnlyList<string> Needs, IReadOnlyList<string> UsesOldShapeOf, DateTimeOffset? RegisteredAt);

public sealed record ServiceView(string Name, string? Current, IReadOnlyList<string> DependsOn, IReadOnlyList<string> Releases, string? RolloutInFlight, IReadOnlyDictionary<string, int> NodesByRelease);

public sealed record NodeView(string Id, string Service, string? ActualRelease, string? DesiredRelease, NodeHealth Health, NodeState State, DateTimeOffset? LastHeartbeat, DateTimeOffset? StateSince, bool MayServe);

/// <param name="Analysis">While the rollout bakes under analysis: the judgement of the samples collected so far in this stage.</param>
/// <param name="PausedFrom">While paused: the phase it goes on in when resumed or approved.</param>
public sealed record RolloutView(string Id, string Service, string From, string To, RolloutPhase Phase, int Wave, DateTimeOffset PhaseSince, IReadOnlyList<string> CanaryNodes, string? Reason, string? Plan, int NodesOnTo, int NodesTotal,
    AnalysisView? Analysis = null, ApprovalGate? WaitsFor = null, RolloutPhase? PausedFrom = null);

/// <summary>The canary analysis of a stage: verdict, score and each metric's numbers (counts against MinSamples, estimate, interval, verdict).</summary>
public sealed record AnalysisView(RolloutPhase Stage, Stepwise.Core.Analysis.AnalysisVerdict Verdict, double Score, string Summary, IReadOnlyList<Stepwise.Core.Analysis.MetricResult> Metrics);

public sealed record StartRolloutBody(string Service, string Version, string? Reason = null);

public sealed record ReasonBody(string? Reason = null);

/// <summary>The questions of a what-if: rollouts to start, data phases to run, a plan to start (any of them).</summary>
/// Fields are nullable so that a missing one gets a 400 naming it rather than a default.
public sealed record WhatIfBody(IReadOnlyList<WhatIfRollout?>? Rollouts = null, IReadOnlyList<WhatIfDataPhase?>? DataPhases = null, string? Plan = null);

public sealed record WhatIfRollout(string? Service, string? Version);

public sealed record WhatIfDataPhase(string? Change, DataPhaseKind? Phase, string? Store = null);

/// <summary>What Decide would do at <paramref name="Now"/>: its actions and its refusals (with blockers and fixes).</summary>
public sealed record WhatIfAnswer(DateTimeOffset Now, IReadOnlyList<DecisionAction> Actions, IReadOnlyList<Refusal> Refusals);

public sealed record DataPhaseBody(string? Store = null, string? Reason = null);

/// <summary>The phases a cancel stopped: each is recorded Failed with the reason once it has stopped (committed work is kept).</summary>
public sealed record DataCancelOutcome(string Change, IReadOnlyList<CancelledDataPhase> Cancelled, string Message);

public sealed record CancelledDataPhase(DataPhaseKind Phase, string Store);

public sealed record OverrideBody(GuaranteeId Guarantee, string Subject, string Reason);

/// <param name="Node">An agent token's node.</param>
/// <param name="Service">Instead of a node: the service an agent token reports client telemetry for (a service token).</param>
public sealed record TokenBody(TokenKind Kind, string Name, string? Node = null, string? Service = null)
{
    /// <summary>
    /// What is wrong with the token's scope, or null: an agent token reports for exactly one node or one service, and
    /// only agent tokens have either. The server refuses such a body; the CLI says so before it calls the server.
    /// </summary>
    public TokenScopeError? ScopeError() => Kind == TokenKind.Agent
        ? (Node is null) == (Service is null) ? TokenScopeError.AgentNeedsNodeOrService : null
        : Node is not null || Service is not null ? TokenScopeError.ScopeOnlyForAgents : null;
}

/// <summary>Why a token's scope is wrong (see <see cref="TokenBody.ScopeError"/>): never sent, only told in words.</summary>
public enum TokenScopeError
{
    /// <summary>An agent token with neither a node nor a service, or with both.</summary>
    AgentNeedsNodeOrService,

    /// <summary>A node or a service on a token that is not an agent token.</summary>
    ScopeOnlyForAgents,
}

public sealed record TokenCreated(string Name, TokenKind Kind, string? Node, string Token, string? Service = null);

/// <summary>A token as listed: never its secret (only its hash is stored).</summary>
public sealed record TokenView(string Name, TokenKind Kind, string? Node, DateTimeOffset? CreatedAt, DateTimeOffset? RevokedAt, string? Service = null);

/// <summary>What became of an operator request: accepted (with the rollout it started, when one) or refused (409 problem instead).</summary>
/// <summary>A plan with its progress (GET /api/v1/plans).</summary>
public sealed record PlanView(string Id, IReadOnlyList<PlanStep> Steps, PlanProgress? Progress);

public sealed record RequestOutcome(string Request, bool Accepted, string Message, string? Rollout = null);

/// <summary>One entry of the event log: every decision, transition, refusal, override use, alert and registration.</summary>
public sealed record EventView(long Id, DateTimeOffset At, string Kind, string Message, string? Subject = null, System.Text.Json.JsonElement? Data = null);
