using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;
using Stepwise.Server.Store;

namespace Stepwise.Server.Tests;

/// <summary>The store's behaviour, the same on both dialects.</summary>
public abstract class StoreTests
{
    protected abstract Task<string> NewStoreUrlAsync();

    private async Task<StateStore> OpenAsync(string? url = null) => await StateStore.OpenAsync(StoreUrl.Parse(url ?? await NewStoreUrlAsync()), CancellationToken.None);

    private static readonly DateTimeOffset At = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task migrations_run_once_and_reopening_applies_nothing_again()
    {
        var url = await NewStoreUrlAsync();
        await using (var store = await OpenAsync(url))
        {
            (await store.AppliedMigrationsAsync(CancellationToken.None)).ShouldBe(Migrations.For(store.Dialect).Select(m => m.Id).ToList());
        }
        await using var again = await OpenAsync(url);
        (await again.AppliedMigrationsAsync(CancellationToken.None)).ShouldBe(Migrations.For(again.Dialect).Select(m => m.Id).ToList());
    }

    [Fact]
    public async Task a_store_migrated_by_a_newer_server_is_refused()
    {
        var url = await NewStoreUrlAsync();
        await using (var store = await OpenAsync(url))
        {
            await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.CommandText = "INSERT INTO schema_migrations (id, name, kind, applied_at) VALUES (999, 'from the future', 'expand', 0)";
            await command.ExecuteNonQueryAsync();
        }
        var error = await Should.ThrowAsync<InvalidOperationException>(() => OpenAsync(url));
        error.Message.ShouldContain("999");
    }

    [Fact]
    public async Task a_flush_of_several_statements_and_a_remainder_writes_every_node_with_its_own_values()
    {
        await using var store = await OpenAsync();
        var count = store.FlushRows * 3 + 3;
        var nodes = Enumerable.Range(0, count).Select(i => new Node($"n{i:D4}", $"svc-{i % 3}", i % 5 == 0 ? null : $"1.{i}.0", null,
            At.AddMilliseconds(i), i % 2 == 0 ? NodeHealth.Healthy : NodeHealth.Unhealthy, NodeState.Offline)).ToList();
        await store.FlushHeartbeatsAsync(nodes, CancellationToken.None);
        // Again with newer times and other values: every row is updated, none crossed with another's parameters.
        var later = nodes.Select((n, i) => n with { ActualRelease = $"2.{i}.0", LastHeartbeat = At.AddMinutes(1).AddMilliseconds(i), Health = NodeHealth.Healthy }).ToList();
        await store.FlushHeartbeatsAsync(later, CancellationToken.None);
        var stored = (await store.LoadNodesAsync(CancellationToken.None)).OrderBy(n => n.Id, StringComparer.Ordinal).ToList();
        stored.Select(n => (n.Id, n.Service, n.ActualRelease, n.LastHeartbeat, n.Health))
            .ShouldBe(later.Select(n => (n.Id, n.Service, n.ActualRelease, n.LastHeartbeat, n.Health)));
    }

    [Fact]
    public async Task a_heartbeat_flush_creates_new_nodes_offline_and_never_changes_control_columns()
    {
        await using var store = await OpenAsync();
        await store.FlushHeartbeatsAsync([new Node("n1", "orders", "1.0.0", null, At, NodeHealth.Healthy, NodeState.Active)], CancellationToken.None);
        var created = (await store.LoadNodesAsync(CancellationToken.None)).ShouldHaveSingleItem();
        created.State.ShouldBe(NodeState.Offline);
        created.ActualRelease.ShouldBe("1.0.0");

        var batch = Batch(nodes: [created with { State = NodeState.Quarantined, DesiredRelease = "1.1.0", StateSince = At }]);
        await store.CommitTickAsync(batch, null, CancellationToken.None);
        await store.FlushHeartbeatsAsync([new Node("n1", "orders", "0.9.0", "9.9.9", At.AddSeconds(5), NodeHealth.Unhealthy, NodeState.Active)], CancellationToken.None);
        var node = (await store.LoadNodesAsync(CancellationToken.None)).ShouldHaveSingleItem();
        node.State.ShouldBe(NodeState.Quarantined);
        node.DesiredRelease.ShouldBe("1.1.0");
        node.ActualRelease.ShouldBe("0.9.0");
        node.Health.ShouldBe(NodeHealth.Unhealthy);
        node.LastHeartbeat.ShouldBe(At.AddSeconds(5));
    }

