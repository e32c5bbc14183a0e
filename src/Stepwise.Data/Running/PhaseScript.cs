using Stepwise.Data.Lint;
using Stepwise.Data.Sql;

namespace Stepwise.Data.Running;

/// <summary>How the runner executes one statement of a phase.</summary>
public enum StepMode
{
    /// <summary>Inside a transaction, together with the neighbouring transactional statements and the phase-state update.</summary>
    Transactional = 0,

    /// <summary>Alone and outside any transaction (CREATE/DROP/REINDEX … CONCURRENTLY, VACUUM); the state is updated right after.</summary>
    Outside = 1,

    /// <summary>In a transaction of its own: the VALIDATE CONSTRAINT half of a constraint the runner added NOT VALID.</summary>
    Alone = 2,
}

/// <summary>One statement as the runner will execute it.</summary>
/// <param name="ConcurrentIndex">For CREATE INDEX CONCURRENTLY: the index name (schema-qualified if given), to find an invalid leftover.</param>
/// <param name="DropsIndexConcurrently">For DROP INDEX CONCURRENTLY: run it only while the index exists, so a resumed phase does not fail.</param>
public sealed record ExecStep(string Sql, StepMode Mode, string Note, string? ConcurrentIndex = null, bool DropsIndexConcurrently = false);

/// <summary>
/// Turns a phase's SQL into the steps the runner executes. On PostgreSQL: concurrent index statements run outside a
/// transaction, and a CHECK or FOREIGN KEY constraint is added NOT VALID and validated in its own transaction (VALIDATE takes a
/// SHARE UPDATE EXCLUSIVE lock, which does not block reads or writes). Explicit BEGIN/COMMIT in a phase is refused: the runner
/// owns the transactions, so that the phase state is written in the same transaction as the work.
/// </summary>
public static class PhaseScript
{
    public static IReadOnlyList<ExecStep> Plan(string sql, SqlDialect dialect, string what, long maxBytes = SqlInput.DefaultMaxBytes)
    {
        if (SqlInput.Problem(sql, maxBytes) is { } problem)
        {
            throw BadInput(what, problem);
        }
        return dialect == SqlDialect.Postgres ? PlanPostgres(sql, what) : PlanSqlite(sql, what);
    }

    /// <summary>A NUL byte, invalid UTF-8 or oversized SQL in a phase, as the runner reports bad input.</summary>
    public static DataInputException BadInput(string what, SqlInputProblem problem) => new(
        problem.ByteOffset is null ? $"{what}: {problem.Message}" : $"{what}:{problem.Line}:{problem.Column}: {problem.Message}",
        problem.Fix + "; nothing was run");

    private static List<ExecStep> PlanPostgres(string sql, string what)
    {
        var parsed = PgQuery.ParseScript(sql);
        if (parsed.Error is { } error)
        {
            var (line, col) = SqlText.Position(sql, error.Offset);
            throw new DataInputException($"{what}:{line}:{col}: SQL syntax error: {error.Message}", "fix the SQL (stepwise lint-sql shows the same position); nothing was run");
        }
        if (parsed.Statements.Count == 0)
        {
            throw new DataInputException($"{what} has no SQL statement", "give the phase at least one statement");
        }
        var created = new HashSet<string>(StringComparer.Ordinal);
        var steps = new List<ExecStep>();
        foreach (var s in parsed.Statements)
        {
            var n = s.Node;
            switch (s.Kind)
            {
                case "TransactionStmt":
                    throw new DataInputException($"{what} contains '{s.Text}'", "remove BEGIN/COMMIT/ROLLBACK: Stepwise runs each phase in transactions of its own and records the phase state in them");
                case "CreateStmt":
                    created.Add(PostgresRules.TableName(n.GetProperty("relation")));
                    steps.Add(new ExecStep(s.Text, StepMode.Transactional, "create table"));
                    break;
                case "IndexStmt" when PostgresRules.Bool(n, "concurrent"):
                    var idx = PostgresRules.Str(n, "idxname");
                    var schema = n.TryGetProperty("relation", out var rel) ? PostgresRules.Str(rel, "schemaname") : null;
                    steps.Add(new ExecStep(s.Text, StepMode.Outside, "concurrent index build, outside a transaction", idx is null ? null : schema is null ? idx : $"{schema}.{idx}"));
                    break;
                case "DropStmt" when PostgresRules.Bool(n, "concurrent"):
                    steps.Add(new ExecStep(s.Text, StepMode.Outside, "concurrent index drop, outside a transaction", DropsIndexConcurrently: true));
                    break;
                case "ReindexStmt" when PostgresRules.Arr(n, "params").Any(p => p.TryGetProperty("DefElem", out var d) && PostgresRules.Str(d, "defname") == "concurrently"):
                case "VacuumStmt":
                    steps.Add(new ExecStep(s.Text, StepMode.Outside, "cannot run in a transaction"));
                    break;
                case "AlterTableStmt" when SplitConstraint(s, created) is { } split:
                    steps.Add(new ExecStep(s.Text + " NOT VALID", StepMode.Transactional, "constraint added NOT VALID (no scan under lock)"));
                    steps.Add(new ExecStep(split, StepMode.Alone, "validated in its own transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on)"));
                    break;
                default:
                    steps.Add(new ExecStep(s.Text, StepMode.Transactional, ""));
                    break;
            }
        }
        return steps;
    }

