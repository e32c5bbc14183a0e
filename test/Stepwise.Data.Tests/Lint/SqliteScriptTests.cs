using Stepwise.Data.Sql;

namespace Stepwise.Data.Tests.Lint;

public sealed class SqliteScriptTests
{
    [Fact]
    public void semicolons_inside_quotes_and_comments_do_not_split()
    {
        var parts = SqliteScript.Split("INSERT INTO t VALUES ('a;b'); -- c;d\nSELECT \"x;y\" FROM t /* ; */;");
        parts.Count.ShouldBe(2);
        parts[0].Text.ShouldBe("INSERT INTO t VALUES ('a;b')");
        parts[1].Text.ShouldStartWith("SELECT \"x;y\"");
    }

    [Fact]
    public void a_trigger_body_stays_one_statement()
    {
        var parts = SqliteScript.Split("""
            CREATE TRIGGER t_dual AFTER UPDATE OF email ON customers BEGIN
              UPDATE customers SET contact_email = NEW.email WHERE id = NEW.id;
              SELECT CASE WHEN NEW.id < 0 THEN RAISE(ABORT, 'bad') END;
            END;
            SELECT 1;
            """);
        parts.Count.ShouldBe(2);
        parts[0].Words[0].ShouldBe("CREATE");
        parts[0].Text.ShouldEndWith("END");
    }

    [Fact]
    public void a_last_statement_without_semicolon_is_kept()
    {
        SqliteScript.Split("SELECT 1;\n\nSELECT 2  ").Select(p => p.Text).ShouldBe(["SELECT 1", "SELECT 2"]);
    }

    [Fact]
    public void an_empty_script_has_no_statements()
    {
        SqliteScript.Split("  -- nothing\n /* here */ ;;").ShouldBeEmpty();
    }
}
