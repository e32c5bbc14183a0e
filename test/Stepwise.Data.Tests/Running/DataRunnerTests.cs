using Stepwise.Core.Model;
using Stepwise.Data.Running;

namespace Stepwise.Data.Tests.Running;

public sealed class DataRunnerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DataRunner Runner(DataChange change, RunnerOptions? options = null) => new(change, Path.GetTempPath(), options);

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task applying_every_phase_in_order_renames_the_column_and_records_each_phase(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(250);
        var runner = Runner(Changes.RenameEmail());

        (await runner.ApplyAsync(db.Store, null, Ct)).Phase.ShouldBe(DataPhaseKind.Expand);
        (await db.ColumnExistsAsync("customers", "contact_email")).ShouldBeTrue();
        (await runner.ApplyAsync(db.Store, null, Ct)).Phase.ShouldBe(DataPhaseKind.Backfill);
        (await db.LongAsync("SELECT count(*) FROM customers WHERE contact_email = email")).ShouldBe(250);
        (await runner.ApplyAsync(db.Store, null, Ct)).Phase.ShouldBe(DataPhaseKind.Contract);
        (await db.ColumnExistsAsync("customers", "email")).ShouldBeFalse();

        var status = await runner.StatusAsync(db.Store, Ct);
        status.Select(s => s.State).ShouldBe([DataPhaseState.Complete, DataPhaseState.Complete, DataPhaseState.Complete]);
        status.Single(s => s.Phase == DataPhaseKind.Backfill).Record!.RowsDone.ShouldBe(250);
        (await db.LongAsync("SELECT count(*) FROM customers WHERE hits <> 1")).ShouldBe(0);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task applying_a_complete_phase_again_changes_nothing(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(10);
        var runner = Runner(Changes.RenameEmail());
        await runner.ApplyAsync(db.Store, DataPhaseKind.Expand, Ct);
        await runner.ApplyAsync(db.Store, DataPhaseKind.Backfill, Ct);

        var again = await runner.ApplyAsync(db.Store, DataPhaseKind.Backfill, Ct);
        again.NothingToDo.ShouldBeTrue();
        (await runner.ApplyAsync(db.Store, DataPhaseKind.Expand, Ct)).NothingToDo.ShouldBeTrue();
        (await db.LongAsync("SELECT max(hits) FROM customers")).ShouldBe(1);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task a_phase_applied_out_of_order_is_refused_and_nothing_changes(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(5);
        var runner = Runner(Changes.RenameEmail());

        var e = await Should.ThrowAsync<DataInputException>(() => runner.ApplyAsync(db.Store, DataPhaseKind.Contract, Ct));
        e.Message.ShouldContain("expand");
        e.Fix.ShouldContain("--phase expand");
        (await db.ColumnExistsAsync("customers", "email")).ShouldBeTrue();
        (await db.TableExistsAsync("stepwise_data_phase")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task rolling_back_an_irreversible_contract_is_refused(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(5);
        var runner = Runner(Changes.RenameEmail(contractDown: null));
        foreach (var p in new[] { DataPhaseKind.Expand, DataPhaseKind.Backfill, DataPhaseKind.Contract })
        {
            await runner.ApplyAsync(db.Store, p, Ct);
        }

        var e = await Should.ThrowAsync<DataInputException>(() => runner.RollbackAsync(db.Store, null, Ct));
        e.Message.ShouldContain("irreversible");
        (await runner.StatusAsync(db.Store, Ct)).Last().State.ShouldBe(DataPhaseState.Complete);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task phases_roll_back_in_reverse_order_and_can_be_applied_again(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(30);
        var runner = Runner(Changes.RenameEmail(contractDown: "ALTER TABLE customers ADD COLUMN email text"));
        await runner.ApplyAsync(db.Store, DataPhaseKind.Expand, Ct);
        await runner.ApplyAsync(db.Store, DataPhaseKind.Backfill, Ct);

        var refused = await Should.ThrowAsync<DataInputException>(() => runner.RollbackAsync(db.Store, DataPhaseKind.Expand, Ct));
        refused.Message.ShouldContain("backfill");

        (await runner.RollbackAsync(db.Store, null, Ct)).Phase.ShouldBe(DataPhaseKind.Backfill);
        (await runner.RollbackAsync(db.Store, null, Ct)).Phase.ShouldBe(DataPhaseKind.Expand);
        (await db.ColumnExistsAsync("customers", "contact_email")).ShouldBeFalse();
        (await runner.StatusAsync(db.Store, Ct)).Take(2).ShouldAllBe(s => s.State == DataPhaseState.RolledBack);
        (await runner.RollbackAsync(db.Store, null, Ct)).NothingToDo.ShouldBeTrue();

        await runner.ApplyAsync(db.Store, DataPhaseKind.Expand, Ct);
        await runner.ApplyAsync(db.Store, DataPhaseKind.Backfill, Ct);
        (await db.LongAsync("SELECT count(*) FROM customers WHERE contact_email = email")).ShouldBe(30);
        (await runner.StatusAsync(db.Store, Ct)).Single(s => s.Phase == DataPhaseKind.Backfill).Record!.RowsDone.ShouldBe(30);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task a_failing_statement_rolls_back_its_whole_transaction_and_marks_the_phase_failed(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(5);
        var change = Changes.RenameEmail() with
        {
            Expand = new SqlPhase("ALTER TABLE customers ADD COLUMN contact_email text; ALTER TABLE customers ADD COLUMN email text", "ALTER TABLE customers DROP COLUMN contact_email"),
        };
        var runner = Runner(change);

        await Should.ThrowAsync<DataPhaseFailedException>(() => runner.ApplyAsync(db.Store, DataPhaseKind.Expand, Ct));
        (await db.ColumnExistsAsync("customers", "contact_email")).ShouldBeFalse();
        var expand = (await runner.StatusAsync(db.Store, Ct)).First();
        expand.State.ShouldBe(DataPhaseState.Failed);
        expand.Record!.Error.ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task an_interrupted_backfill_resumes_at_the_last_committed_batch_and_touches_every_row_once(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(1000);
        await Runner(Changes.RenameEmail()).ApplyAsync(db.Store, DataPhaseKind.Expand, Ct);

        using var stop = new CancellationTokenSource();
        var interrupted = Runner(Changes.RenameEmail(batchSize: 50), new RunnerOptions
        {
            Progress = p =>
            {
                if (p.Batches == 7)
                {
                    stop.Cancel();
                }
            },
        });
        await Should.ThrowAsync<OperationCanceledException>(() => interrupted.ApplyAsync(db.Store, DataPhaseKind.Backfill, stop.Token));
        var midway = (await interrupted.StatusAsync(db.Store, Ct)).Single(s => s.Phase == DataPhaseKind.Backfill);
        midway.State.ShouldBe(DataPhaseState.Running);
        midway.Record!.RowsDone.ShouldBe(350);
        (await db.LongAsync("SELECT count(*) FROM customers WHERE hits = 1")).ShouldBe(350);

        await Runner(Changes.RenameEmail(batchSize: 50)).ApplyAsync(db.Store, DataPhaseKind.Backfill, Ct);
        (await db.LongAsync("SELECT count(*) FROM customers WHERE hits = 1")).ShouldBe(1000);
        (await db.LongAsync("SELECT count(*) FROM customers WHERE hits <> 1")).ShouldBe(0);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task a_backfill_filter_limits_the_rows_it_updates(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(100);
        var change = Changes.RenameEmail(batchSize: 16, where: "id % 2 = 0") with { Backfill = new BackfillSpec("customers", "id", "contact_email = email, hits = hits + 1", "id % 2 = 0", 16, TimeSpan.Zero, 100_000) };
        var runner = Runner(change);
        await runner.ApplyAsync(db.Store, DataPhaseKind.Expand, Ct);
        await runner.ApplyAsync(db.Store, DataPhaseKind.Backfill, Ct);

        (await db.LongAsync("SELECT count(*) FROM customers WHERE contact_email IS NOT NULL")).ShouldBe(50);
        (await runner.StatusAsync(db.Store, Ct)).Single(s => s.Phase == DataPhaseKind.Backfill).Record!.RowsDone.ShouldBe(50);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task two_runners_applying_the_same_phase_at_once_do_the_work_once(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(2000);
        await Runner(Changes.RenameEmail()).ApplyAsync(db.Store, DataPhaseKind.Expand, Ct);
        var options = new RunnerOptions { LockRetries = 100, RetryBackoff = TimeSpan.FromMilliseconds(5) };

        // A runner that finds the change held by another either waits for it or gives up with "another runner";
        // either way no batch is applied twice, and a later apply finishes what is left.
        async Task ApplyOrYield()
        {
            try
            {
                await Runner(Changes.RenameEmail(batchSize: 25), options).ApplyAsync(db.Store, DataPhaseKind.Backfill, Ct);
            }
            catch (DataPhaseFailedException e) when (e.Message.Contains("another stepwise runner", StringComparison.Ordinal))
            {
            }
        }
        await Task.WhenAll(ApplyOrYield(), ApplyOrYield());
        await Runner(Changes.RenameEmail(batchSize: 25), options).ApplyAsync(db.Store, DataPhaseKind.Backfill, Ct);

        (await db.LongAsync("SELECT count(*) FROM customers WHERE hits = 1")).ShouldBe(2000);
        (await db.LongAsync("SELECT count(*) FROM customers WHERE hits <> 1")).ShouldBe(0);
        var again = await Task.WhenAll(
            Runner(Changes.RenameEmail()).ApplyAsync(db.Store, DataPhaseKind.Expand, Ct),
            Runner(Changes.RenameEmail()).ApplyAsync(db.Store, DataPhaseKind.Expand, Ct));
        again.ShouldAllBe(o => o.NothingToDo);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task an_expand_that_breaks_old_code_is_refused_unless_its_rule_is_allowed(string dialect)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(5);
        var change = Changes.RenameEmail() with
        {
            Expand = new SqlPhase("ALTER TABLE customers ADD COLUMN contact_email text; ALTER TABLE customers RENAME COLUMN email TO old_email", "SELECT 1"),
        };

        var e = await Should.ThrowAsync<DataPhaseRefusedException>(() => Runner(change).ApplyAsync(db.Store, DataPhaseKind.Expand, Ct));
        e.Message.ShouldContain("renaming-column");
        e.Fix.ShouldContain("--allow renaming-column");
        (await db.ColumnExistsAsync("customers", "contact_email")).ShouldBeFalse();
        (await db.TableExistsAsync("stepwise_data_phase")).ShouldBeFalse();

        var allowed = new RunnerOptions { AllowedRules = new HashSet<string> { "renaming-column" } };
        await Runner(change, allowed).ApplyAsync(db.Store, DataPhaseKind.Expand, Ct);
        (await db.ColumnExistsAsync("customers", "old_email")).ShouldBeTrue();
    }

    [Fact]
    public async Task an_unknown_store_url_is_bad_input()
    {
        Should.Throw<DataInputException>(() => StoreUrl.Parse("mysql://localhost/shop")).Fix.ShouldContain("postgres://");
        Should.Throw<DataInputException>(() => StoreUrl.Parse("sqlite:"));
        Should.Throw<DataInputException>(() => StoreUrl.Parse("postgres://"));
        var runner = Runner(Changes.RenameEmail());
        await Should.ThrowAsync<DataInputException>(() => runner.StatusAsync(StoreUrl.Parse("sqlite:/no/such/folder/x.db"), Ct));
    }

    [Fact]
    public void a_postgres_url_becomes_a_connection_string()
    {
        var url = StoreUrl.Parse("postgres://app:s%40cret@db.internal:6432/shop?sslmode=disable");
        url.ConnectionString.ShouldContain("Host=db.internal");
        url.ConnectionString.ShouldContain("Port=6432");
        url.ConnectionString.ShouldContain("Database=shop");
        url.ConnectionString.ShouldContain("Password=s@cret");
        url.Display.ShouldNotContain("cret");
    }

    [Fact]
    public async Task a_phase_sql_file_is_read_relative_to_the_configuration()
    {
        var dir = Directory.CreateTempSubdirectory("stepwise-sql-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "expand.sql"), "ALTER TABLE customers ADD COLUMN contact_email text;\n", Ct);
        using var lite = TestDatabases.NewSqlite();
        lite.Exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT)");
        var change = Changes.RenameEmail() with { Expand = new SqlPhase("expand.sql", "ALTER TABLE customers DROP COLUMN contact_email") };

        await new DataRunner(change, dir).ApplyAsync(StoreUrl.Parse(lite.Url), DataPhaseKind.Expand, Ct);
        lite.Scalar<long>("SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'contact_email'").ShouldBe(1);

        var missing = change with { Id = "another-change", Expand = new SqlPhase("nowhere.sql", "SELECT 1") };
        (await Should.ThrowAsync<DataInputException>(() => new DataRunner(missing, dir).PlanAsync(StoreUrl.Parse(lite.Url), DataPhaseKind.Expand, Ct))).Message.ShouldContain("nowhere.sql");
    }

    [Theory]
    [InlineData("sqlite", "ALTER TABLE customers ADDD COLUMN x text")]
    [InlineData("postgres", "ALTER TABLE customers ADD COLUM x text")]
    [InlineData("postgres", "BEGIN; ALTER TABLE customers ADD COLUMN x text; COMMIT")]
    public async Task a_phase_with_bad_sql_is_refused_before_anything_runs(string dialect, string sql)
    {
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(1);
        var change = Changes.RenameEmail() with { Expand = new SqlPhase(sql, "SELECT 1") };

        await Should.ThrowAsync<DataInputException>(() => Runner(change).ApplyAsync(db.Store, DataPhaseKind.Expand, Ct));
        (await db.TableExistsAsync("stepwise_data_phase")).ShouldBeFalse();
    }
}
