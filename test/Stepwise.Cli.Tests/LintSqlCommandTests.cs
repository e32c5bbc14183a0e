using System.Text.Json;

namespace Stepwise.Cli.Tests;

public sealed class LintSqlCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = StepwiseCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string File(string sql, string name = "m.sql")
    {
        var path = Path.Combine(CliDatabases.TempDir(), name);
        System.IO.File.WriteAllText(path, sql);
        return path;
    }

    [Fact]
    public void a_safe_expand_file_exits_0()
    {
        CliDatabases.RequireLibPgQuery();
        var (code, output, _) = Run("lint-sql", File("ALTER TABLE customers ADD COLUMN contact_email text;\nCREATE INDEX CONCURRENTLY c_idx ON customers (contact_email);"), "--phase", "expand");
        code.ShouldBe(0);
        output.ShouldContain("2 statements: 2 safe");
    }

    [Fact]
    public void a_drop_in_an_expand_phase_exits_1_with_the_rule_and_recipe()
    {
        CliDatabases.RequireLibPgQuery();
        var path = File("ALTER TABLE customers ADD COLUMN contact_email text;\nALTER TABLE customers DROP COLUMN email;");
        var (code, output, _) = Run("lint-sql", path, "--phase", "expand");
        code.ShouldBe(1);
        output.ShouldContain($"{path}:2:1: error: ban-drop-column (contract-only)");
        output.ShouldContain("safe recipe:");
        Run("lint-sql", path, "--phase", "contract").Code.ShouldBe(0);
        Run("lint-sql", path).Code.ShouldBe(0);
    }

    [Fact]
    public void a_blocking_statement_exits_1_in_a_contract_phase_too()
    {
        CliDatabases.RequireLibPgQuery();
        Run("lint-sql", File("ALTER TABLE customers ALTER COLUMN email SET NOT NULL"), "--phase", "contract").Code.ShouldBe(1);
    }

    [Fact]
    public void a_syntax_error_exits_2_with_file_line_and_column()
    {
        CliDatabases.RequireLibPgQuery();
        var path = File("SELECT 1;\n\n  ALTER TABEL customers DROP COLUMN email;\n");
        var (code, _, err) = Run("lint-sql", path);
        code.ShouldBe(2);
        err.ShouldContain($"{path}:3:9: error: syntax error at or near \"TABEL\"");
    }

    [Fact]
    public void a_missing_file_or_bad_option_exits_2()
    {
        Run("lint-sql", "/no/such/file.sql").Code.ShouldBe(2);
        Run("lint-sql", File("SELECT 1"), "--phase", "sideways").Code.ShouldBe(2);
        Run("lint-sql", File("SELECT 1"), "--dialect", "oracle").Code.ShouldBe(2);
        Run("lint-sql").Code.ShouldBe(2);
    }

    [Fact]
    public void json_output_lists_each_statement_with_its_class_and_findings()
    {
        CliDatabases.RequireLibPgQuery();
        var (code, output, _) = Run("lint-sql", File("ALTER TABLE t ADD COLUMN a text; ALTER TABLE t RENAME COLUMN b TO c; CREATE INDEX i ON t (a);"), "--phase", "expand", "--format", "json");
        code.ShouldBe(1);
        using var doc = JsonDocument.Parse(output);
        var statements = doc.RootElement.GetProperty("statements");
        statements.GetArrayLength().ShouldBe(3);
        statements[0].GetProperty("class").GetString().ShouldBe("safe");
        statements[1].GetProperty("class").GetString().ShouldBe("contract-only");
        statements[1].GetProperty("findings")[0].GetProperty("rule").GetString().ShouldBe("renaming-column");
        statements[2].GetProperty("class").GetString().ShouldBe("blocking");
        doc.RootElement.GetProperty("exitCode").GetInt32().ShouldBe(1);
    }

    [Fact]
    public void sarif_output_is_sarif_2_1_0_with_rules_and_located_results()
    {
        CliDatabases.RequireLibPgQuery();
        var (_, output, _) = Run("lint-sql", File("\nDROP TABLE legacy_orders;"), "--phase", "expand", "--format", "sarif");
        using var doc = JsonDocument.Parse(output);
        doc.RootElement.GetProperty("version").GetString().ShouldBe("2.1.0");
        var run = doc.RootElement.GetProperty("runs")[0];
        run.GetProperty("tool").GetProperty("driver").GetProperty("rules")[0].GetProperty("id").GetString().ShouldBe("ban-drop-table");
        var result = run.GetProperty("results")[0];
        result.GetProperty("level").GetString().ShouldBe("error");
        result.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32().ShouldBe(2);
    }

    [Fact]
    public void sqlite_files_are_linted_with_the_sqlite_rules()
    {
        var path = File("ALTER TABLE t ADD COLUMN created_at TEXT DEFAULT CURRENT_TIMESTAMP;");
        var (code, output, _) = Run("lint-sql", path, "--dialect", "sqlite", "--phase", "expand");
        code.ShouldBe(1);
        output.ShouldContain("sqlite-alter-needs-rebuild");
    }

    [Fact]
    public async Task the_lock_trace_reports_locks_and_rewrites_and_changes_nothing()
    {
        var (url, cs, drop) = await CliDatabases.NewPostgresAsync();
        try
        {
            await CliDatabases.Exec(cs, "CREATE TABLE customers (id bigint PRIMARY KEY, email text); INSERT INTO customers SELECT g, 'x' FROM generate_series(1, 100) g");
            var path = File("ALTER TABLE customers ADD COLUMN note text;\nALTER TABLE customers ALTER COLUMN id TYPE numeric;\nALTER TABLE customers ADD CONSTRAINT email_len CHECK (length(email) < 99);\nCREATE INDEX CONCURRENTLY email_idx ON customers (email);\n");
            var (code, output, _) = Run("lint-sql", path, "--trace", url, "--format", "json");
            code.ShouldBe(1);
            using var doc = JsonDocument.Parse(output);
            var trace = doc.RootElement.GetProperty("trace");
            trace.GetArrayLength().ShouldBe(4);
            trace[0].GetProperty("locks").EnumerateArray().Select(l => l.GetProperty("mode").GetString()).ShouldContain("AccessExclusiveLock");
            trace[0].GetProperty("rewritten").GetArrayLength().ShouldBe(0);
            trace[1].GetProperty("rewritten").EnumerateArray().Select(r => r.GetString()).ShouldContain("public.customers");
            trace[2].GetProperty("scanned").EnumerateArray().Select(r => r.GetString()).ShouldContain("public.customers");
            trace[3].GetProperty("notRun").GetString().ShouldNotBeNull();
            (await CliDatabases.Long(cs, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'note'")).ShouldBe(0);
        }
        finally
        {
            await drop();
        }
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public void a_nul_byte_or_invalid_utf8_exits_2_with_the_byte_offset(string dialect)
    {
        if (dialect == "postgres")
        {
            CliDatabases.RequireLibPgQuery();
        }
        var nul = Path.Combine(CliDatabases.TempDir(), "nul.sql");
        System.IO.File.WriteAllBytes(nul, [.. "ALTER TABLE t ADD COLUMN c int;"u8, 0, .. "DROP TABLE x;"u8]);
        var (code, _, err) = Run("lint-sql", nul, "--dialect", dialect, "--phase", "expand");
        code.ShouldBe(2);
        err.ShouldContain($"{nul}:1:32: error: NUL byte at byte offset 31");

        var latin1 = Path.Combine(CliDatabases.TempDir(), "latin1.sql");
        System.IO.File.WriteAllBytes(latin1, [.. "SELECT 'caf"u8, 0xE9, .. "';"u8]);
        (code, _, err) = Run("lint-sql", latin1, "--dialect", dialect);
        code.ShouldBe(2);
        err.ShouldContain("invalid UTF-8 at byte offset 11 (byte 0xE9)");
    }

    [Fact]
    public void a_file_over_the_size_cap_exits_2_and_the_cap_can_be_raised()
    {
        var path = File(string.Concat(Enumerable.Repeat("SELECT 1;\n", 200)));
        var (code, _, err) = Run("lint-sql", path, "--dialect", "sqlite", "--max-sql-bytes", "1000");
        code.ShouldBe(2);
        err.ShouldContain("over the limit of 1,000 bytes");
        err.ShouldContain("--max-sql-bytes");
        Run("lint-sql", path, "--dialect", "sqlite", "--max-sql-bytes", "4000").Code.ShouldBe(0);
        Run("lint-sql", path, "--dialect", "sqlite", "--max-sql-bytes", "0").Code.ShouldBe(2);
    }
}
