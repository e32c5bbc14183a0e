using Stepwise.Core.Analysis;
using Stepwise.Core.Config;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// The declared world of a simulation, generated from the options and linked by Core's <see cref="ConfigLinker"/>, as
/// the server links stepwise.yaml and registrations: S services in a dependency chain, one store, one data change and
/// the six-step expand/contract plan on the first service.
/// <list type="bullet">
/// <item>svc-i (i ≥ 1) has 1.0.0 (provides v1, calls svc-(i+1) v1) and 1.1.0 (adds v2, calls svc-(i+1) v2), so the
/// 1.1.0 releases must roll out from the bottom of the chain up (the dependency gate).</item>
/// <item>svc-0 has 1.0.0 (old shape), 1.1.0 prepare (reads both shapes, writes the old; needs the expand; calls
/// svc-1 v2), 1.2.0 activate (writes both shapes; needs the expand), 1.3.0 reads-new (needs expand and backfill).</item>
/// <item>svc-1 also reads the old shape in 1.0.0, 1.1.0 and the hotfix 1.1.1, and stops in 1.1.2: the contract waits
/// for it (G4).</item>
/// <item>The last service has one more release whose canary is bad (used by the bad-canary fault).</item>
/// <item>With client populations (<see cref="SimulationOptions.Clients"/>), svc-0 also serves the clients' operations
/// (<see cref="Orders"/>, <see cref="Legacy"/>, <see cref="Export"/>): 1.1.0 deprecates <see cref="Legacy"/> and the plan's
/// 1.3.0 removes it (G8 holds that step until no client calls it), the telemetry window is the population's, and
/// <see cref="ClientRegistration"/> (2.0.0, which removes <see cref="Export"/> without a deprecation) is there for the
/// operator to try to register.</item>
/// </list>
/// The hotfix, 1.1.2 and the bad release are registered through the API during the run, in <see cref="Registrations"/>
/// order, the rest declared (stepwise.yaml), so G1 and G4 also hold over releases the controller learns late.
/// </summary>
public sealed class SimWorld
{
    public const string Change = "customer-email";
    public const string Store = "db-0";
    public const string PlanId = "expand-contract";
    public const string Base = "1.0.0";
    public const string Prepare = "1.1.0";
    public const string Hotfix = "1.1.1";
    public const string DropOldShape = "1.1.2";
    public const string Activate = "1.2.0";
    public const string ReadsNew = "1.3.0";

    /// <summary>svc-0's release that drops <see cref="Export"/>, which no release deprecated (with client populations).</summary>
    public const string DropExport = "2.0.0";

    /// <summary>The operations client apps call on svc-0 (with client populations).</summary>
    public const string Orders = "GET /svc-0/orders";
    public const string Legacy = "GET /svc-0/legacy-search";
    public const string Export = "GET /svc-0/export";

    public static readonly DataPhaseKind[] PhasesInOrder = [DataPhaseKind.Expand, DataPhaseKind.Backfill, DataPhaseKind.Contract];

    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public SimWorld(SimulationOptions options)
    {
        ServiceCount = options.Services;
        var clients = options.Clients is not null;
        var (declared, registered) = Declare(options.Services, options.Analysis, clients);
        if (options.Prometheus)
        {
            declared = declared with { Policy = WithPrometheus(declared.Policy) };
        }
        if (options.Approve.Count > 0)
        {
            declared = declared with { Policy = declared.Policy with { Approve = options.Approve } };
        }
        if (options.Clients is { } population)
        {
            declared = declared with { Policy = declared.Policy with { Retention = declared.Policy.Retention with { ClientTelemetry = population.Window } } };
        }
        // Bottom of the chain first (as the train goes); within a service, in release order.
        Registrations = registered.OrderByDescending(r => r.Service, StringComparer.Ordinal).ToList();
        // Registered (if the operator gets it registered) after every other release of svc-0.
        ClientRegistration = clients ? (ServiceName(0), ClientRelease(options.Services)) : null;
        Initial = ConfigLinker.Link(declared);
        Config = ConfigLinker.Link(registered.Concat(ClientRegistration is { } g8 ? [g8] : []).Aggregate(declared, (d, r) => d.Register(r.Service, r.Release)));
        var last = Config.Services[^1];
        BadRelease = last.Find(options.Services == 1 ? SingleServiceBad : Activate)!;
        NodeService = new int[options.Nodes];
        NodeIds = new string[options.Nodes];
        var perService = new int[options.Services];
        for (var i = 0; i < options.Nodes; i++)
        {
            var s = i % options.Services;
            NodeService[i] = s;
            NodeIds[i] = $"svc-{s}-{perService[s]++:D6}";
        }
    }

