using Npgsql;
using Stepwise.Core.Model;
using Stepwise.Data.Running;

namespace Stepwise.Data.Tests.Running;

/// <summary>PostgreSQL's online recipes as the runner applies them: concurrent indexes, NOT VALID + VALIDATE, lock timeouts.</summary>
public sealed class PostgresRecipeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DataChange Expand(string up, string down) =>
        new("c1", ["db"], new SqlPhase(up, down), null, null);

    [Fact]
    public async Task a_concurrent_index_is_built_outside_a_transaction_and_recorded()
    {
        await using var db = await TestDb.CreateAsync("postgres");
        await db.SeedCustomersAsync(200);
        var change = Expand("ALTER TABLE customers ADD COLUMN contact_email text; CREATE INDEX CONCURRENTLY customers_email_idx ON customers (email); ALTER TABLE customers ADD COLUMN note text",
            "DROP INDEX CONCURRENTLY IF EXISTS customers_email_idx; ALTER TABLE customers DROP COLUMN IF EXISTS contact_email; ALTER TABLE customers DROP COLUMN IF EXISTS note");
        var runner = new DataRunner(change, ".");

        var plan = await runner.PlanAsync(db.Store, null, Ct);
        plan.Steps.Select(s => s.Mode).ShouldBe([StepMode.Transactional, StepMode.Outside, StepMode.Transactional]);
        await runner.ApplyAsync(db.Store, null, Ct);

        (await db.LongAsync("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('customers_email_idx') AND indisvalid")).ShouldBe(1);
        (await db.ColumnExistsAsync("customers", "note")).ShouldBeTrue();
        await runner.RollbackAsync(db.Store, null, Ct);
        (await db.LongAsync("SELECT count(*) FROM pg_class WHERE relname = 'customers_email_idx'")).ShouldBe(0);
    }

    [Fact]
    public async Task an_invalid_index_left_by_an_interrupted_build_is_dropped_and_rebuilt()
    {
        await using var db = await TestDb.CreateAsync("postgres");
        await db.SeedCustomersAsync(50);
        await db.ExecAsync("UPDATE customers SET email = 'dup@example.com' WHERE id IN (1, 2)");
        // A concurrent unique build that fails part way leaves an invalid index behind, as a killed build does.
        await Should.ThrowAsync<PostgresException>(() => db.ExecAsync("CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email)"));
        (await db.LongAsync("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('customers_email_key') AND NOT indisvalid")).ShouldBe(1);
        await db.ExecAsync("UPDATE customers SET email = 'two@example.com' WHERE id = 2");

        var change = Expand("CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email)", "DROP INDEX CONCURRENTLY IF EXISTS customers_email_key");
        await new DataRunner(change, ".").ApplyAsync(db.Store, null, Ct);

        (await db.LongAsync("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('customers_email_key') AND indisvalid")).ShouldBe(1);
    }

    [Fact]
    public async Task a_failed_concurrent_build_leaves_no_invalid_index_and_fails_the_phase()
    {
        await using var db = await TestDb.CreateAsync("postgres");
        await db.SeedCustomersAsync(20);
        await db.ExecAsync("UPDATE customers SET email = 'dup@example.com' WHERE id IN (3, 4)");
        var change = Expand("CREATE UNIQUE INDEX CONCURRENTLY customers_email_key ON customers (email)", "DROP INDEX CONCURRENTLY IF EXISTS customers_email_key");
        var runner = new DataRunner(change, ".");

        var e = await Should.ThrowAsync<DataPhaseFailedException>(() => runner.ApplyAsync(db.Store, null, Ct));
        e.Message.ShouldContain("23505");
        (await db.LongAsync("SELECT count(*) FROM pg_class WHERE relname = 'customers_email_key'")).ShouldBe(0);
        (await runner.StatusAsync(db.Store, Ct)).Single().State.ShouldBe(DataPhaseState.Failed);
    }

    [Fact]
    public async Task a_check_constraint_is_added_not_valid_then_validated_in_its_own_transaction()
    {
        await using var db = await TestDb.CreateAsync("postgres");
        await db.SeedCustomersAsync(20);
        var change = Expand("ALTER TABLE customers ADD CONSTRAINT email_has_at CHECK (email LIKE '%@%')", "ALTER TABLE customers DROP CONSTRAINT email_has_at");
        var runner = new DataRunner(change, ".");

        var plan = await runner.PlanAsync(db.Store, null, Ct);
        plan.Steps.Count.ShouldBe(2);
        plan.Steps[0].Sql.ShouldEndWith("NOT VALID");
        plan.Steps[1].Sql.ShouldBe("ALTER TABLE customers VALIDATE CONSTRAINT email_has_at");
        plan.Steps[1].Mode.ShouldBe(StepMode.Alone);
        await runner.ApplyAsync(db.Store, null, Ct);

        (await db.LongAsync("SELECT count(*) FROM pg_constraint WHERE conname = 'email_has_at' AND convalidated")).ShouldBe(1);
    }

    [Fact]
    public async Task a_statement_that_times_out_on_a_lock_is_retried_until_the_lock_is_free()
    {
        await using var db = await TestDb.CreateAsync("postgres");
        await db.SeedCustomersAsync(5);
        await using var holder = new NpgsqlConnection(db.PostgresConnectionString);
        await holder.OpenAsync(Ct);
        var tx = await holder.BeginTransactionAsync(Ct);
        await using (var lockCmd = new NpgsqlCommand("LOCK TABLE customers IN ACCESS SHARE MODE", holder, tx))
        {
            await lockCmd.ExecuteNonQueryAsync(Ct);
        }
        var retried = new TaskCompletionSource();
        var options = new RunnerOptions
        {
            LockTimeout = TimeSpan.FromMilliseconds(50),
            RetryBackoff = TimeSpan.FromMilliseconds(20),
            LockRetries = 50,
            OnLockRetry = (_, _, _) => retried.TrySetResult(),
        };
        var runner = new DataRunner(Expand("ALTER TABLE customers ADD COLUMN contact_email text", "ALTER TABLE customers DROP COLUMN contact_email"), ".", options);
        var apply = runner.ApplyAsync(db.Store, null, Ct);
        // The transaction holding the lock ends only after the runner has timed out on it at least once.
        await retried.Task.WaitAsync(Ct);
        apply.IsCompleted.ShouldBeFalse();
        await tx.RollbackAsync(Ct);
        await apply;

        (await db.ColumnExistsAsync("customers", "contact_email")).ShouldBeTrue();
    }

    [Fact]
    public async Task lock_timeouts_past_the_retry_limit_fail_the_phase_and_a_later_apply_finishes_it()
    {
        await using var db = await TestDb.CreateAsync("postgres");
        await db.SeedCustomersAsync(5);
        var options = new RunnerOptions { LockTimeout = TimeSpan.FromMilliseconds(30), RetryBackoff = TimeSpan.FromMilliseconds(5), LockRetries = 2 };
        var change = Expand("ALTER TABLE customers ADD COLUMN contact_email text", "ALTER TABLE customers DROP COLUMN contact_email");
        await using (var holder = new NpgsqlConnection(db.PostgresConnectionString))
        {
            await holder.OpenAsync(Ct);
            await using var tx = await holder.BeginTransactionAsync(Ct);
            await using (var lockCmd = new NpgsqlCommand("LOCK TABLE customers IN ACCESS SHARE MODE", holder, tx))
            {
                await lockCmd.ExecuteNonQueryAsync(Ct);
            }
            var e = await Should.ThrowAsync<DataPhaseFailedException>(() => new DataRunner(change, ".", options).ApplyAsync(db.Store, null, Ct));
            e.Message.ShouldContain("lock timeouts");
            (await new DataRunner(change, ".", options).StatusAsync(db.Store, Ct)).Single().State.ShouldBe(DataPhaseState.Failed);
        }
        await new DataRunner(change, ".", options).ApplyAsync(db.Store, null, Ct);
        (await new DataRunner(change, ".", options).StatusAsync(db.Store, Ct)).Single().State.ShouldBe(DataPhaseState.Complete);
    }
}
