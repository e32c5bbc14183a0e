using System.Text;
using CsCheck;
using Stepwise.Core.Model;
using Stepwise.Data.Lint;
using Stepwise.Data.Sql;

namespace Stepwise.Data.Tests.Lint;

/// <summary>
/// Hostile SQL: NUL bytes, broken encodings, oversized scripts and random fragments that stress the splitter and the
/// error placement. Every input must finish (a bounded wait, never a timing) within a bounded allocation, and a NUL byte
/// or a broken character is bad input with its byte offset, never a verdict on part of the script.
/// </summary>
public sealed class HostileSqlTests
{
    /// <summary>The bound on one input: it must finish within this wait, or the test fails instead of hanging.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private const long MemoryBound = 1L << 30;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs the work on a thread of its own and waits for it at most <see cref="Bound"/>; returns what it allocated.</summary>
    private static (T Result, long Allocated) Bounded<T>(Func<T> work)
    {
        var task = Task.Factory.StartNew(() =>
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var result = work();
            return (result, GC.GetAllocatedBytesForCurrentThread() - before);
        }, Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        task.Wait(Bound, Ct).ShouldBeTrue("the input did not finish within the bound: a parser loops");
        task.Result.Item2.ShouldBeLessThan(MemoryBound);
        return task.Result;
    }

    private static LintReport Lint(string sql, SqlDialect dialect, DataPhaseKind? phase = null, long maxBytes = SqlInput.DefaultMaxBytes)
    {
        if (dialect == SqlDialect.Postgres)
        {
            TestDatabases.RequireLibPgQuery();
        }
        return Bounded(() => SqlLinter.Lint([new SqlSource("m.sql", sql)], dialect, phase, maxBytes: maxBytes)).Result;
    }

    [Theory]
    [InlineData(SqlDialect.Sqlite)]
    [InlineData(SqlDialect.Postgres)]
    public void an_eleven_byte_script_with_a_nul_is_bad_input_with_its_offset(SqlDialect dialect)
    {
        var report = Lint("SELECT 1;\0\nx", dialect);
        report.ExitCode.ShouldBe(2);
        report.Statements.ShouldBeEmpty();
        var error = report.InputErrors.ShouldHaveSingleItem();
        error.Message.ShouldContain("NUL byte at byte offset 9");
        (error.Line, error.Column).ShouldBe((1, 10));
    }

    [Theory]
    [InlineData(SqlDialect.Sqlite)]
    [InlineData(SqlDialect.Postgres)]
    public void a_drop_hidden_after_a_nul_is_never_reported_safe(SqlDialect dialect)
    {
        var report = Lint("ALTER TABLE t ADD COLUMN c int;\0DROP TABLE x;", dialect, DataPhaseKind.Expand);
        report.ExitCode.ShouldBe(2);
        report.InputErrors.ShouldHaveSingleItem().Message.ShouldContain("byte offset 31");
    }

    [Theory]
    [InlineData(SqlDialect.Sqlite)]
    [InlineData(SqlDialect.Postgres)]
    public void a_lone_surrogate_is_bad_input_at_its_utf8_byte_offset(SqlDialect dialect)
    {
        // "é" is 2 bytes in UTF-8, so the surrogate after "SELECT 'é" sits at byte 10.
        var report = Lint("SELECT 'é\uD800';", dialect);
        report.ExitCode.ShouldBe(2);
        report.InputErrors.ShouldHaveSingleItem().Message.ShouldContain("invalid UTF-8 at byte offset 10");
    }

    [Theory]
    [InlineData(SqlDialect.Sqlite)]
    [InlineData(SqlDialect.Postgres)]
    public void sql_over_the_size_cap_is_bad_input_and_not_parsed(SqlDialect dialect)
    {
        var sql = string.Concat(Enumerable.Repeat("ALTER TABLE t ADD COLUMN c int;\n", 100));
        var report = Lint(sql, dialect, maxBytes: 1000);
        report.ExitCode.ShouldBe(2);
        report.InputErrors.ShouldHaveSingleItem().Message.ShouldContain("over the limit of 1,000 bytes");
        Lint(sql, dialect, maxBytes: sql.Length).InputErrors.ShouldBeEmpty();
    }

    [Fact]
    public void decoding_refuses_invalid_utf8_and_nul_with_the_first_offset()
    {
        Should.Throw<SqlInputException>(() => SqlInput.Decode([.. "SELECT 1;\n  "u8, 0xFF]))
            .Problem.ShouldSatisfyAllConditions(p => p.ByteOffset.ShouldBe(12), p => (p.Line, p.Column).ShouldBe((2, 3)));
        Should.Throw<SqlInputException>(() => SqlInput.Decode([(byte)'a', 0, 0xFF])).Problem.Message.ShouldContain("NUL byte at byte offset 1");
        Should.Throw<SqlInputException>(() => SqlInput.Decode([(byte)'a', 0xC3])).Problem.Message.ShouldContain("invalid UTF-8 at byte offset 1");
        // An overlong encoding of '/' is not UTF-8 either.
        Should.Throw<SqlInputException>(() => SqlInput.Decode([(byte)'a', 0xC0, 0xAF])).Problem.ByteOffset.ShouldBe(1);
        SqlInput.Decode([0xEF, 0xBB, 0xBF, .. "SELECT 'é'"u8]).ShouldBe("SELECT 'é'");
    }

