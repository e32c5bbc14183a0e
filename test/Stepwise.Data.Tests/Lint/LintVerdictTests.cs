using Stepwise.Core.Model;
using Stepwise.Data.Lint;

namespace Stepwise.Data.Tests.Lint;

public sealed class LintVerdictTests
{
    public LintVerdictTests() => TestDatabases.RequireLibPgQuery();

    private static LintReport Pg(string sql, DataPhaseKind? phase) => SqlLinter.Lint([new SqlSource("m.sql", sql)], SqlDialect.Postgres, phase);

    [Fact]
    public void a_contract_only_statement_in_an_expand_phase_is_an_error()
    {
        var report = Pg("ALTER TABLE customers ADD COLUMN contact_email text;\nALTER TABLE customers DROP COLUMN email;", DataPhaseKind.Expand);
        report.ExitCode.ShouldBe(1);
        report.Statements[0].Class.ShouldBe(StatementClass.Safe);
        report.Statements[1].Class.ShouldBe(StatementClass.ContractOnly);
        report.Statements[1].Findings.Single().Level.ShouldBe(FindingLevel.Error);
        report.Statements[1].Line.ShouldBe(2);
    }

    [Fact]
    public void a_contract_only_statement_in_a_contract_phase_is_a_note()
    {
        var report = Pg("ALTER TABLE customers DROP COLUMN email", DataPhaseKind.Contract);
        report.ExitCode.ShouldBe(0);
        report.Statements.Single().Findings.Single().Level.ShouldBe(FindingLevel.Info);
    }

    [Fact]
    public void without_a_phase_contract_only_statements_are_reported_but_not_errors()
    {
        var report = Pg("ALTER TABLE customers RENAME COLUMN email TO contact_email", null);
        report.ExitCode.ShouldBe(0);
        report.Statements.Single().Findings.Single().Level.ShouldBe(FindingLevel.Warning);
    }

    [Fact]
    public void the_safe_expand_recipe_for_a_rename_passes_the_expand_lint()
    {
        var report = Pg("""
            ALTER TABLE customers ADD COLUMN contact_email text;
            CREATE INDEX CONCURRENTLY customers_contact_email_idx ON customers (contact_email);
            ALTER TABLE customers ADD CONSTRAINT contact_email_len CHECK (char_length(contact_email) < 320) NOT VALID;
            ALTER TABLE customers VALIDATE CONSTRAINT contact_email_len;
            """, DataPhaseKind.Expand);
        report.ExitCode.ShouldBe(0);
        report.Statements.Count.ShouldBe(4);
        report.Statements.ShouldAllBe(s => s.Class == StatementClass.Safe);
    }

    [Fact]
    public void statements_on_a_table_the_file_creates_need_no_online_recipe()
    {
        var report = Pg("CREATE TABLE audit (id bigint, at timestamptz);\nCREATE INDEX audit_at_idx ON audit (at);\nALTER TABLE audit ADD CONSTRAINT audit_pk PRIMARY KEY (id);", DataPhaseKind.Expand);
        report.ExitCode.ShouldBe(0);
    }

    [Fact]
    public void advice_never_makes_a_file_unsafe()
    {
        var report = Pg("CREATE TABLE n (id serial, name varchar(10), at timestamp, code char(2))", DataPhaseKind.Expand);
        report.ExitCode.ShouldBe(0);
        report.Statements.Single().Findings.Count.ShouldBeGreaterThan(3);
        report.Statements.Single().Findings.ShouldAllBe(f => f.Level == FindingLevel.Info);
    }

    [Fact]
    public void timeouts_are_not_demanded_from_files_the_runner_executes()
    {
        var report = Pg("ALTER TABLE t ADD COLUMN a text", DataPhaseKind.Expand);
        report.Statements.Single().Findings.ShouldBeEmpty();
    }

    [Fact]
    public void a_syntax_error_is_reported_at_file_line_and_column_and_is_bad_input()
    {
        var report = SqlLinter.Lint([new SqlSource("m.sql", "ALTER TABLE t ADD COLUMN a text;\n  ALTER TABEL t DROP COLUMN b;\n")], SqlDialect.Postgres, DataPhaseKind.Expand);
        report.ExitCode.ShouldBe(2);
        var error = report.InputErrors.Single();
        error.File.ShouldBe("m.sql");
        error.Line.ShouldBe(2);
        error.Column.ShouldBe(9);
        error.Message.ShouldContain("TABEL");
    }

    [Fact]
    public void positions_count_characters_after_non_ascii_text()
    {
        var report = SqlLinter.Lint([new SqlSource("m.sql", "COMMENT ON TABLE t IS 'Kundenübersicht – ✓';\nALTER TABLE t DROP COLUMN a;")], SqlDialect.Postgres, DataPhaseKind.Expand);
        var drop = report.Statements[1];
        drop.Line.ShouldBe(2);
        drop.Column.ShouldBe(1);
        drop.Text.ShouldBe("ALTER TABLE t DROP COLUMN a");

        var error = SqlLinter.Lint([new SqlSource("m.sql", "SELECT 'ü'; SELEC 1")], SqlDialect.Postgres, null).InputErrors.Single();
        (error.Line, error.Column).ShouldBe((1, 13));
    }

    [Fact]
    public void an_unterminated_statement_reports_the_end_of_the_file()
    {
        var report = SqlLinter.Lint([new SqlSource("m.sql", "ALTER TABLE t ADD COLUMN a text DEFAULT 'x")], SqlDialect.Postgres, null);
        report.ExitCode.ShouldBe(2);
        report.InputErrors.Single().Line.ShouldBe(1);
    }

    [Fact]
    public void a_sqlite_syntax_error_is_reported_at_its_token()
    {
        var report = SqlLinter.Lint([new SqlSource("m.sql", "ALTER TABLE t ADD COLUMN a TEXT;\nALTER TABLE t ALTER COLUMN a TYPE INTEGER;")], SqlDialect.Sqlite, DataPhaseKind.Expand);
        report.ExitCode.ShouldBe(2);
        var e = report.InputErrors.Single();
        (e.Line, e.Column).ShouldBe((2, 15));
    }

    [Fact]
    public void sqlite_missing_tables_are_not_syntax_errors()
    {
        var report = SqlLinter.Lint([new SqlSource("m.sql", "ALTER TABLE nowhere ADD COLUMN a TEXT")], SqlDialect.Sqlite, DataPhaseKind.Expand);
        report.ExitCode.ShouldBe(0);
    }
}
