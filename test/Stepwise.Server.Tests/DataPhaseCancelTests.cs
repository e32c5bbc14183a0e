using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;
using Stepwise.Api;
using Stepwise.Cli;
using Stepwise.Server.Http;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

/// <summary>
/// A data phase the server runs (with the real runner, on a real SQLite database) can be cancelled through the API and
/// stops at its time limit; either way it is recorded failed with the reason, and committed work is kept.
/// </summary>
public sealed class DataPhaseCancelTests
{
    private static string Yaml(string timeLimit) => TestServer.ThreeStepYaml.Replace("""
          - id: add-note
            store: app-db
            expand: { up: "ALTER TABLE orders ADD COLUMN note TEXT", down: "ALTER TABLE orders DROP COLUMN note" }
            backfill: none
        """, $"""
          - id: add-note
            store: app-db
            expand: {"{"} up: "ALTER TABLE orders ADD COLUMN note TEXT", down: "ALTER TABLE orders DROP COLUMN note" {"}"}
            backfill: {"{"} table: orders, key: id, set: "note = 'x'", batchSize: 1, pause: 300ms {"}"}
        {timeLimit}
        """, StringComparison.Ordinal);

    private static async Task<(TestServer Server, string Db)> StartAsync(string timeLimit = "")
    {
        var directory = Directory.CreateTempSubdirectory("stepwise-cancel-").FullName;
        var db = Path.Combine(directory, "app.db");
        using (var conn = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY, total INTEGER); WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 2000) INSERT INTO orders (id, total) SELECT n, n FROM g;";
            cmd.ExecuteNonQuery();
        }
        var yaml = Yaml(timeLimit);
        yaml.ShouldContain("backfill: { table: orders");
        var server = await TestServer.StartAsync(yaml, directory: directory,
            tweak: o => o with { DataStores = new Dictionary<string, string>(StringComparer.Ordinal) { ["app-db"] = $"sqlite:{db}" } });
        return (server, db);
    }

    private static async Task<DataPhaseStatus?> PhaseAsync(TestServer server, DataPhaseKind phase) =>
        (await server.GetAsync<List<DataChangeView>>(Routes.DataChanges)).Single(c => c.Id == "add-note").States.FirstOrDefault(s => s.Phase == phase);

    private static async Task RunAsync(TestServer server, DataPhaseKind phase)
    {
        using var response = await server.Admin.PostAsJsonAsync(ApiClient.Route(Routes.RunDataPhase, ("change", "add-note"), ("phase", Core.Names.Of(phase))), new DataPhaseBody("app-db"), SnapshotJson.Options);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    private static async Task BackfillRunningAsync(TestServer server)
    {
        await RunAsync(server, DataPhaseKind.Expand);
        await TestServer.EventuallyAsync(() => PhaseAsync(server, DataPhaseKind.Expand), p => p?.State == DataPhaseState.Complete, "the expand completing");
        await RunAsync(server, DataPhaseKind.Backfill);
        await TestServer.EventuallyAsync(() => PhaseAsync(server, DataPhaseKind.Backfill), p => p?.State == DataPhaseState.Running, "the backfill running");
    }

    private static long Notes(string db)
    {
        using var conn = new SqliteConnection($"Data Source={db};Pooling=False");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM orders WHERE note = 'x'";
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public async Task a_running_phase_is_cancelled_through_the_api_and_recorded_failed_with_the_reason()
    {
        var (server, db) = await StartAsync();
        await using var _ = server;
        await BackfillRunningAsync(server);

        using var response = await server.Admin.PostAsJsonAsync(ApiClient.Route(Routes.CancelDataPhase, ("change", "add-note")), new DataPhaseBody(Reason: "load spike"), SnapshotJson.Options);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var outcome = (await response.Content.ReadFromJsonAsync<DataCancelOutcome>(SnapshotJson.Options))!;
        outcome.Cancelled.ShouldBe([new CancelledDataPhase(DataPhaseKind.Backfill, "app-db")]);

        await TestServer.EventuallyAsync(() => PhaseAsync(server, DataPhaseKind.Backfill), p => p?.State == DataPhaseState.Failed, "the backfill stopping");
        var events = await server.Host.Runtime.Store.EventsAsync(0, 1000, CancellationToken.None);
        events.ShouldContain(e => e.Kind == "data-phase-failed" && e.Message.Contains("cancelled by an operator: load spike", StringComparison.Ordinal));
        Notes(db).ShouldBeLessThan(2000); // stopped part-way; what it committed stays

        // Nothing runs any more: a second cancel is a conflict.
        using var again = await server.Admin.PostAsJsonAsync(ApiClient.Route(Routes.CancelDataPhase, ("change", "add-note")), new DataPhaseBody(), SnapshotJson.Options);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        using var unknown = await server.Admin.PostAsJsonAsync(ApiClient.Route(Routes.CancelDataPhase, ("change", "no-such-change")), new DataPhaseBody(), SnapshotJson.Options);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task the_cli_cancels_a_running_phase()
    {
        var (server, _) = await StartAsync();
        await using var _s = server;
        await BackfillRunningAsync(server);

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = StepwiseCli.Run(["data", "cancel", "add-note", "--store", "app-db", "--reason", "by hand", "--server", server.BaseAddress.ToString(), "--token", TestServer.AdminSecret], stdout, stderr);
        exit.ShouldBe(0, stderr.ToString());
        stdout.ToString().ShouldContain("cancelling backfill on app-db");
        await TestServer.EventuallyAsync(() => PhaseAsync(server, DataPhaseKind.Backfill), p => p?.State == DataPhaseState.Failed, "the backfill stopping");
    }

    [Fact]
    public async Task a_phase_past_its_time_limit_fails_with_that_reason()
    {
        var (server, db) = await StartAsync("    timeLimit: 2s");
        await using var _ = server;
        await BackfillRunningAsync(server);

        await TestServer.EventuallyAsync(() => PhaseAsync(server, DataPhaseKind.Backfill), p => p?.State == DataPhaseState.Failed, "the backfill passing its time limit");
        var events = await server.Host.Runtime.Store.EventsAsync(0, 1000, CancellationToken.None);
        events.ShouldContain(e => e.Kind == "data-phase-failed" && e.Message.Contains("ran past its time limit of 2s", StringComparison.Ordinal));
        Notes(db).ShouldBeLessThan(2000);
    }
}
