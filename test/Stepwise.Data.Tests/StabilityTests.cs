using Stepwise.Data.Lint;
using Stepwise.Data.Running;

namespace Stepwise.Data.Tests;

/// <summary>Rule ids, their classes and persisted enum values are compatibility promises: these tables may only grow.</summary>
public sealed class StabilityTests
{
    [Fact]
    public void rule_ids_and_classes_are_pinned()
    {
        var golden = new Dictionary<string, StatementClass>
        {
            ["ban-drop-column"] = StatementClass.ContractOnly,
            ["ban-drop-table"] = StatementClass.ContractOnly,
            ["ban-drop-database"] = StatementClass.ContractOnly,
            ["ban-drop-schema"] = StatementClass.ContractOnly,
            ["renaming-column"] = StatementClass.ContractOnly,
            ["renaming-table"] = StatementClass.ContractOnly,
            ["adding-required-field"] = StatementClass.ContractOnly,
            ["ban-drop-not-null"] = StatementClass.ContractOnly,
            ["ban-truncate-cascade"] = StatementClass.ContractOnly,
            ["require-concurrent-index-creation"] = StatementClass.Blocking,
            ["require-concurrent-index-deletion"] = StatementClass.Blocking,
            ["require-concurrent-reindex"] = StatementClass.Blocking,
            ["ban-concurrent-index-creation-in-transaction"] = StatementClass.Blocking,
            ["constraint-missing-not-valid"] = StatementClass.Blocking,
            ["adding-foreign-key-constraint"] = StatementClass.Blocking,
            ["disallowed-unique-constraint"] = StatementClass.Blocking,
            ["adding-serial-primary-key-field"] = StatementClass.Blocking,
            ["adding-field-with-default"] = StatementClass.Blocking,
            ["changing-column-type"] = StatementClass.Blocking,
            ["adding-not-nullable-field"] = StatementClass.Blocking,
            ["ban-alter-domain-with-add-constraint"] = StatementClass.Blocking,
            ["ban-vacuum-full"] = StatementClass.Blocking,
            ["ban-explicit-lock"] = StatementClass.Blocking,
            ["ban-unbatched-update"] = StatementClass.Blocking,
            ["sqlite-alter-needs-rebuild"] = StatementClass.Blocking,
            ["sqlite-vacuum"] = StatementClass.Blocking,
            ["prefer-text-field"] = StatementClass.Advice,
            ["prefer-bigint-over-int"] = StatementClass.Advice,
            ["prefer-timestamp-tz"] = StatementClass.Advice,
            ["ban-char-field"] = StatementClass.Advice,
            ["prefer-identity"] = StatementClass.Advice,
            ["require-enum-value-ordering"] = StatementClass.Advice,
            ["ban-create-domain-with-constraint"] = StatementClass.Advice,
            ["require-lock-timeout"] = StatementClass.Advice,
            ["require-statement-timeout"] = StatementClass.Advice,
        };
        foreach (var (id, cls) in golden)
        {
            var rule = LintRules.Find(id);
            rule.ShouldNotBeNull($"rule {id} was removed or renamed");
            rule.Class.ShouldBe(cls, $"rule {id} changed class");
        }
        LintRules.All.Select(r => r.Id).ShouldBeUnique();
    }

    [Fact]
    public async Task the_phase_state_table_keeps_its_columns()
    {
        using var lite = TestDatabases.NewSqlite();
        lite.Exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, hits INTEGER NOT NULL DEFAULT 0)");
        await new DataRunner(Running.Changes.RenameEmail(), ".").ApplyAsync(StoreUrl.Parse(lite.Url), Stepwise.Core.Model.DataPhaseKind.Expand, TestContext.Current.CancellationToken);

        using var conn = new Microsoft.Data.Sqlite.SqliteConnection(lite.ConnectionString);
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT name FROM pragma_table_info('stepwise_data_phase') ORDER BY cid";
        var columns = new List<string>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
            {
                columns.Add(reader.GetString(0));
            }
        }
        // Databases already hold this table: columns may be added at the end, never renamed or removed.
        columns.Take(11).ShouldBe(["change_id", "phase", "state", "direction", "step", "cursor", "rows_done", "batches", "updated_at", "completed_at", "error"]);
    }

    [Fact]
    public void persisted_enum_values_are_pinned()
    {
        ((int)StatementClass.Safe).ShouldBe(0);
        ((int)StatementClass.ContractOnly).ShouldBe(1);
        ((int)StatementClass.Blocking).ShouldBe(2);
        ((int)StatementClass.Advice).ShouldBe(3);
        ((int)FindingLevel.Error).ShouldBe(0);
        ((int)FindingLevel.Warning).ShouldBe(1);
        ((int)FindingLevel.Info).ShouldBe(2);
        ((int)SqlDialect.Postgres).ShouldBe(0);
        ((int)SqlDialect.Sqlite).ShouldBe(1);
        ((int)PhaseDirection.Up).ShouldBe(0);
        ((int)PhaseDirection.Down).ShouldBe(1);
        ((int)StepMode.Transactional).ShouldBe(0);
        ((int)StepMode.Outside).ShouldBe(1);
        ((int)StepMode.Alone).ShouldBe(2);
    }
}
