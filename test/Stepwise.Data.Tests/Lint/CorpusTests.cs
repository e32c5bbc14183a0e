using Stepwise.Data.Lint;

namespace Stepwise.Data.Tests.Lint;

/// <summary>
/// On the corpus of migrations squawk's and strong_migrations' documentation discuss, Stepwise flags (contract-only or
/// blocking) exactly the files squawk 2.66 flags, except the differences below, each explained in docs/data-changes.md.
/// </summary>
public sealed class CorpusTests
{
    private static readonly Dictionary<string, string> Differences = new(StringComparer.Ordinal)
    {
        ["add-column-serial"] = "a serial column's default is nextval(), which is volatile: PostgreSQL writes every row; squawk only suggests identity",
        ["backfill-update"] = "an UPDATE without WHERE changes every row in one transaction, blocking writes to them until it commits; squawk has no rule for it (strong_migrations asks for batches)",
        ["create-table-then-index"] = "the index is on a table the same file creates: empty and unused by running code, so a plain CREATE INDEX blocks nobody",
        ["lock-table"] = "an explicit LOCK TABLE … ACCESS EXCLUSIVE blocks every reader until commit; squawk has no rule for it",
        ["set-schema"] = "moving a table to another schema breaks code that names it without the schema, like a rename; squawk has no rule for it",
        ["vacuum-full"] = "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE; squawk has no rule for it",
    };

    [Fact]
    public void corpus_verdicts_agree_with_squawk_or_the_difference_is_documented()
    {
        TestDatabases.RequireLibPgQuery();
        var dir = Path.Combine(AppContext.BaseDirectory, "Corpus");
        var rows = File.ReadAllLines(Path.Combine(dir, "squawk-2.66.tsv")).Where(l => l.Length > 0).Select(l => l.Split('\t')).ToList();
        rows.Count.ShouldBeGreaterThanOrEqualTo(50);
        var disagreements = new List<string>();
        foreach (var row in rows)
        {
            var (name, squawkRules) = (row[0], row[1] == "-" ? [] : row[1].Split(','));
            var report = SqlLinter.Lint([new SqlSource(name, File.ReadAllText(Path.Combine(dir, "sql", name + ".sql")))], SqlDialect.Postgres, phase: null);
            report.InputErrors.ShouldBeEmpty(name);
            var ours = report.Statements.SelectMany(s => s.Findings).Where(f => f.Rule.Class is StatementClass.Blocking or StatementClass.ContractOnly).Select(f => f.Rule.Id).ToHashSet();
            var agree = ours.Count > 0 == squawkRules.Length > 0;
            if (agree == Differences.ContainsKey(name))
            {
                disagreements.Add($"{name}: squawk [{string.Join(", ", squawkRules)}], stepwise [{string.Join(", ", ours)}]{(agree ? " (listed as a difference but agrees)" : "")}");
            }
            if (agree && squawkRules.Length > 0)
            {
                // Where both flag a statement, they name at least one rule alike (the ids follow squawk's).
                ours.Overlaps(squawkRules).ShouldBeTrue($"{name}: squawk [{string.Join(", ", squawkRules)}], stepwise [{string.Join(", ", ours)}]");
            }
        }
        disagreements.ShouldBeEmpty();
    }
}
