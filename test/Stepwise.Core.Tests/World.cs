using Stepwise.Core.Config;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests;

/// <summary>
/// Given/When/Then for the decision core: a world declared in stepwise.yaml, nodes placed on releases, then
/// Decide, with helpers that apply the decisions and let simulated time pass.
/// </summary>
internal sealed class World
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>payments 1.0 → 1.1 (adds POST /refunds) → 1.2; orders 1.0 → 1.4 with a data change on orders-db.</summary>
    public const string ShopYaml = """
        policy:
          canary: { nodes: 1 }
          bake: 10m
          rehearsalBake: 5m
          waveBake: 5m
          waves: [50, 100]
          dataBake: 10m
          heartbeatTimeout: 30s
          stuckAfter: 1h
          analysis:
            metrics: []
        stores:
          - id: orders-db
            kind: postgres
        services:
          - name: payments
            releases:
              - version: 1.0.0
                provides: ["POST /payments"]
              - version: 1.1.0
                provides: ["POST /payments", "POST /refunds"]
              - version: 1.2.0
                provides: ["POST /payments", "POST /refunds"]
          - name: orders
            dependsOn:
              - service: payments
                calls: ["POST /payments"]
            releases:
              - version: 1.0.0
                provides: ["GET /orders/{id}"]
                usesOldShapeOf: [contact-email]
              - version: 1.1.0
                provides: ["GET /orders/{id}"]
                needs: ["contact-email:expand"]
                usesOldShapeOf: [contact-email]
              - version: 1.2.0
                provides: ["GET /orders/{id}"]
                needs: ["contact-email:expand"]
                usesOldShapeOf: [contact-email]
              - version: 1.3.0
                provides: ["GET /orders/{id}", "POST /orders/{id}/refund"]
                needs: [contact-email]
                calls:
                  - service: payments
                    operations: ["POST /refunds"]
          - name: catalog
            releases:
              - version: 1.0.0
              - version: 1.1.0
              - version: 1.2.0
        dataChanges:
          - id: contact-email
            store: orders-db
            expand:
              up: ALTER TABLE customers ADD COLUMN contact_email text
              down: ALTER TABLE customers DROP COLUMN contact_email
            backfill:
              table: customers
              key: id
              set: contact_email = email
            contract:
              up: ALTER TABLE customers DROP COLUMN email
              down: irreversible
        """;

    public World(string yaml = ShopYaml)
    {
        State = new ControllerState(Snapshot.Of(ConfigLoader.Parse(yaml, "stepwise.yaml"), []));
        Now = Start;
    }

    public ControllerState State { get; }

    public DateTimeOffset Now { get; set; }

    public Decider Decider { get; set; } = Decider.Default;

    private int requests;

    /// <summary>Adds <paramref name="count"/> healthy, active nodes of a service on a release: "orders-1", "orders-2"...</summary>
    /// <param name="admitted">The nodes joined by heartbeat and were admitted: no release was ever named for them.</param>
    public World Nodes(string service, string release, int count, string? prefix = null, NodeState state = NodeState.Active, bool admitted = false)
    {
        var start = State.Nodes.Count(n => n.Service == service);
        for (var i = 1; i <= count; i++)
        {
            var id = $"{prefix ?? service}-{start + i}";
            State.Upsert(new Node(id, service, release, admitted ? null : release, Now, NodeHealth.Healthy, state, Now));
        }
        return this;
    }

    public World Current(string service, string release)
    {
        State.Services.RemoveAll(s => s.Service == service);
        State.Services.Add(new ServiceStatus(service, release));
        return this;
    }

    public World Phase(string change, DataPhaseKind phase, DataPhaseState state, TimeSpan? completedAgo = null, string store = "orders-db")
    {
        State.SetPhase(new DataPhaseStatus(change, phase, store, state, state == DataPhaseState.Complete ? Now - (completedAgo ?? TimeSpan.FromHours(1)) : null));
        return this;
    }

    public World Offline(string node, TimeSpan? since = null)
    {
        var at = Now - (since ?? TimeSpan.FromMinutes(5));
        State.Update(node, n => n with { State = NodeState.Offline, LastHeartbeat = at, StateSince = at });
        return this;
    }

    public World Decommissioned(string node)
    {
        State.Update(node, n => n with { State = NodeState.Decommissioned, StateSince = Now - TimeSpan.FromMinutes(1), LastHeartbeat = Now - TimeSpan.FromMinutes(2) });
        return this;
    }

    public string Request(RequestKind kind, string? service = null, string? version = null, string? change = null, DataPhaseKind? phase = null, string? rollout = null, string? plan = null, string? node = null)
    {
        var id = $"req-{++requests}";
        State.Requests.Add(new OperatorRequest(id, kind, Now, service, version, change, phase, null, rollout, node, plan, "test"));
        return id;
    }

    public string StartRollout(string service, string version) => Request(RequestKind.StartRollout, service, version);

    /// <summary>Records an operator's override of one refusal subject.</summary>
    public World Override(GuaranteeId guarantee, string subject, string reason)
    {
        State.Overrides.Add(new Override($"ovr-{State.Overrides.Count + 1}", guarantee, subject, reason, "test", Now));
        return this;
    }

    /// <summary>Asks to register a release the way the API does (decided by the next step).</summary>
    public string Register(string service, ReleaseDeclaration release, string? reason = null)
    {
        var id = $"req-{++requests}";
        State.Requests.Add(new OperatorRequest(id, RequestKind.RegisterRelease, Now, service, release.Version, Reason: reason, Release: release));
        return id;
    }

    /// <summary>A release as a registration declares it.</summary>
    public static ReleaseDeclaration Declared(string version, string[]? provides = null, string[]? usesOldShapeOf = null, string[]? needs = null,
        IReadOnlyList<ContractDocument>? contracts = null, string[]? deprecates = null) => new(
        version, provides ?? [], deprecates ?? [], [], (needs ?? []).Select(n => new Located<string>(n)).ToList(),
        (usesOldShapeOf ?? []).Select(n => new Located<string>(n)).ToList(), null, ReleaseOrigin.Registered, contracts);

    public string RunPhase(string change, DataPhaseKind phase) => Request(RequestKind.RunDataPhase, change: change, phase: phase);

    /// <summary>Client telemetry within the window (G8), as the server would load it.</summary>
    public List<ClientCalls> ClientCalls { get; } = [];

    /// <summary>Records calls of one client app and version to an operation, last seen <paramref name="ago"/> before now.</summary>
    public World Calls(string service, string operation, string app, string version, long calls, TimeSpan? ago = null)
    {
        ClientCalls.Add(new ClientCalls(service, operation, app, version, calls, Now - (ago ?? TimeSpan.FromMinutes(1))));
        return this;
    }

    public Decisions.Decisions Decide() => Decider.Run(State.CopySnapshot() with { Clients = ClientCalls }, Now);

    /// <summary>Decide and apply the decisions to the controller state.</summary>
    public Decisions.Decisions Step()
    {
        var decisions = Decide();
        State.Apply(decisions, Now);
        return decisions;
    }

    /// <summary>Every reachable node converges to its desired release and heartbeats now (agents doing their job).</summary>
    public World Converge(Func<Node, bool>? except = null)
    {
        foreach (var node in State.Nodes.ToList())
        {
            if (node.State is NodeState.Offline or NodeState.Decommissioned || (except?.Invoke(node) ?? false))
            {
                continue;
            }
            State.Update(node.Id, n => n with { ActualRelease = n.DesiredRelease ?? n.ActualRelease, LastHeartbeat = Now });
        }
        return this;
    }

    /// <summary>Time passes: reachable nodes keep heartbeating.</summary>
    public World Advance(TimeSpan by)
    {
        Now += by;
        foreach (var node in State.Nodes.ToList())
        {
            if (node.State is not (NodeState.Offline or NodeState.Decommissioned))
            {
                State.Update(node.Id, n => n with { LastHeartbeat = Now });
            }
        }
        return this;
    }

    /// <summary>Runs the controller loop (step, converge, advance) until the predicate holds or the step budget runs out.</summary>
    public List<Decisions.Decisions> RunUntil(Func<World, bool> done, int maxSteps = 500, TimeSpan? tick = null)
    {
        var all = new List<Decisions.Decisions>();
        for (var i = 0; i < maxSteps && !done(this); i++)
        {
            all.Add(Step());
            Converge();
            Advance(tick ?? TimeSpan.FromMinutes(1));
        }
        return all;
    }

    public Rollout? Rollout(string service) => State.Rollouts.LastOrDefault(r => r.Service == service);

    public Node Node(string id) => State.Node(id)!;
}

internal static class DecisionsExtensions
{
    public static IEnumerable<T> Of<T>(this Decisions.Decisions d) => d.Actions.OfType<T>();

    public static Refusal? Refusal(this Decisions.Decisions d, GuaranteeId id) => d.Refusals.FirstOrDefault(r => r.Guarantee == id);

    public static bool Started(this Decisions.Decisions d, string service) => d.Of<StartRollout>().Any(s => s.Service == service);

    public static IEnumerable<T> Of<T>(this IEnumerable<Decisions.Decisions> all) => all.SelectMany(d => d.Actions.OfType<T>());
}
