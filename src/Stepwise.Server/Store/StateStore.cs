using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Server.Store;

/// <summary>A release registered through the API, with its artifact and contracts.</summary>
public sealed record RegisteredRelease(string Service, ReleaseRegistration Registration, DateTimeOffset RegisteredAt);

/// <summary>A stored token: only the SHA-256 of the secret is kept.</summary>
public sealed record TokenRecord(string Hash, string Name, TokenKind Kind, string? Node);

/// <summary>An event to append to the log.</summary>
public sealed record NewEvent(string Kind, string Message, string? Subject = null, string? DataJson = null);

/// <summary>A stored operator request and, once the reconciler handled it, its outcome.</summary>
public sealed record RequestRecord(OperatorRequest Request, bool Completed, bool? Accepted, string? Message, string? Rollout, IReadOnlyList<Refusal> Refusals);

/// <summary>How an operator request ended, written in the same transaction as the decisions that ended it.</summary>
public sealed record RequestCompletion(string Id, bool Accepted, string Message, string? Rollout, IReadOnlyList<Refusal> Refusals);

/// <summary>The controller state that is not node heartbeats: what the reconciler reloads each tick.</summary>
public sealed record ControlState(
    IReadOnlyList<ServiceStatus> Services,
    IReadOnlyList<Rollout> Rollouts,
    IReadOnlyList<DataPhaseStatus> DataPhases,
    IReadOnlyList<PlanProgress> Plans,
    IReadOnlyList<OperatorRequest> Requests,
    IReadOnlyList<Override> Overrides,
    IReadOnlyList<Alert> Alerts);

/// <summary>
/// Everything one reconciler tick changes: the decision batch, the state transitions it causes, the requests it
/// completes and its events. Committed in one transaction before any of it is acted on.
/// </summary>
public sealed record TickBatch(
    DateTimeOffset At,
    Decisions Decisions,
    IReadOnlyList<Node> NodeTransitions,
    IReadOnlyList<Rollout> Rollouts,
    IReadOnlyList<ServiceStatus> Services,
    IReadOnlyList<PlanProgress> Plans,
    IReadOnlyList<DataPhaseStatus> DataPhases,
    IReadOnlyList<Alert> RaisedAlerts,
    IReadOnlyList<string> ClearedAlerts,
    IReadOnlyList<RequestCompletion> CompletedRequests,
    IReadOnlyList<NewEvent> Events);

/// <summary>
/// The server's durable state, one schema in two dialects (SQLite: one file, WAL, synchronous=FULL, one writer;
/// PostgreSQL: several replicas). Node heartbeat columns (actual release, health, last heartbeat) are written by
/// heartbeat flushes; node control columns (desired release, state) only by the reconciler's tick batches.
/// </summary>
public sealed class StateStore : IAsyncDisposable
{
    private readonly SemaphoreSlim writer = new(1, 1);
    private readonly NpgsqlDataSource? postgres;

    private StateStore(StoreUrl url)
    {
        Url = url;
        if (url.Dialect == StoreDialect.Postgres)
        {
            postgres = NpgsqlDataSource.Create(url.ConnectionString);
        }
    }

    public StoreUrl Url { get; }

    public StoreDialect Dialect => Url.Dialect;

