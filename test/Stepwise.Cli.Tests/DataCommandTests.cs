using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Stepwise.Cli.Tests;

public sealed class DataCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = StepwiseCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static (string Config, string Store, string Db) SqliteShop(string contractDown = "irreversible")
    {
        var dir = CliDatabases.TempDir();
        var db = Path.Combine(dir, "shop.db");
        using (var conn = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            conn.Open();
            using var cmd = conn.CreateCommand();
            cmd.CommandText = "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, hits INTEGER NOT NULL DEFAULT 0); WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 300) INSERT INTO customers (id, email) SELECT n, 'c' || n || '@x' FROM g;";
            cmd.ExecuteNonQuery();
        }
        return (CliDatabases.RenameConfig(dir, contractDown: contractDown), $"sqlite:{db}", db);
    }

    private static long Scalar(string db, string sql)
    {
        using var conn = new SqliteConnection($"Data Source={db};Pooling=False");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return (long)cmd.ExecuteScalar()!;
    }

    [Fact]
    public void plan_apply_status_and_rollback_walk_the_phases_on_sqlite()
    {
        var (config, store, db) = SqliteShop(contractDown: "ALTER TABLE customers ADD COLUMN email TEXT");
        const string change = "customer-contact-email";

        var plan = Run("data", "plan", change, "--store", store, "--config", config);
        plan.Code.ShouldBe(0);
        plan.Out.ShouldContain("apply expand");
        plan.Out.ShouldContain("ALTER TABLE customers ADD COLUMN contact_email text");

        Run("data", "apply", change, "--store", store, "--config", config).Code.ShouldBe(0);
        var backfill = Run("data", "apply", change, "--store", store, "--config", config);
        backfill.Code.ShouldBe(0);
        backfill.Out.ShouldContain("300 rows");
        backfill.Err.ShouldContain("backfill customer-contact-email:");

        var status = Run("data", "status", change, "--store", store, "--config", config, "--format", "json");
        status.Code.ShouldBe(0);
        using (var doc = JsonDocument.Parse(status.Out))
        {
            var phases = doc.RootElement.GetProperty("phases");
            phases[0].GetProperty("state").GetString().ShouldBe("Complete");
            phases[1].GetProperty("state").GetString().ShouldBe("Complete");
            phases[1].GetProperty("rowsDone").GetInt64().ShouldBe(300);
            phases[2].GetProperty("state").GetString().ShouldBe("Pending");
        }

        var refused = Run("data", "apply", change, "--store", store, "--config", config, "--phase", "contract");
        refused.Code.ShouldBe(1);
        refused.Err.ShouldContain("--no-controller");
        Run("data", "apply", change, "--store", store, "--config", config).Code.ShouldBe(1); // the next phase is the contract
        Scalar(db, "SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'email'").ShouldBe(1);
        Run("data", "apply", change, "--store", store, "--config", config, "--phase", "contract", "--no-controller").Code.ShouldBe(0);
        Scalar(db, "SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'email'").ShouldBe(0);
        Run("data", "rollback", change, "--store", store, "--config", config).Code.ShouldBe(0);
        Scalar(db, "SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'email'").ShouldBe(1);
        Run("data", "status", change, "--store", store, "--config", config).Out.ShouldContain("rolled back");
    }

    [Fact]
    public void applying_a_phase_out_of_order_exits_2_and_changes_nothing()
    {
        var (config, store, db) = SqliteShop();
        var (code, _, err) = Run("data", "apply", "customer-contact-email", "--store", store, "--config", config, "--phase", "contract");
        code.ShouldBe(2);
        err.ShouldContain("its expand is not applied");
        err.ShouldContain("nothing was changed");
        Scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'stepwise_data_phase'").ShouldBe(0);
        Scalar(db, "SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'email'").ShouldBe(1);
    }

    [Fact]
    public void rolling_back_an_irreversible_contract_exits_2()
    {
        var (config, store, db) = SqliteShop();
        foreach (var phase in new[] { "expand", "backfill", "contract" })
        {
            Run("data", "apply", "customer-contact-email", "--store", store, "--config", config, "--phase", phase, "--no-controller").Code.ShouldBe(0);
        }
        var (code, _, err) = Run("data", "rollback", "customer-contact-email", "--store", store, "--config", config);
        code.ShouldBe(2);
        err.ShouldContain("irreversible");
        Scalar(db, "SELECT state FROM stepwise_data_phase WHERE phase = 2").ShouldBe(2);
    }

    [Fact]
    public void an_expand_that_drops_a_column_is_refused_with_exit_1_unless_allowed()
    {
        var (config, store, db) = SqliteShop();
        File.WriteAllText(config, File.ReadAllText(config).Replace("up: ALTER TABLE customers ADD COLUMN contact_email text", "up: ALTER TABLE customers DROP COLUMN hits", StringComparison.Ordinal));
        var (code, _, err) = Run("data", "apply", "customer-contact-email", "--store", store, "--config", config);
        code.ShouldBe(1);
        err.ShouldContain("refused: the expand of 'customer-contact-email' breaks code that still runs");
        err.ShouldContain("ban-drop-column");
        Scalar(db, "SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'hits'").ShouldBe(1);

        Run("data", "apply", "customer-contact-email", "--store", store, "--config", config, "--allow", "no-such-rule").Code.ShouldBe(2);
        Run("data", "apply", "customer-contact-email", "--store", store, "--config", config, "--allow", "ban-drop-column").Code.ShouldBe(0);
        Scalar(db, "SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'hits'").ShouldBe(0);
    }

    [Fact]
    public void an_unknown_store_url_exits_2_with_the_accepted_forms()
    {
        var (config, _, _) = SqliteShop();
        var (code, _, err) = Run("data", "apply", "customer-contact-email", "--store", "mysql://db/shop", "--config", config);
        code.ShouldBe(2);
        err.ShouldContain("unknown store URL 'mysql://db/shop'");
        err.ShouldContain("postgres://");
    }

    [Fact]
    public void an_unknown_change_a_missing_config_or_a_broken_config_exits_2()
    {
        var (config, store, _) = SqliteShop();
        var unknown = Run("data", "status", "no-such-change", "--store", store, "--config", config);
        unknown.Code.ShouldBe(2);
        unknown.Err.ShouldContain("customer-contact-email");
        Run("data", "status", "customer-contact-email", "--store", store, "--config", "/no/stepwise.yaml").Code.ShouldBe(2);

        var broken = Path.Combine(CliDatabases.TempDir(), "stepwise.yaml");
        File.WriteAllText(broken, "dataChanges:\n  - id: x\n    store: db\n    expand:\n      up: SELECT 1\n");
        var bad = Run("data", "status", "x", "--store", store, "--config", broken);
        bad.Code.ShouldBe(2);
        bad.Err.ShouldContain("stepwise.yaml:");
        Run("data", "apply", "customer-contact-email", "--config", config).Code.ShouldBe(2);
    }

    [Fact]
    public void a_sql_syntax_error_in_a_phase_exits_2_before_anything_runs()
    {
        var (config, store, db) = SqliteShop();
        File.WriteAllText(config, File.ReadAllText(config).Replace("ADD COLUMN contact_email text", "ADDD COLUMN contact_email text", StringComparison.Ordinal));
        var (code, _, err) = Run("data", "apply", "customer-contact-email", "--store", store, "--config", config);
        code.ShouldBe(2);
        err.ShouldContain("customer-contact-email.expand:1:23: SQL syntax error");
        Scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'stepwise_data_phase'").ShouldBe(0);
    }

    [Fact]
    public void plan_and_apply_refuse_a_phase_with_a_nul_byte_with_its_offset()
    {
        var (config, store, db) = SqliteShop();
        // YAML's "\0" escape puts a NUL into the inline SQL.
        System.IO.File.WriteAllText(config, System.IO.File.ReadAllText(config).Replace(
            "up: ALTER TABLE customers ADD COLUMN contact_email text", "up: \"ALTER TABLE customers ADD COLUMN contact_email text;\\0DROP TABLE customers\"", StringComparison.Ordinal));
        foreach (var verb in new[] { "plan", "apply" })
        {
            var (code, _, err) = Run("data", verb, "customer-contact-email", "--store", store, "--config", config);
            code.ShouldBe(2);
            err.ShouldContain("NUL byte at byte offset 52");
        }
        Scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'customers'").ShouldBe(1);
        Scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'stepwise_data_phase'").ShouldBe(0);
    }
}