    [Fact]
    public async Task a_tick_batch_persists_its_transitions_decisions_completions_and_events_together()
    {
        await using var store = await OpenAsync();
        var request = new OperatorRequest("req-1", RequestKind.StartRollout, At, Service: "orders", Version: "1.1.0");
        await store.InsertRequestAsync(request, new NewEvent("request", "asked"), CancellationToken.None);
        (await store.LoadControlStateAsync(CancellationToken.None)).Requests.ShouldHaveSingleItem().Id.ShouldBe("req-1");

        var rollout = new Rollout("orders-1.1.0-1", "orders", "1.0.0", "1.1.0", RolloutPhase.Canary, At, 0, ["n1"]);
        var alert = new Alert("stuck:orders-1.1.0-1", AlertSeverity.Warning, GuaranteeId.G7, "stuck");
        var decisions = new Decisions([new StartRollout(rollout.Id, "orders", "1.0.0", "1.1.0", ["n1"], null, "start")], []);
        await store.CommitTickAsync(Batch(decisions, rollouts: [rollout], services: [new ServiceStatus("orders", "1.0.0")], alerts: [alert],
            phases: [new DataPhaseStatus("add-note", DataPhaseKind.Expand, "app-db", DataPhaseState.Running)],
            plans: [new PlanProgress("p", 1, PlanState.Running, At)],
            completed: [new RequestCompletion("req-1", true, "started", rollout.Id, [])]), null, CancellationToken.None);

        var control = await store.LoadControlStateAsync(CancellationToken.None);
        control.Rollouts.ShouldHaveSingleItem().ShouldBe(rollout, new RolloutComparer());
        control.Services.ShouldHaveSingleItem().ShouldBe(new ServiceStatus("orders", "1.0.0"));
        control.Alerts.ShouldHaveSingleItem().Key.ShouldBe(alert.Key);
        control.DataPhases.ShouldHaveSingleItem().State.ShouldBe(DataPhaseState.Running);
        control.Plans.ShouldHaveSingleItem().Step.ShouldBe(1);
        control.Requests.ShouldBeEmpty();
        var done = (await store.GetRequestAsync("req-1", CancellationToken.None))!;
        done.Completed.ShouldBeTrue();
        done.Accepted.ShouldBe(true);
        done.Rollout.ShouldBe(rollout.Id);
        var log = (await store.DecisionLogAsync(CancellationToken.None)).ShouldHaveSingleItem();
        log.Decisions.Actions.ShouldHaveSingleItem().ShouldBeOfType<StartRollout>().Rollout.ShouldBe(rollout.Id);

        await store.CommitTickAsync(Batch(rollouts: [rollout with { Phase = RolloutPhase.Baking }], cleared: [alert.Key]), null, CancellationToken.None);
        control = await store.LoadControlStateAsync(CancellationToken.None);
        control.Rollouts.ShouldHaveSingleItem().Phase.ShouldBe(RolloutPhase.Baking);
        control.Alerts.ShouldBeEmpty();
    }

    [Fact]
    public async Task events_come_back_in_ascending_id_order_after_an_id_and_up_to_a_limit()
    {
        await using var store = await OpenAsync();
        for (var i = 0; i < 5; i++)
        {
            await store.AppendEventAsync(new NewEvent("note", $"event {i}", DataJson: JsonSerializer.Serialize(new { i })), At.AddSeconds(i), CancellationToken.None);
        }
        var all = await store.EventsAsync(0, 100, CancellationToken.None);
        all.Select(e => e.Message).ShouldBe(["event 0", "event 1", "event 2", "event 3", "event 4"]);
        all.Select(e => e.Id).ShouldBeInOrder(SortDirection.Ascending);
        all[2].Data!.Value.GetProperty("i").GetInt32().ShouldBe(2);
        var page = await store.EventsAsync(all[1].Id, 2, CancellationToken.None);
        page.Select(e => e.Message).ShouldBe(["event 2", "event 3"]);
    }