    /// <summary>The whole world, every registration included: what the checker holds the controller to.</summary>
    public StepwiseConfig Config { get; }

    /// <summary>What the controller starts with: stepwise.yaml's releases only.</summary>
    public StepwiseConfig Initial { get; }

    /// <summary>The releases registered through the API during the run, in order.</summary>
    public IReadOnlyList<(string Service, ReleaseDeclaration Release)> Registrations { get; }

    /// <summary>
    /// With client populations: svc-0@2.0.0, which removes <see cref="Export"/> (never deprecated, still called), for the
    /// operator to try to register after <see cref="Registrations"/>; null without client populations.
    /// </summary>
    public (string Service, ReleaseDeclaration Release)? ClientRegistration { get; }

    public int ServiceCount { get; }

    /// <summary>The release whose canary the bad-canary fault makes worse.</summary>
    public Release BadRelease { get; }

    /// <summary>Service index of each node.</summary>
    public int[] NodeService { get; }

    public string[] NodeIds { get; }

    public static string ServiceName(int i) => i < ServiceNames.Length ? ServiceNames[i] : $"svc-{i}";

    /// <summary>The names of the first services, built once: every simulated heartbeat names its service.</summary>
    private static readonly string[] ServiceNames = [.. Enumerable.Range(0, 64).Select(i => $"svc-{i}")];

    /// <summary>The releases the operator rolls out besides the plan, bottom of the chain first: svc-(S-1)@1.1.0 ... svc-1@1.1.0, then svc-1's hotfix and 1.1.2.</summary>
    public IEnumerable<ReleaseRef> Train()
    {
        for (var i = ServiceCount - 1; i >= 1; i--)
        {
            yield return new ReleaseRef(ServiceName(i), Prepare);
        }
        if (ServiceCount >= 2)
        {
            yield return new ReleaseRef(ServiceName(1), Hotfix);
            yield return new ReleaseRef(ServiceName(1), DropOldShape);
        }
    }

    public static Policy SimulationPolicy(bool analysis) => new(
        new CanaryPolicy(null, 1),
        TimeSpan.FromMinutes(3),
        TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(1),
        [10, 50, 100],
        TimeSpan.FromMinutes(3),
        TimeSpan.FromMinutes(2),
        TimeSpan.FromMinutes(30),
        new AnalysisPolicy(
            analysis
                ?
                [
                    new MetricSpec(StandardMetrics.ErrorRate, MetricKind.Rate, FailOn.Increase, Weight: 1, Critical: true, Tolerance: 0.5, MaxRate: 0.01, MinSamples: 50),
                    new MetricSpec(StandardMetrics.LatencyMs, MetricKind.Distribution, FailOn.Increase, Weight: 1, Critical: false, Tolerance: 0.2, MinSamples: 20),
                ]
                : [],
            ScoreThresholds.Default,
            TimeSpan.FromMinutes(1),
            TimeSpan.FromMinutes(5),
            MarginalAction.Pause),
        new RetentionPolicy(TimeSpan.FromMinutes(10), TimeSpan.FromDays(30), TimeSpan.FromDays(90)));

    /// <summary>The simulated policy's analysis metrics read from Prometheus: the same metrics, with PromQL templates over the apps' series.</summary>
    public static Policy WithPrometheus(Policy policy) => policy with
    {
        Analysis = policy.Analysis with
        {
            Metrics = policy.Analysis.Metrics.Select(m => m with
            {
                Prometheus = m.Name == StandardMetrics.ErrorRate
                    ? new MetricQuery(
                        Events: "sum by (node) (increase(http_request_errors_total{service=\"{{service}}\", version=\"{{release}}\", node=~\"{{nodes}}\"}[{{range}}]))",
                        Total: "sum by (node) (increase(http_requests_total{service=\"{{service}}\", version=\"{{release}}\", node=~\"{{nodes}}\"}[{{range}}]))")
                    : new MetricQuery(Query: "max by (node) (http_request_latency_ms{service=\"{{service}}\", version=\"{{release}}\", node=~\"{{nodes}}\"})"),
            }).ToList(),
        },
    };

    private static string Op(int service, int version) => $"GET /svc-{service}/v{version}";

    /// <summary>The bad release when there is one service (with more, the last service's <see cref="Activate"/>).</summary>
    private const string SingleServiceBad = "1.4.0";

    /// <summary>svc-0@2.0.0: reads the new shape, provides what 1.3.0 provides but <see cref="Export"/>.</summary>
    private static ReleaseDeclaration ClientRelease(int count) =>
        new(DropExport, [Op(0, 1), Orders], [], count > 1 ? [new(new OperationCall(ServiceName(1), Op(1, 1))), new(new OperationCall(ServiceName(1), Op(1, 2)))] : [],
            [new(Change)], [], Origin: ReleaseOrigin.Registered);

