using Stepwise.Core.Decisions;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// Client populations (G8): the apps call svc-0 every minute, svc-0's middleware ships what it counted to the
/// controller's telemetry (held while the controller is down, shipped when it is back), new versions appear and old
/// ones age out. The controller decides over that telemetry with Core's G8, as the server does: each tick's snapshot
/// carries it, and a change of the client minimum versions goes through <see cref="G8OldClients.CheckPolicyChange"/>
/// as the server's <c>PUT /api/v1/config</c> does.
/// </summary>
public sealed partial class Simulation
{
    private readonly ClientPopulationState? population;
    private readonly ClientTelemetryTable telemetry = new();
    private int overrides;

    private void ScheduleClients()
    {
        if (population is null)
        {
            return;
        }
        Schedule(now, new Event(Kind.ClientCalls));
        for (var app = 0; app < ClientPopulationState.Apps.Length; app++)
        {
            Schedule(now + Exponential(options.Clients!.NewVersionEvery), new Event(Kind.ClientVersion, A: app));
        }
    }

    /// <summary>A minute of client calls; the middleware ships them when the controller is up.</summary>
    private void ClientCalls()
    {
        var agedOut = population!.Call(now, random);
        if (agedOut > 0)
        {
            Count("client versions aged out", agedOut);
            trail.Add(now, $"clients: {agedOut} old version(s) stopped calling");
        }
        if (controllerUp)
        {
            ShipTelemetry();
        }
        if (!finished)
        {
            Schedule(now + ClientPopulationState.CallInterval, new Event(Kind.ClientCalls));
        }
    }

    private void ClientVersion(int app)
    {
        var version = population!.Release(app);
        Count("client versions released");
        trail.Add(now, $"clients: {version.App} {version.Version} is out");
        if (!finished)
        {
            Schedule(now + Exponential(options.Clients!.NewVersionEvery), new Event(Kind.ClientVersion, A: app));
        }
    }

    /// <summary>The middleware's telemetry reaches the controller, stamped with the controller's time.</summary>
    private void ShipTelemetry()
    {
        if (population is null)
        {
            return;
        }
        var batch = population.Ship(now);
        if (batch.Count > 0)
        {
            telemetry.Add(batch, now);
            tape?.Invoke(new TapeClientCalls(now, batch));
        }
    }

    /// <summary>The client telemetry within the window, as the reconciler loads it for a tick (null without clients).</summary>
    private IReadOnlyList<ClientCalls>? ClientTelemetry() =>
        population is null ? null : telemetry.Load(now - control.Config.Policy.Retention.ClientTelemetry);

    /// <summary>
    /// The operator's new stepwise.yaml raising <paramref name="app"/>'s minimum version to <paramref name="version"/>:
    /// decided by Core's G8 over the telemetry and the recorded overrides, as the server decides it; when it passes the
    /// controller's configuration carries the new minimum. Returns the refusal, or null when it passed.
    /// </summary>
    private Refusal? RaiseClientMinimum(string app, string version)
    {
        var before = control.Config.Policy.ClientRules;
        var after = new ClientPolicy([.. before.MinimumVersions.Where(m => m.App != app), new MinimumVersion(app, version)]);
        var snapshot = new Snapshot(control.Config, [], [], [], [], [], [], control.Overrides, [], [], null, ClientTelemetry());
        var decisions = G8OldClients.CheckPolicyChange(snapshot, now, after, planner.Guarantees);
        tape?.Invoke(new TapeClientPolicy(now, after, decisions.Refusals.Count == 0));
        foreach (var refusal in decisions.Refusals)
        {
            CountRefusal(refusal);
        }
        if (decisions.Refusals.Count > 0)
        {
            trail.Add(now, $"operator: minimum version of {app} to {version} refused ({decisions.Refusals[0].Guarantee}): {decisions.Refusals[0].Message}");
            return decisions.Refusals[0];
        }
        foreach (var use in decisions.Actions.OfType<UseOverride>())
        {
            Count("overrides used");
            trail.Add(now, ActionSummaries.Of(use));
        }
        control.Config = control.Config.Relink(d => d with { Policy = d.Policy with { Clients = after } });
        trail.Add(now, $"operator: minimum version of {app} raised to {version}");
        return null;
    }

    /// <summary>The operator records an override (<c>POST /api/v1/overrides</c>): guarantee, subject and reason.</summary>
    private void RecordOverride(GuaranteeId guarantee, string subject, string reason)
    {
        var record = new Override($"ovr-sim-{++overrides}", guarantee, subject, reason, "operator", now);
        control.Overrides.Add(record);
        tape?.Invoke(new TapeOverride(now, record));
        Count("overrides recorded");
        trail.Add(now, $"operator: override {record.Id} of {guarantee} for \"{subject}\": {reason}");
    }
}