    [Fact]
    public async Task releases_and_tokens_round_trip_and_a_version_registers_once()
    {
        await using var store = await OpenAsync();
        var registration = new ReleaseRegistration("1.1.0", new Artifact("app", ["--port", "{port}"]), Provides: ["GET /orders"],
            Contracts: [new ContractDocument("openapi", "{\"openapi\":\"3.0.0\"}")]);
        var request = new OperatorRequest("req-1", RequestKind.RegisterRelease, At, Service: "orders", Version: "1.1.0", Release: registration.ToDeclaration());
        await store.InsertRequestAsync(request, new NewEvent("request", "register"), CancellationToken.None, JsonSerializer.Serialize(registration, SnapshotJson.Options));
        var register = new Stepwise.Core.Decisions.RegisterRelease("orders", registration.ToDeclaration(), "req-1", "registered");
        // Committed twice (a tick retried after a crash): the release is stored once.
        await store.CommitTickAsync(Batch() with { Registered = [register] }, null, CancellationToken.None);
        await store.CommitTickAsync(Batch() with { Registered = [register] }, null, CancellationToken.None);
        var loaded = (await store.LoadReleasesAsync(CancellationToken.None)).ShouldHaveSingleItem();
        loaded.Registration.Artifact.Arguments.ShouldBe(["--port", "{port}"]);
        loaded.Registration.Contracts!.ShouldHaveSingleItem().Kind.ShouldBe("openapi");

        await store.InsertTokenAsync(new TokenRecord("abc123", "agent-n1", TokenKind.Agent, "n1"), At, null, CancellationToken.None);
        (await store.FindTokenAsync("abc123", CancellationToken.None)).ShouldBe(new TokenRecord("abc123", "agent-n1", TokenKind.Agent, "n1", At));
        (await store.FindTokenAsync("nope", CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task a_rollouts_judgment_time_round_trips_exactly_and_its_body_keeps_the_shape_the_previous_release_reads()
    {
        await using var store = await OpenAsync();
        var judged = At.AddTicks(1_234_567); // not a whole millisecond
        var rollout = new Rollout("orders-1.1.0-1", "orders", "1.0.0", "1.1.0", RolloutPhase.Baking, At, 0, ["n1"], AnalysedAt: judged);

        await store.CommitTickAsync(Batch(rollouts: [rollout]), null, CancellationToken.None);

        var loaded = (await store.LoadControlStateAsync(CancellationToken.None)).Rollouts.ShouldHaveSingleItem();
        loaded.AnalysedAt.ShouldBe(judged);
        loaded.ShouldBe(rollout, new RolloutComparer());
        await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT body FROM rollouts";
        var body = (string)(await command.ExecuteScalarAsync())!;
        // A server of the previous release reads bodies strictly: a field it does not know would stop its ticks.
        JsonDocument.Parse(body).RootElement.TryGetProperty("analysedAt", out _).ShouldBeFalse(body);

        await store.CommitTickAsync(Batch(rollouts: [rollout with { Phase = RolloutPhase.Waves, Wave = 1, AnalysedAt = null }]), null, CancellationToken.None);
        (await store.LoadControlStateAsync(CancellationToken.None)).Rollouts.ShouldHaveSingleItem().AnalysedAt.ShouldBeNull("a new stage starts unjudged");
    }

    private static TickBatch Batch(Decisions? decisions = null, IReadOnlyList<Node>? nodes = null, IReadOnlyList<Rollout>? rollouts = null,
        IReadOnlyList<ServiceStatus>? services = null, IReadOnlyList<PlanProgress>? plans = null, IReadOnlyList<DataPhaseStatus>? phases = null,
        IReadOnlyList<Alert>? alerts = null, IReadOnlyList<string>? cleared = null, IReadOnlyList<RequestCompletion>? completed = null) =>
        new(At, decisions ?? Decisions.None, nodes ?? [], rollouts ?? [], services ?? [], plans ?? [], phases ?? [], alerts ?? [], cleared ?? [], completed ?? [], []);

    private sealed class RolloutComparer : IEqualityComparer<Rollout>
    {
        public bool Equals(Rollout? x, Rollout? y) => JsonSerializer.Serialize(x, SnapshotJson.Options) == JsonSerializer.Serialize(y, SnapshotJson.Options);

        public int GetHashCode(Rollout obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}

public sealed class SqliteStoreTests : StoreTests
{
    protected override Task<string> NewStoreUrlAsync() => Task.FromResult("sqlite:" + Path.Combine(TestServer.NewDirectory(), "stepwise.db"));
}

public sealed class PostgresStoreTests : StoreTests
{
    protected override Task<string> NewStoreUrlAsync() => Postgres.NewDatabaseUrlAsync();
}
