using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using Stepwise.Core;
using Stepwise.Core.Config;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Data.Running;
using Stepwise.Data.Tests.Running;

namespace Stepwise.Data.Tests;

/// <summary>
/// The shop sample's rename of customers.email to contact_email, walked through every phase on a real database while the
/// orders service keeps writing: first as release 1.0.0 (old shape only), then 1.2.0 (writes both), then 1.3.0 (new shape
/// only). The old code never fails a write before the contract, and the core refuses the contract (G4) while the node still
/// runs 1.2.0, which uses the old shape.
/// </summary>
public sealed class EndToEndRenameTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private const string Store = "orders-db";
    private const string ChangeId = "customer-contact-email";

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task a_column_rename_walks_expand_backfill_and_contract_while_old_code_keeps_writing(string dialect)
    {
        var configPath = Path.Combine(AppContext.BaseDirectory, "Samples", "shop.stepwise.yaml");
        var config = ConfigLoader.Parse(await File.ReadAllTextAsync(configPath, Ct), "stepwise.yaml");
        var change = config.FindChange(ChangeId).ShouldNotBeNull();
        await using var db = await TestDb.CreateAsync(dialect);
        await db.ExecAsync(db.IsPostgres
            ? "CREATE TABLE customers (id bigint PRIMARY KEY, email text); INSERT INTO customers SELECT g, 'c' || g || '@shop.test' FROM generate_series(1, 3000) g"
            : "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT); WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 3000) INSERT INTO customers SELECT n, 'c' || n || '@shop.test' FROM g");
        var runner = new DataRunner(change, Path.GetDirectoryName(configPath)!);
        var node = new Node("orders-1", "orders", "1.0.0", "1.0.0", DateTimeOffset.UnixEpoch, NodeHealth.Healthy, NodeState.Active);

        await using var writer = await OrdersWriter.StartAsync(db, "1.0.0");

        (await runner.ApplyAsync(db.Store, DataPhaseKind.Expand, Ct)).Phase.ShouldBe(DataPhaseKind.Expand);
        await writer.WaitForWritesAsync(10);
        await writer.SwitchAsync("1.2.0");
        node = node with { ActualRelease = "1.2.0", DesiredRelease = "1.2.0" };
        await runner.ApplyAsync(db.Store, DataPhaseKind.Backfill, Ct);
        await writer.WaitForWritesAsync(20);
        (await db.LongAsync("SELECT count(*) FROM customers WHERE contact_email IS NULL OR contact_email <> email")).ShouldBe(0);

        // The orders node still runs 1.2.0, which writes the old column: the core refuses the contract.
        var refused = Decide(config, node, await runner.StatusAsync(db.Store, Ct));
        var refusal = refused.Refusals.ShouldHaveSingleItem();
        refusal.Guarantee.ShouldBe(GuaranteeId.G4);
        refusal.Blockers.ShouldContain(b => b.Id == "orders-1");
        refused.Actions.OfType<RunDataPhase>().ShouldBeEmpty();
        (await db.ColumnExistsAsync("customers", "email")).ShouldBeTrue();

        // Readers and writers move to 1.3.0; now the core lets the contract run, and the runner runs it.
        await writer.SwitchAsync("1.3.0");
        node = node with { ActualRelease = "1.3.0", DesiredRelease = "1.3.0" };
        var allowed = Decide(config, node, await runner.StatusAsync(db.Store, Ct));
        allowed.Refusals.ShouldBeEmpty();
        var run = allowed.Actions.OfType<RunDataPhase>().ShouldHaveSingleItem();
        run.Phase.ShouldBe(DataPhaseKind.Contract);
        await runner.ApplyAsync(db.Store, run.Phase, Ct);
        await writer.WaitForWritesAsync(20);
        await writer.StopAsync();

        (await db.ColumnExistsAsync("customers", "email")).ShouldBeFalse();
        writer.Failures.ShouldBeEmpty();
        writer.Writes("1.0.0").ShouldBeGreaterThan(0);
        writer.Writes("1.2.0").ShouldBeGreaterThan(0);
        writer.Writes("1.3.0").ShouldBeGreaterThan(0);
        (await db.LongAsync("SELECT count(*) FROM customers WHERE contact_email IS NULL")).ShouldBe(0);
        (await runner.StatusAsync(db.Store, Ct)).ShouldAllBe(s => s.State == DataPhaseState.Complete);
    }

    private static Decisions Decide(StepwiseConfig config, Node node, IReadOnlyList<PhaseStatusRow> phases)
    {
        var now = DateTimeOffset.Parse("2026-01-01T12:00:00Z", CultureInfo.InvariantCulture);
        var statuses = phases.Select(p => new DataPhaseStatus(ChangeId, p.Phase, Store, p.State,
            p.Record?.CompletedAt is not null ? now - TimeSpan.FromHours(1) : null)).ToList();
        var request = new OperatorRequest("contract-1", RequestKind.RunDataPhase, now, Change: ChangeId, Phase: DataPhaseKind.Contract, Store: Store);
        var snapshot = new Snapshot(config, [node with { LastHeartbeat = now }], [new ServiceStatus("orders", node.ActualRelease!)], [], statuses, [], [request], [], [], []);
        return Decider.Decide(snapshot, now);
    }

    /// <summary>
    /// The orders service writing customers as a given release does: 1.0.0 writes only email, 1.2.0 writes email and
    /// contact_email, 1.3.0 writes only contact_email. Every failed write is recorded with the release that made it.
    /// </summary>
    private sealed class OrdersWriter : IAsyncDisposable
    {
        private readonly DbConnection connection;
        private readonly CancellationTokenSource stop = new();
        private readonly Dictionary<string, long> writes = new(StringComparer.Ordinal);
        private readonly Lock gate = new();
        private string release;
        private Task loop = Task.CompletedTask;
        private long nextId = 1_000_000;

        private OrdersWriter(DbConnection connection, string release)
        {
            this.connection = connection;
            this.release = release;
        }

        public List<string> Failures { get; } = [];

        public static async Task<OrdersWriter> StartAsync(TestDb db, string release)
        {
            DbConnection conn = db.IsPostgres
                ? new NpgsqlConnection(db.PostgresConnectionString)
                : new SqliteConnection(db.Store.ConnectionString + ";Default Timeout=30");
            await conn.OpenAsync();
            var w = new OrdersWriter(conn, release);
            w.loop = Task.Run(w.RunAsync);
            await w.WaitForWritesAsync(5);
            return w;
        }

        public long Writes(string r)
        {
            lock (gate)
            {
                return writes.GetValueOrDefault(r);
            }
        }

        /// <summary>Changes release; returns once a write of the new release has completed, so none of the old is in flight.</summary>
        public async Task SwitchAsync(string to)
        {
            lock (gate)
            {
                release = to;
            }
            await WaitForWritesAsync(1);
        }

        public async Task WaitForWritesAsync(int count)
        {
            string r;
            lock (gate)
            {
                r = release;
            }
            var target = Writes(r) + count;
            while (Writes(r) < target && !loop.IsCompleted)
            {
                await Task.Delay(5);
            }
        }

        private async Task RunAsync()
        {
            var random = new Random(7);
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                string r;
                lock (gate)
                {
                    r = release;
                }
                var insert = random.Next(2) == 0;
                var id = insert ? Interlocked.Increment(ref nextId) : random.Next(1, 3001);
                var email = $"w{n++}-{id}@shop.test";
                var (columns, values, sets) = r switch
                {
                    "1.0.0" => ("email", "@e", "email = @e"),
                    "1.2.0" => ("email, contact_email", "@e, @e", "email = @e, contact_email = @e"),
                    _ => ("contact_email", "@e", "contact_email = @e"),
                };
                try
                {
                    await using var cmd = connection.CreateCommand();
                    cmd.CommandText = insert ? $"INSERT INTO customers (id, {columns}) VALUES (@id, {values})" : $"UPDATE customers SET {sets} WHERE id = @id";
                    var pid = cmd.CreateParameter();
                    pid.ParameterName = "id";
                    pid.Value = id;
                    cmd.Parameters.Add(pid);
                    var pe = cmd.CreateParameter();
                    pe.ParameterName = "e";
                    pe.Value = email;
                    cmd.Parameters.Add(pe);
                    await cmd.ExecuteNonQueryAsync();
                    lock (gate)
                    {
                        writes[r] = writes.GetValueOrDefault(r) + 1;
                    }
                }
                catch (DbException e)
                {
                    lock (gate)
                    {
                        Failures.Add($"orders@{r}: {e.Message}");
                    }
                }
                await Task.Delay(1);
            }
        }

        public async Task StopAsync()
        {
            if (!stop.IsCancellationRequested)
            {
                await stop.CancelAsync();
            }
            await loop;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            await connection.DisposeAsync();
            stop.Dispose();
        }
    }
}