    public static async Task<StateStore> OpenAsync(StoreUrl url, CancellationToken cancellationToken)
    {
        var store = new StateStore(url);
        await store.MigrateAsync(cancellationToken);
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }
        writer.Dispose();
    }

    /// <summary>A new open connection (SQLite: WAL and synchronous=FULL set on it).</summary>
    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        if (postgres is not null)
        {
            return await postgres.OpenConnectionAsync(cancellationToken);
        }
        var connection = new SqliteConnection(Url.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    // ---------------------------------------------------------------- schema

    public async Task<IReadOnlyList<int>> AppliedMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<int>();
        await using var reader = await Command(connection, null, "SELECT id FROM schema_migrations ORDER BY id").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(Convert.ToInt32(reader.GetValue(0)));
        }
        return list;
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await WriteAsync(async (connection, tx) =>
        {
            if (Dialect == StoreDialect.Postgres)
            {
                await Command(connection, tx, $"SELECT pg_advisory_xact_lock({Migrations.PostgresMigrationLock})").ExecuteNonQueryAsync(cancellationToken);
            }
            await Command(connection, tx, "CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, applied_at BIGINT NOT NULL)")
                .ExecuteNonQueryAsync(cancellationToken);
            var applied = new HashSet<int>();
            await using (var reader = await Command(connection, tx, "SELECT id FROM schema_migrations").ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(Convert.ToInt32(reader.GetValue(0)));
                }
            }
            var known = Migrations.For(Dialect);
            var newest = known.Max(m => m.Id);
            if (applied.Count > 0 && applied.Max() > newest)
            {
                throw new InvalidOperationException(
                    $"the store {Url.Display} has schema step {applied.Max()}, newer than this server knows ({newest}); run a server release at least as new as the one that migrated it");
            }
            foreach (var migration in known.Where(m => !applied.Contains(m.Id)).OrderBy(m => m.Id))
            {
                foreach (var sql in migration.Statements)
                {
                    await Command(connection, tx, sql).ExecuteNonQueryAsync(cancellationToken);
                }
                await Command(connection, tx, "INSERT INTO schema_migrations (id, name, kind, applied_at) VALUES (@id, @name, @kind, @at)",
                    ("id", migration.Id), ("name", migration.Name), ("kind", migration.Kind.ToString().ToLowerInvariant()), ("at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
                    .ExecuteNonQueryAsync(cancellationToken);
            }
        }, null, cancellationToken);
    }

    // ---------------------------------------------------------------- config and releases

    public async Task<(string Yaml, string File, long Revision)?> LoadConfigAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var reader = await Command(connection, null, "SELECT yaml, file, revision FROM config WHERE id = 1").ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetString(0), reader.GetString(1), Convert.ToInt64(reader.GetValue(2))) : null;
    }

    /// <summary>The revision of the effective configuration: changes on every config replacement and release registration.</summary>
    public async Task<long> ConfigRevisionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var value = await Command(connection, null, "SELECT COALESCE((SELECT revision FROM config WHERE id = 1), 0) + (SELECT COUNT(*) FROM releases)").ExecuteScalarAsync(cancellationToken);
        return Convert.ToInt64(value);
    }

    public Task SaveConfigAsync(string yaml, string file, DateTimeOffset at, NewEvent evt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await Command(connection, tx,
                "INSERT INTO config (id, yaml, file, revision, updated_at) VALUES (1, @yaml, @file, 1, @at) " +
                "ON CONFLICT (id) DO UPDATE SET yaml = excluded.yaml, file = excluded.file, revision = config.revision + 1, updated_at = excluded.updated_at",
                ("yaml", yaml), ("file", file), ("at", at.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            await AppendEventsAsync(connection, tx, at, [evt], cancellationToken);
        }, null, cancellationToken);

    public async Task<IReadOnlyList<RegisteredRelease>> LoadReleasesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<RegisteredRelease>();
        await using var reader = await Command(connection, null, "SELECT service, registration, registered_at FROM releases ORDER BY seq").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var registration = JsonSerializer.Deserialize<ReleaseRegistration>(reader.GetString(1), SnapshotJson.Options)!;
            list.Add(new RegisteredRelease(reader.GetString(0), registration, FromMs(reader.GetValue(2))!.Value));
        }
        return list;
    }

    /// <summary>Adds a release; false when that version of the service is already registered.</summary>
    public async Task<bool> AddReleaseAsync(RegisteredRelease release, NewEvent evt, CancellationToken cancellationToken)
    {
        var added = false;
        await WriteAsync(async (connection, tx) =>
        {
            var exists = await Command(connection, tx, "SELECT COUNT(*) FROM releases WHERE service = @s AND version = @v",
                ("s", release.Service), ("v", release.Registration.Version)).ExecuteScalarAsync(cancellationToken);
            if (Convert.ToInt64(exists) > 0)
            {
                return;
            }
            await Command(connection, tx,
                "INSERT INTO releases (service, version, seq, registration, registered_at) VALUES (@s, @v, (SELECT COALESCE(MAX(seq), 0) + 1 FROM releases), @r, @at)",
                ("s", release.Service), ("v", release.Registration.Version), ("r", JsonSerializer.Serialize(release.Registration, SnapshotJson.Options)),
                ("at", release.RegisteredAt.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            await AppendEventsAsync(connection, tx, release.RegisteredAt, [evt], cancellationToken);
            added = true;
        }, null, cancellationToken);
        return added;
    }

    // ---------------------------------------------------------------- nodes

    public async Task<IReadOnlyList<Node>> LoadNodesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<Node>();
        await using var reader = await Command(connection, null,
            "SELECT id, service, actual, desired, last_heartbeat, health, state, state_since FROM nodes ORDER BY id").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Node(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                FromMs(reader.GetValue(4)),
                (NodeHealth)Convert.ToInt32(reader.GetValue(5)),
                (NodeState)Convert.ToInt32(reader.GetValue(6)),
                FromMs(reader.GetValue(7))));
        }
        return list;
    }

    /// <summary>
    /// Writes the heartbeat columns of these nodes in one transaction. A node seen for the first time is created
    /// in state Offline so that the next Decide admits or quarantines it; existing control columns are kept.
    /// </summary>
    public Task FlushHeartbeatsAsync(IReadOnlyList<Node> nodes, CancellationToken cancellationToken)
    {
        if (nodes.Count == 0)
        {
            return Task.CompletedTask;
        }
        return WriteAsync(async (connection, tx) =>
        {
            await using var command = Command(connection, tx,
                "INSERT INTO nodes (id, service, actual, desired, last_heartbeat, health, state, state_since) VALUES (@id, @service, @actual, NULL, @hb, @health, @state, @hb) " +
                "ON CONFLICT (id) DO UPDATE SET actual = excluded.actual, health = excluded.health, " +
                "last_heartbeat = CASE WHEN nodes.last_heartbeat IS NULL OR excluded.last_heartbeat > nodes.last_heartbeat THEN excluded.last_heartbeat ELSE nodes.last_heartbeat END",
                ("id", ""), ("service", ""), ("actual", null), ("hb", 0L), ("health", 0), ("state", (int)NodeState.Offline));
            await command.PrepareAsync(cancellationToken);
            foreach (var node in nodes)
            {
                command.Parameters[0].Value = node.Id;
                command.Parameters[1].Value = node.Service;
                command.Parameters[2].Value = (object?)node.ActualRelease ?? DBNull.Value;
                command.Parameters[3].Value = node.LastHeartbeat?.ToUnixTimeMilliseconds() ?? 0L;
                command.Parameters[4].Value = (int)node.Health;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }, null, cancellationToken);
    }

    // ---------------------------------------------------------------- control state

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
        var rollouts = await ReadJsonAsync<Rollout>(connection, "SELECT body FROM rollouts ORDER BY seq", cancellationToken);
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
                await Command(connection, tx,
                    "INSERT INTO rollouts (id, seq, service, body) VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM rollouts), @service, @body) " +
                    "ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                    ("id", rollout.Id), ("service", rollout.Service), ("body", JsonSerializer.Serialize(rollout, SnapshotJson.Options))).ExecuteNonQueryAsync(cancellationToken);
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

    // ---------------------------------------------------------------- requests and overrides

    public Task InsertRequestAsync(OperatorRequest request, NewEvent evt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await Command(connection, tx,
                "INSERT INTO requests (id, seq, body, created_at, completed) VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM requests), @body, @at, 0)",
                ("id", request.Id), ("body", JsonSerializer.Serialize(request, SnapshotJson.Options)), ("at", request.At.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            await AppendEventsAsync(connection, tx, request.At, [evt], cancellationToken);
        }, null, cancellationToken);

    public async Task<RequestRecord?> GetRequestAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var reader = await Command(connection, null, "SELECT body, completed, accepted, message, rollout, refusals FROM requests WHERE id = @id", ("id", id))
            .ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var request = JsonSerializer.Deserialize<OperatorRequest>(reader.GetString(0), SnapshotJson.Options)!;
        var refusals = reader.IsDBNull(5) ? [] : JsonSerializer.Deserialize<List<Refusal>>(reader.GetString(5), SnapshotJson.Options) ?? [];
        return new RequestRecord(request, Convert.ToInt32(reader.GetValue(1)) == 1, reader.IsDBNull(2) ? null : Convert.ToInt32(reader.GetValue(2)) == 1,
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), refusals);
    }

    public Task InsertOverrideAsync(Override record, NewEvent evt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await Command(connection, tx, "INSERT INTO overrides (id, seq, body) VALUES (@id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM overrides), @body)",
                ("id", record.Id), ("body", JsonSerializer.Serialize(record, SnapshotJson.Options))).ExecuteNonQueryAsync(cancellationToken);
            await AppendEventsAsync(connection, tx, record.At, [evt], cancellationToken);
        }, null, cancellationToken);

    // ---------------------------------------------------------------- tokens

    public Task InsertTokenAsync(TokenRecord token, DateTimeOffset at, NewEvent? evt, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            await Command(connection, tx, "INSERT INTO tokens (hash, name, kind, node, created_at) VALUES (@h, @n, @k, @node, @at) ON CONFLICT (hash) DO NOTHING",
                ("h", token.Hash), ("n", token.Name), ("k", (int)token.Kind), ("node", token.Node), ("at", at.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            if (evt is not null)
            {
                await AppendEventsAsync(connection, tx, at, [evt], cancellationToken);
            }
        }, null, cancellationToken);

    public async Task<TokenRecord?> FindTokenAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        await using var reader = await Command(connection, null, "SELECT hash, name, kind, node FROM tokens WHERE hash = @h", ("h", hash)).ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TokenRecord(reader.GetString(0), reader.GetString(1), (TokenKind)Convert.ToInt32(reader.GetValue(2)), reader.IsDBNull(3) ? null : reader.GetString(3))
            : null;
    }

    // ---------------------------------------------------------------- events

    public Task AppendEventAsync(NewEvent evt, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync((connection, tx) => AppendEventsAsync(connection, tx, at, [evt], cancellationToken), null, cancellationToken);

    public async Task<IReadOnlyList<EventView>> EventsAsync(long after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<EventView>();
        await using var reader = await Command(connection, null,
            "SELECT id, at, kind, message, subject, data FROM events WHERE id > @after ORDER BY id LIMIT @limit", ("after", after), ("limit", limit)).ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            JsonElement? data = reader.IsDBNull(5) ? null : JsonDocument.Parse(reader.GetString(5)).RootElement.Clone();
            list.Add(new EventView(Convert.ToInt64(reader.GetValue(0)), FromMs(reader.GetValue(1))!.Value, reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), data));
        }
        return list;
    }

    /// <summary>The decisions log, oldest first (id, time, the serialized decision batch).</summary>
    public async Task<IReadOnlyList<(long Id, DateTimeOffset At, Decisions Decisions)>> DecisionLogAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var list = new List<(long, DateTimeOffset, Decisions)>();
        await using var reader = await Command(connection, null, "SELECT id, at, body FROM decisions ORDER BY id").ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add((Convert.ToInt64(reader.GetValue(0)), FromMs(reader.GetValue(1))!.Value, JsonSerializer.Deserialize<Decisions>(reader.GetString(2), SnapshotJson.Options)!));
        }
        return list;
    }

    private static async Task AppendEventsAsync(DbConnection connection, DbTransaction tx, DateTimeOffset at, IEnumerable<NewEvent> events, CancellationToken cancellationToken)
    {
        foreach (var evt in events)
        {
            await Command(connection, tx, "INSERT INTO events (at, kind, message, subject, data) VALUES (@at, @k, @m, @s, @d)",
                ("at", at.ToUnixTimeMilliseconds()), ("k", evt.Kind), ("m", evt.Message), ("s", evt.Subject), ("d", evt.DataJson)).ExecuteNonQueryAsync(cancellationToken);
        }
    }

    // ---------------------------------------------------------------- plumbing

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction. SQLite has one writer (serialized here; BEGIN IMMEDIATE so a
    /// transaction never fails half-way on a lock upgrade). On PostgreSQL, <paramref name="session"/> (the leader's
    /// lock-holding connection) is used when given.
    /// </summary>
    private async Task WriteAsync(Func<DbConnection, DbTransaction, Task> work, DbConnection? session, CancellationToken cancellationToken)
    {
        if (Dialect == StoreDialect.Sqlite)
        {
            await writer.WaitAsync(cancellationToken);
            try
            {
                await using var connection = await OpenConnectionAsync(cancellationToken);
                await using var tx = await ((SqliteConnection)connection).BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
                await work(connection, tx);
                await tx.CommitAsync(cancellationToken);
            }
            finally
            {
                writer.Release();
            }
            return;
        }
        if (session is not null)
        {
            // The leader session is shared by the reconciler and data-phase completions: one transaction at a time.
            await writer.WaitAsync(cancellationToken);
            try
            {
                await using var tx = await session.BeginTransactionAsync(cancellationToken);
                await work(session, tx);
                await tx.CommitAsync(cancellationToken);
            }
            finally
            {
                writer.Release();
            }
            return;
        }
        await using (var connection = await OpenConnectionAsync(cancellationToken))
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await work(connection, tx);
            await tx.CommitAsync(cancellationToken);
        }
    }

    private static async Task<List<T>> ReadJsonAsync<T>(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await using var reader = await Command(connection, null, sql).ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), SnapshotJson.Options)!);
        }
        return list;
    }

    internal static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }

    private static DateTimeOffset? FromMs(object value) => value is DBNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value));
}