    [Fact]
    public void reading_a_file_over_the_cap_stops_before_reading_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stepwise-big-{Guid.NewGuid():N}.sql");
        try
        {
            using (var f = File.Create(path))
            {
                f.SetLength(64L * 1024 * 1024); // sparse: 64 MiB of NUL bytes
            }
            var (problem, allocated) = Bounded(() => Should.Throw<SqlInputException>(() => SqlInput.ReadFile(path, 1024 * 1024)).Problem);
            problem.Message.ShouldContain("over the limit of 1,048,576 bytes");
            allocated.ShouldBeLessThan(8L * 1024 * 1024);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static readonly string[] Fragments =
    [
        "CREATE ", "TRIGGER ", "tr ", "AFTER INSERT ON t ", "BEGIN ", "END", "CASE ", "WHEN 1 THEN 2 ", ";", "'", "\"", "`", "[", "]",
        "--", "/*", "*/", "\n", " ", "\0", "\uD800", "\uDC00", "é", "😀", "ALTER TABLE t ", "DROP TABLE x", "ADD COLUMN c int", "(", ")",
        "$$", "$tag$", "E'\\", "x", "SELECT ", "near ", "\"\"", "''", "INSERT INTO t VALUES ", "1", ",", ".", "\\", "\r", "\t", "\u00A0",
    ];

    private static readonly Gen<string> HostileSql = Gen.Int[0, Fragments.Length - 1].Select(i => Fragments[i]).Array[0, 40].Select(string.Concat);

    [Theory]
    [InlineData(SqlDialect.Sqlite)]
    [InlineData(SqlDialect.Postgres)]
    public void random_hostile_scripts_always_finish_and_bad_text_is_always_bad_input(SqlDialect dialect)
    {
        if (dialect == SqlDialect.Postgres)
        {
            TestDatabases.RequireLibPgQuery();
        }
        HostileSql.Sample(sql =>
        {
            var report = Lint(sql, dialect, DataPhaseKind.Expand);
            var bad = SqlInput.Problem(sql) is not null;
            if (bad)
            {
                report.ExitCode.ShouldBe(2);
                report.Statements.ShouldBeEmpty();
            }
            foreach (var e in report.InputErrors)
            {
                e.Line.ShouldBeGreaterThan(0);
                e.Column.ShouldBeGreaterThan(0);
            }
        }, iter: 1500, threads: 1);
    }

    [Theory]
    [InlineData(SqlDialect.Sqlite)]
    [InlineData(SqlDialect.Postgres)]
    public void nothing_after_a_nul_is_ever_linted(SqlDialect dialect)
    {
        if (dialect == SqlDialect.Postgres)
        {
            TestDatabases.RequireLibPgQuery();
        }
        Gen.Select(HostileSql, HostileSql).Sample((before, after) =>
        {
            var report = Lint(before + "\0" + after + ";DROP TABLE customers;", dialect, DataPhaseKind.Expand);
            report.ExitCode.ShouldBe(2);
            report.InputErrors.ShouldHaveSingleItem().Message.ShouldMatch("(NUL byte|invalid UTF-8) at byte offset [0-9]+");
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void a_syntax_error_on_a_token_repeated_hundreds_of_times_is_placed_within_bounds()
    {
        // SQLite names the token it stopped at; placing it tries earlier occurrences, a bounded number of times.
        var sql = "SELECT " + string.Concat(Enumerable.Repeat("(x) + ", 900)) + "x);";
        var report = Lint(sql, SqlDialect.Sqlite);
        report.ExitCode.ShouldBe(2);
        report.InputErrors.ShouldHaveSingleItem().Message.ShouldContain("syntax error");
    }

    [Fact]
    public void bytes_and_text_agree_on_the_offset_of_a_nul()
    {
        Gen.Select(HostileSql, HostileSql).Sample((a, b) =>
        {
            var before = a.Replace("\0", "", StringComparison.Ordinal).Replace("\uD800", "", StringComparison.Ordinal).Replace("\uDC00", "", StringComparison.Ordinal);
            var text = before + "\0" + b;
            var fromText = SqlInput.Problem(text).ShouldNotBeNull();
            var fromBytes = Should.Throw<SqlInputException>(() => SqlInput.Decode(Encoding.UTF8.GetBytes(before + "\0"))).Problem;
            fromText.ByteOffset.ShouldBe(fromBytes.ByteOffset);
            fromText.ByteOffset.ShouldBe(Encoding.UTF8.GetByteCount(before));
            (fromText.Line, fromText.Column).ShouldBe((fromBytes.Line, fromBytes.Column));
        }, iter: 500, threads: 1);
    }
}
