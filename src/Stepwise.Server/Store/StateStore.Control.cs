using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Server.Store;

/// <summary>Control state: what the reconciler reloads each tick and commits in one transaction.</summary>
public sealed partial class StateStore
{

    public async Task<ControlState> LoadControlStateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var services = new List<ServiceStatus>();
        await using (var r = await Command(connection, null, "SELECT service, current_release FROM service_status ORDER BY service").ExecuteReaderAsync(cancellationToken))
        {
            while (await r.ReadAsync(cancellationToken))
            {
                services.Add(new ServiceStatus(r.GetString(0), r.GetString(1)));
            }
        }
        var rollouts = new List<Rollout>();
        await using (var r = await Command(connection, null, "SELECT body, analysed_at_ticks FROM rollouts ORDER BY seq").ExecuteReaderAsync(cancellationToken))
        {
            while (await r.ReadAsync(cancellationToken))
            {
                var rollout = JsonSerializer.Deserialize<Rollout>(r.GetString(0), SnapshotJson.Options)!;
                rollouts.Add(r.GetValue(1) is DBNull ? rollout : rollout with { AnalysedAt = new DateTimeOffset(Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero) });
            }
        }
        var phases = new List<DataPhaseStatus>();
        await using (var r = await Command(connection, null, "SELECT change_id, phase, store_id, state, completed_at FROM data_phases ORDER BY change_id, phase, store_id").ExecuteReaderAsync(cancellationToken))
        {
            while (await r.ReadAsync(cancellationToken))
            {
                phases.Add(new DataPhaseStatus(r.GetString(0), (DataPhaseKind)Convert.ToInt32(r.GetValue(1)), r.GetString(2), (DataPhaseState)Convert.ToInt32(r.GetValue(3)), FromMs(r.GetValue(4))));
            }
        }
        var plans = await ReadJsonAsync<PlanProgress>(connection, "SELECT body FROM plans ORDER BY plan", cancellationToken);
        var requests = await ReadJsonAsync<OperatorRequest>(connection, "SELECT body FROM requests WHERE completed = 0 ORDER BY seq", cancellationToken);
        var overrides = await ReadJsonAsync<Override>(connection, "SELECT body FROM overrides ORDER BY seq", cancellationToken);
        var alerts = await ReadJsonAsync<Alert>(connection, "SELECT body FROM alerts ORDER BY raised_at, alert_key", cancellationToken);
        return new ControlState(services, rollouts, phases, plans, requests, overrides, alerts);
    }

    /// <summary>
    /// Commits one tick: the decision batch (to the decisions log), every state transition it causes, the requests
    /// it completes and its events, in one transaction. On PostgreSQL it runs on the leader's session, so a replica
    /// that lost its leadership (its session and lock are gone) cannot commit.
    /// </summary>
    public Task CommitTickAsync(TickBatch batch, DbConnection? leaderSession, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            var at = batch.At.ToUnixTimeMilliseconds();
            await Command(connection, tx, "INSERT INTO decisions (at, body) VALUES (@at, @body)",
                ("at", at), ("body", JsonSerializer.Serialize(batch.Decisions, SnapshotJson.Options))).ExecuteNonQueryAsync(cancellationToken);
            foreach (var node in batch.NodeTransitions)
            {
                await Command(connection, tx,
                    "INSERT INTO nodes (id, service, actual, desired, last_heartbeat, health, state, state_since) VALUES (@id, @service, @actual, @desired, @hb, @health, @state, @since) " +
                    "ON CONFLICT (id) DO UPDATE SET desired = excluded.desired, state = excluded.state, state_since = excluded.state_since",
                    ("id", node.Id), ("service", node.Service), ("actual", node.ActualRelease), ("desired", node.DesiredRelease), ("hb", node.LastHeartbeat?.ToUnixTimeMilliseconds()),
                    ("health", (int)node.Health), ("state", (int)node.State), ("since", node.StateSince?.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var rollout in batch.Rollouts)
            {
                // The body keeps the shape the previous server release reads; the judgment time has its own column.
                await Command(connection, tx,
                    "INSERT INTO rollouts (id, seq, service, body, analysed_at_ticks) VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM rollouts), @service, @body, @analysed) " +
                    "ON CONFLICT (id) DO UPDATE SET body = excluded.body, analysed_at_ticks = excluded.analysed_at_ticks",
                    ("id", rollout.Id), ("service", rollout.Service), ("body", JsonSerializer.Serialize(rollout with { AnalysedAt = null }, SnapshotJson.Options)),
                    ("analysed", rollout.AnalysedAt?.UtcTicks)).ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var service in batch.Services)
            {
                await Command(connection, tx,
                    "INSERT INTO service_status (service, current_release) VALUES (@s, @r) ON CONFLICT (service) DO UPDATE SET current_release = excluded.current_release",
                    ("s", service.Service), ("r", service.Current)).ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var plan in batch.Plans)
            {
                await Command(connection, tx, "INSERT INTO plans (plan, body) VALUES (@p, @b) ON CONFLICT (plan) DO UPDATE SET body = excluded.body",
                    ("p", plan.Plan), ("b", JsonSerializer.Serialize(plan, SnapshotJson.Options))).ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var phase in batch.DataPhases)
            {
                await UpsertPhaseAsync(connection, tx, phase, null, cancellationToken);
            }
            foreach (var alert in batch.RaisedAlerts)
            {
                await Command(connection, tx, "INSERT INTO alerts (alert_key, body, raised_at) VALUES (@k, @b, @at) ON CONFLICT (alert_key) DO UPDATE SET body = excluded.body",
                    ("k", alert.Key), ("b", JsonSerializer.Serialize(alert, SnapshotJson.Options)), ("at", at)).ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var key in batch.ClearedAlerts)
            {
                await Command(connection, tx, "DELETE FROM alerts WHERE alert_key = @k", ("k", key)).ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var done in batch.CompletedRequests)
            {
                await Command(connection, tx,
                    "UPDATE requests SET completed = 1, accepted = @a, message = @m, rollout = @r, refusals = @f WHERE id = @id AND completed = 0",
                    ("a", done.Accepted ? 1 : 0), ("m", done.Message), ("r", done.Rollout), ("f", JsonSerializer.Serialize(done.Refusals, SnapshotJson.Options)), ("id", done.Id))
                    .ExecuteNonQueryAsync(cancellationToken);
            }
            foreach (var registered in batch.Registered ?? [])
            {
                await InsertRegisteredAsync(connection, tx, registered.Service, registered.Release.Version, registered.Request, at, cancellationToken);
            }
            foreach (var retired in batch.Retired ?? [])
            {
                await InsertRetiredAsync(connection, tx, retired, at, cancellationToken);
            }
            await AppendEventsAsync(connection, tx, batch.At, batch.Events, cancellationToken);
        }, leaderSession, cancellationToken);

    /// <summary>Checks the leader's session is alive (serialized with the transactions that use it).</summary>
    public Task PingSessionAsync(DbConnection session, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) => await Command(connection, tx, "SELECT 1").ExecuteScalarAsync(cancellationToken), session, cancellationToken);

    /// <summary>Records the state of a data phase as its runner reports it (Complete or Failed), with an event.</summary>
    public Task SetDataPhaseAsync(DataPhaseStatus status, string? reason, NewEvent evt, DateTimeOffset at, DbConnection? leaderSession, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await UpsertPhaseAsync(connection, tx, status, reason, cancellationToken);
            await AppendEventsAsync(connection, tx, at, [evt], cancellationToken);
        }, leaderSession, cancellationToken);

    private static async Task UpsertPhaseAsync(DbConnection connection, DbTransaction tx, DataPhaseStatus phase, string? reason, CancellationToken cancellationToken) =>
        await Command(connection, tx,
            "INSERT INTO data_phases (change_id, phase, store_id, state, completed_at, reason) VALUES (@c, @p, @s, @st, @at, @reason) " +
            "ON CONFLICT (change_id, phase, store_id) DO UPDATE SET state = excluded.state, completed_at = excluded.completed_at, reason = excluded.reason",
            ("c", phase.Change), ("p", (int)phase.Phase), ("s", phase.Store), ("st", (int)phase.State), ("at", phase.CompletedAt?.ToUnixTimeMilliseconds()), ("reason", reason))
            .ExecuteNonQueryAsync(cancellationToken);
}
