using Stepwise.Core.Model;
using Stepwise.Data.Sql;

namespace Stepwise.Data.Lint;

/// <summary>A SQL file to lint: its name (for messages) and its text.</summary>
public sealed record SqlSource(string File, string Text);

/// <summary>
/// Lints migration SQL for a phase: each statement is classified safe / contract-only / blocking (with advice notes),
/// and each finding is an error, a warning or a note for that phase (<see cref="LintReport.LevelFor"/>).
/// </summary>
public static class SqlLinter
{
    /// <param name="standalone">The files run outside Stepwise: note missing lock_timeout/statement_timeout (Stepwise sets them itself).</param>
    /// <param name="maxBytes">The size cap of one source in UTF-8 bytes (<see cref="SqlInput.DefaultMaxBytes"/> by default).</param>
    public static LintReport Lint(IEnumerable<SqlSource> sources, SqlDialect dialect, DataPhaseKind? phase, bool standalone = false, long maxBytes = SqlInput.DefaultMaxBytes)
    {
        var statements = new List<StatementVerdict>();
        var errors = new List<LintInputError>();
        foreach (var source in sources)
        {
            // A NUL byte, a broken character or an oversized file is bad input, before any parser sees it.
            if (SqlInput.Problem(source.Text, maxBytes) is { } problem)
            {
                errors.Add(new LintInputError(source.File, problem.Line, problem.Column, problem.Message));
                continue;
            }
            if (dialect == SqlDialect.Postgres)
            {
                LintPostgres(source, phase, standalone, statements, errors);
            }
            else
            {
                LintSqlite(source, phase, statements, errors);
            }
        }
        return new LintReport(phase, dialect, statements, errors);
    }

    private static void LintPostgres(SqlSource source, DataPhaseKind? phase, bool standalone, List<StatementVerdict> statements, List<LintInputError> errors)
    {
        var parsed = PgQuery.ParseScript(source.Text);
        var lines = SqlText.LineStarts(source.Text);
        if (parsed.Error is { } error)
        {
            var (line, col) = SqlText.Position(lines, error.Offset);
            errors.Add(new LintInputError(source.File, line, col, error.Message));
            return;
        }
        var rules = new PostgresRules();
        var first = statements.Count;
        foreach (var s in parsed.Statements)
        {
            var (line, col) = SqlText.Position(lines, s.Offset);
            statements.Add(Verdict(source.File, line, col, s.Text, rules.Classify(s), phase));
        }
        if (standalone && statements.Count > first)
        {
            var missing = new List<(LintRule, string)>();
            if (!rules.SetsLockTimeout)
            {
                missing.Add((LintRules.RequireLockTimeout, "the file sets no lock_timeout"));
            }
            if (!rules.SetsStatementTimeout)
            {
                missing.Add((LintRules.RequireStatementTimeout, "the file sets no statement_timeout"));
            }
            if (missing.Count > 0)
            {
                var top = statements[first];
                statements[first] = top with
                {
                    Findings = [.. top.Findings, .. missing.Select(m => new LintFinding(m.Item1, FindingLevel.Info, m.Item2))],
                };
            }
        }
    }

    private static void LintSqlite(SqlSource source, DataPhaseKind? phase, List<StatementVerdict> statements, List<LintInputError> errors)
    {
        var (parsed, error) = SqliteScript.Parse(source.Text);
        var lines = SqlText.LineStarts(source.Text);
        if (error is not null)
        {
            var (line, col) = SqlText.Position(lines, error.Offset);
            errors.Add(new LintInputError(source.File, line, col, error.Message));
            return;
        }
        var rules = new SqliteRules(parsed);
        foreach (var s in parsed)
        {
            var (line, col) = SqlText.Position(lines, s.Offset);
            statements.Add(Verdict(source.File, line, col, s.Text, rules.Classify(s), phase));
        }
    }

    private static StatementVerdict Verdict(string file, int line, int col, string text, List<(LintRule Rule, string Message)> found, DataPhaseKind? phase)
    {
        var findings = found.Select(f => new LintFinding(f.Rule, LintReport.LevelFor(f.Rule.Class, phase), f.Message)).ToList();
        var cls = found.Count == 0 ? StatementClass.Safe
            : found.Any(f => f.Rule.Class == StatementClass.Blocking) ? StatementClass.Blocking
            : found.Any(f => f.Rule.Class == StatementClass.ContractOnly) ? StatementClass.ContractOnly
            : StatementClass.Safe;
        return new StatementVerdict(file, line, col, text, cls, findings);
    }
}