    private static (ConfigDeclaration Declared, List<(string Service, ReleaseDeclaration Release)> Registered) Declare(int count, bool analysis, bool clients)
    {
        var services = new List<ServiceDeclaration>();
        var registered = new List<(string Service, ReleaseDeclaration Release)>();
        for (var i = 0; i < count; i++)
        {
            var name = ServiceName(i);
            var hasCallee = i + 1 < count;
            List<Located<OperationCall>> CallsV1() => hasCallee ? [new(new OperationCall(ServiceName(i + 1), Op(i + 1, 1)))] : [];
            List<Located<OperationCall>> CallsV2() => hasCallee ? [new(new OperationCall(ServiceName(i + 1), Op(i + 1, 1))), new(new OperationCall(ServiceName(i + 1), Op(i + 1, 2)))] : [];
            var deps = hasCallee ? new List<DependencyDeclaration> { new(ServiceName(i + 1), [Op(i + 1, 1)]) } : [];
            var declared = new List<ReleaseDeclaration>();
            ReleaseDeclaration Release(string version, IReadOnlyList<string> provides, List<Located<OperationCall>> calls, IEnumerable<string> needs, IEnumerable<string> oldShape) =>
                new(version, provides, [], calls, needs.Select(n => new Located<string>(n)).ToList(), oldShape.Select(n => new Located<string>(n)).ToList());
            if (i == 0)
            {
                // With client populations svc-0 also serves the clients: 1.1.0 deprecates Legacy, 1.3.0 removes it.
                string[] all = clients ? [Op(0, 1), Orders, Legacy, Export] : [Op(0, 1)];
                string[] withoutLegacy = clients ? [Op(0, 1), Orders, Export] : [Op(0, 1)];
                declared.Add(Release(Base, all, CallsV1(), [], [Change]));
                // Prepare and activate read both shapes: they need the expand only, and still use the old shape.
                declared.Add(Release(Prepare, all, CallsV2(), [Change + ":expand"], [Change]) with { Deprecates = clients ? [Legacy] : [] });
                declared.Add(Release(Activate, all, CallsV2(), [Change + ":expand"], [Change]));
                declared.Add(Release(ReadsNew, withoutLegacy, CallsV2(), [Change], []));
                if (count == 1)
                {
                    registered.Add((name, Release(SingleServiceBad, withoutLegacy, CallsV2(), [Change], []) with { Origin = ReleaseOrigin.Registered }));
                }
            }
            else
            {
                string[] oldShape = i == 1 ? [Change] : [];
                declared.Add(Release(Base, [Op(i, 1)], CallsV1(), [], oldShape));
                declared.Add(Release(Prepare, [Op(i, 1), Op(i, 2)], CallsV2(), [], oldShape));
                if (i == 1)
                {
                    registered.Add((name, Release(Hotfix, [Op(i, 1), Op(i, 2)], CallsV2(), [], oldShape) with { Origin = ReleaseOrigin.Registered }));
                    registered.Add((name, Release(DropOldShape, [Op(i, 1), Op(i, 2)], CallsV2(), [], []) with { Origin = ReleaseOrigin.Registered }));
                }
                if (i == count - 1)
                {
                    registered.Add((name, Release(Activate, [Op(i, 1), Op(i, 2)], CallsV2(), [], []) with { Origin = ReleaseOrigin.Registered }));
                }
            }
            services.Add(new ServiceDeclaration(name, deps, declared));
        }
        var change = new DataChangeDeclaration(
            Change,
            [new(Store)],
            new SqlPhase("ALTER TABLE customers ADD COLUMN contact_email text", "ALTER TABLE customers DROP COLUMN contact_email"),
            new BackfillSpec("customers", "id", "contact_email = email", "contact_email IS NULL", 1000, TimeSpan.FromMilliseconds(10), null),
            new SqlPhase("ALTER TABLE customers DROP COLUMN email", null),
            [],
            []);
        var plan = new PlanDeclaration(PlanId,
        [
            new(PlanStep.Data(Change, DataPhaseKind.Expand, Store)),
            new(PlanStep.ReleaseOf(ServiceName(0), Prepare)),
            new(PlanStep.ReleaseOf(ServiceName(0), Activate)),
            new(PlanStep.Data(Change, DataPhaseKind.Backfill, Store)),
            new(PlanStep.ReleaseOf(ServiceName(0), ReadsNew)),
            new(PlanStep.Data(Change, DataPhaseKind.Contract, Store)),
        ]);
        var declaration = new ConfigDeclaration(SimulationPolicy(analysis), [new(new Store(Store, StoreKind.Postgres))], services, [change], [plan]);
        return (declaration, registered);
    }
}