    /// <summary>True for statements PostgreSQL refuses to run inside a transaction block.</summary>
    public static bool RunsOutsideTransaction(PgStatement s) => s.Kind switch
    {
        "IndexStmt" or "DropStmt" => PostgresRules.Bool(s.Node, "concurrent"),
        "ReindexStmt" => PostgresRules.Arr(s.Node, "params").Any(p => p.TryGetProperty("DefElem", out var d) && PostgresRules.Str(d, "defname") == "concurrently"),
        "VacuumStmt" => true,
        _ => false,
    };

    /// <summary>The VALIDATE statement for an ALTER TABLE … ADD CONSTRAINT name CHECK/FOREIGN KEY without NOT VALID, or null.</summary>
    private static string? SplitConstraint(PgStatement s, HashSet<string> created)
    {
        var n = s.Node;
        var cmds = PostgresRules.Arr(n, "cmds").ToList();
        if (cmds.Count != 1 || !cmds[0].TryGetProperty("AlterTableCmd", out var cmd) || PostgresRules.Str(cmd, "subtype") != "AT_AddConstraint")
        {
            return null;
        }
        if (!cmd.TryGetProperty("def", out var def) || !def.TryGetProperty("Constraint", out var con))
        {
            return null;
        }
        var relation = n.GetProperty("relation");
        if (PostgresRules.Str(con, "contype") is not ("CONSTR_CHECK" or "CONSTR_FOREIGN") || PostgresRules.Bool(con, "skip_validation")
            || PostgresRules.Str(con, "conname") is not { } name || created.Contains(PostgresRules.TableName(relation)))
        {
            return null;
        }
        var schema = PostgresRules.Str(relation, "schemaname");
        var table = (schema is null ? "" : QuoteIdent(schema) + ".") + QuoteIdent(PostgresRules.Str(relation, "relname")!);
        return $"ALTER TABLE {table} VALIDATE CONSTRAINT {QuoteIdent(name)}";
    }

    private static List<ExecStep> PlanSqlite(string sql, string what)
    {
        var (statements, error) = SqliteScript.Parse(sql);
        if (error is not null)
        {
            var (line, col) = SqlText.Position(sql, error.Offset);
            throw new DataInputException($"{what}:{line}:{col}: SQL syntax error: {error.Message}", "fix the SQL (stepwise lint-sql --dialect sqlite shows the same position); nothing was run");
        }
        if (statements.Count == 0)
        {
            throw new DataInputException($"{what} has no SQL statement", "give the phase at least one statement");
        }
        var steps = new List<ExecStep>();
        foreach (var s in statements)
        {
            var first = s.Words[0];
            if (first is "BEGIN" or "COMMIT" or "END" or "ROLLBACK" or "SAVEPOINT" or "RELEASE")
            {
                throw new DataInputException($"{what} contains '{s.Text}'", "remove BEGIN/COMMIT/ROLLBACK: Stepwise runs each phase in one transaction of its own and records the phase state in it");
            }
            steps.Add(first == "VACUUM" || (first == "PRAGMA" && s.Words.Contains("FOREIGN_KEYS"))
                ? new ExecStep(s.Text, StepMode.Outside, "cannot run in a transaction")
                : new ExecStep(s.Text, StepMode.Transactional, ""));
        }
        return steps;
    }

    /// <summary>Groups steps into the units the runner commits: consecutive transactional steps share one transaction.</summary>
    public static List<(int First, int Count, StepMode Mode)> Segments(IReadOnlyList<ExecStep> steps)
    {
        var result = new List<(int, int, StepMode)>();
        var i = 0;
        while (i < steps.Count)
        {
            if (steps[i].Mode != StepMode.Transactional)
            {
                result.Add((i, 1, steps[i].Mode));
                i++;
                continue;
            }
            var j = i;
            while (j < steps.Count && steps[j].Mode == StepMode.Transactional)
            {
                j++;
            }
            result.Add((i, j - i, StepMode.Transactional));
            i = j;
        }
        return result;
    }

    public static string QuoteIdent(string name)
    {
        var plain = name.Length > 0 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '$');
        return plain ? name : "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
