using Stepwise.Core.Model;
using Stepwise.Data.Running;

namespace Stepwise.Data.Tests.Running;

/// <summary>
/// A phase whose SQL holds a NUL byte, invalid UTF-8 or too many bytes is bad input before anything runs: plan and apply
/// finish (bounded waits) with the byte offset, and the database is untouched.
/// </summary>
public sealed class HostilePhaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static DataChange WithExpand(string up) => Changes.RenameEmail() with { Expand = new SqlPhase(up, "ALTER TABLE customers DROP COLUMN contact_email") };

    private static async Task<DataInputException> RefusedAsync(Func<Task> work)
    {
        var task = Task.Run(work, Ct);
        (await Task.WhenAny(task, Task.Delay(Bound, Ct))).ShouldBe(task, "the phase did not finish within the bound: a parser loops");
        return await Should.ThrowAsync<DataInputException>(task);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task inline_sql_with_a_nul_is_refused_with_its_offset_and_nothing_runs(string dialect)
    {
        if (dialect == "postgres")
        {
            TestDatabases.RequireLibPgQuery();
        }
        await using var db = await TestDb.CreateAsync(dialect);
        await db.SeedCustomersAsync(3);
        var runner = new DataRunner(WithExpand("ALTER TABLE customers ADD COLUMN contact_email text;\0DROP TABLE customers;"), Path.GetTempPath());

        (await RefusedAsync(() => runner.PlanAsync(db.Store, DataPhaseKind.Expand, Ct))).Message.ShouldContain("NUL byte at byte offset 52");
        var e = await RefusedAsync(() => runner.ApplyAsync(db.Store, DataPhaseKind.Expand, Ct));
        e.Message.ShouldContain(":1:53: NUL byte at byte offset 52");
        e.Fix.ShouldContain("nothing was run");

        (await db.ColumnExistsAsync("customers", "contact_email")).ShouldBeFalse();
        (await db.TableExistsAsync("customers")).ShouldBeTrue();
        (await runner.StatusAsync(db.Store, Ct)).ShouldAllBe(r => r.State == DataPhaseState.Pending);
    }

    [Fact]
    public async Task a_sql_file_with_invalid_utf8_is_refused_with_file_line_column_and_offset()
    {
        await using var db = await TestDb.CreateAsync("sqlite");
        await db.SeedCustomersAsync(3);
        var dir = Directory.CreateTempSubdirectory("stepwise-hostile-").FullName;
        await File.WriteAllBytesAsync(Path.Combine(dir, "expand.sql"), [.. "ALTER TABLE customers\n  ADD COLUMN "u8, 0xC3, 0x28, .. " text;"u8], Ct);
        var runner = new DataRunner(WithExpand("expand.sql"), dir);

        var e = await RefusedAsync(() => runner.ApplyAsync(db.Store, DataPhaseKind.Expand, Ct));
        e.Message.ShouldBe("expand.sql:2:14: invalid UTF-8 at byte offset 35 (byte 0xC3)");
        (await db.ColumnExistsAsync("customers", "contact_email")).ShouldBeFalse();
    }

    [Fact]
    public async Task phase_sql_over_the_cap_is_refused_before_it_is_parsed()
    {
        await using var db = await TestDb.CreateAsync("sqlite");
        await db.SeedCustomersAsync(3);
        var runner = new DataRunner(WithExpand("ALTER TABLE customers ADD COLUMN contact_email text"), Path.GetTempPath(), new RunnerOptions { MaxSqlBytes = 16 });

        var e = await RefusedAsync(() => runner.PlanAsync(db.Store, DataPhaseKind.Expand, Ct));
        e.Message.ShouldContain("over the limit of 16 bytes");
        e.Fix.ShouldContain("--max-sql-bytes");
    }
}
