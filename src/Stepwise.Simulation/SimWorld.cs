using Stepwise.Core.Analysis;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// The declared world of a simulation, generated from the options: S services in a dependency chain, one store,
/// one data change and the six-step expand/contract plan on the first service.
/// <list type="bullet">
/// <item>svc-i (i ≥ 1) has 1.0.0 (provides v1, calls svc-(i+1) v1) and 1.1.0 (adds v2, calls svc-(i+1) v2), so the
/// 1.1.0 releases must roll out from the bottom of the chain up (the dependency gate).</item>
/// <item>svc-0 has 1.0.0 (old shape), 1.1.0 prepare (reads both shapes, writes the old; needs the expand; calls
/// svc-1 v2), 1.2.0 activate (writes both shapes; needs the expand), 1.3.0 reads-new (needs expand and backfill).</item>
/// <item>The last service has one more release whose canary is bad (used by the bad-canary fault).</item>
/// </list>
/// </summary>
public sealed class SimWorld
{
    public const string Change = "customer-email";
    public const string Store = "db-0";
    public const string PlanId = "expand-contract";
    public const string Base = "1.0.0";
    public const string Prepare = "1.1.0";
    public const string Activate = "1.2.0";
    public const string ReadsNew = "1.3.0";

    public static readonly DataPhaseKind[] PhasesInOrder = [DataPhaseKind.Expand, DataPhaseKind.Backfill, DataPhaseKind.Contract];

    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public SimWorld(SimulationOptions options)
    {
        ServiceCount = options.Services;
        Config = BuildConfig(options.Services, options.Analysis);
        var last = Config.Services[^1];
        BadRelease = last.Releases[^1];
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

    public StepwiseConfig Config { get; }

    public int ServiceCount { get; }

    /// <summary>The release whose canary the bad-canary fault makes worse.</summary>
    public Release BadRelease { get; }

    /// <summary>Service index of each node.</summary>
    public int[] NodeService { get; }

    public string[] NodeIds { get; }

    public static string ServiceName(int i) => $"svc-{i}";

    /// <summary>The releases the operator rolls out besides the plan, bottom of the chain first: svc-(S-1)@1.1.0 ... svc-1@1.1.0.</summary>
    public IEnumerable<ReleaseRef> Train()
    {
        for (var i = ServiceCount - 1; i >= 1; i--)
        {
            yield return new ReleaseRef(ServiceName(i), Prepare);
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
                    new MetricSpec("error_rate", MetricKind.Rate, FailOn.Increase, Weight: 1, Critical: true, Tolerance: 0.5, MaxRate: 0.01, MinSamples: 50),
                    new MetricSpec("latency_ms", MetricKind.Distribution, FailOn.Increase, Weight: 1, Critical: false, Tolerance: 0.2, MinSamples: 20),
                ]
                : [],
            ScoreThresholds.Default,
            TimeSpan.FromMinutes(1),
            TimeSpan.FromMinutes(5),
            MarginalAction.Pause),
        new RetentionPolicy(TimeSpan.FromMinutes(10), TimeSpan.FromDays(30), TimeSpan.FromDays(90)));

    private static string Op(int service, int version) => $"GET /svc-{service}/v{version}";

    private static StepwiseConfig BuildConfig(int count, bool analysis)
    {
        var services = new List<Service>();
        for (var i = 0; i < count; i++)
        {
            var name = ServiceName(i);
            var hasCallee = i + 1 < count;
            IReadOnlyList<OperationCall> CallsV1() => hasCallee ? [new OperationCall(ServiceName(i + 1), Op(i + 1, 1))] : [];
            IReadOnlyList<OperationCall> CallsV2() => hasCallee ? [new OperationCall(ServiceName(i + 1), Op(i + 1, 1)), new OperationCall(ServiceName(i + 1), Op(i + 1, 2))] : [];
            var deps = hasCallee ? new List<ServiceDependency> { new(ServiceName(i + 1), [Op(i + 1, 1)]) } : [];
            var releases = new List<Release>();
            void Add(string version, IReadOnlyList<string> provides, IReadOnlyList<OperationCall> calls, IReadOnlyList<string> needs, IReadOnlyList<string> oldShape, IReadOnlyList<string>? expandOnly = null) =>
                releases.Add(new Release(name, version, releases.Count, provides, [], calls, needs, oldShape, expandOnly));
            if (i == 0)
            {
                Add(Base, [Op(0, 1)], CallsV1(), [], [Change]);
                // Prepare and activate read both shapes: they need the expand only, and still use the old shape.
                Add(Prepare, [Op(0, 1)], CallsV2(), [Change], [Change], [Change]);
                Add(Activate, [Op(0, 1)], CallsV2(), [Change], [Change], [Change]);
                Add(ReadsNew, [Op(0, 1)], CallsV2(), [Change], []);
                if (count == 1)
                {
                    Add("1.4.0", [Op(0, 1)], CallsV2(), [Change], []);
                }
            }
            else
            {
                Add(Base, [Op(i, 1)], CallsV1(), [], []);
                Add(Prepare, [Op(i, 1), Op(i, 2)], CallsV2(), [], []);
                if (i == count - 1)
                {
                    Add(Activate, [Op(i, 1), Op(i, 2)], CallsV2(), [], []);
                }
            }
            services.Add(new Service(name, deps, releases));
        }
        var svc0 = services[0];
        var change = new DataChange(
            Change,
            [Store],
            new SqlPhase("ALTER TABLE customers ADD COLUMN contact_email text", "ALTER TABLE customers DROP COLUMN contact_email"),
            new BackfillSpec("customers", "id", "contact_email = email", "contact_email IS NULL", 1000, TimeSpan.FromMilliseconds(10), null),
            new SqlPhase("ALTER TABLE customers DROP COLUMN email", null),
            [.. svc0.Releases.Where(r => r.Needs.Contains(Change)).Select(r => new ReleaseRef(r.Service, r.Version))],
            [.. svc0.Releases.Where(r => r.UsesOldShapeOf.Contains(Change)).Select(r => new ReleaseRef(r.Service, r.Version))]);
        var plan = new Plan(PlanId,
        [
            PlanStep.Data(Change, DataPhaseKind.Expand, Store),
            PlanStep.ReleaseOf(svc0.Name, Prepare),
            PlanStep.ReleaseOf(svc0.Name, Activate),
            PlanStep.Data(Change, DataPhaseKind.Backfill, Store),
            PlanStep.ReleaseOf(svc0.Name, ReadsNew),
            PlanStep.Data(Change, DataPhaseKind.Contract, Store),
        ]);
        return new StepwiseConfig(SimulationPolicy(analysis), [new Store(Store, StoreKind.Postgres)], services, [change], [plan]);
    }
}
