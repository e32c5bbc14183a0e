using Stepwise.Data.Lint;

namespace Stepwise.Data.Tests.Lint;

public sealed class LintRuleTests
{
    private static LintReport Lint(string sql, SqlDialect dialect, bool standalone = false) =>
        SqlLinter.Lint([new SqlSource("m.sql", sql)], dialect, phase: null, standalone);

    [Theory]
    [MemberData(nameof(RuleCases.Data), MemberType = typeof(RuleCases))]
    public void each_rule_fires_on_its_trigger_and_not_on_its_safe_variant(RuleCases.Case c)
    {
        if (c.Dialect == SqlDialect.Postgres)
        {
            TestDatabases.RequireLibPgQuery();
        }
        var trigger = Lint(c.Trigger, c.Dialect, c.Standalone);
        trigger.InputErrors.ShouldBeEmpty();
        trigger.Statements.SelectMany(s => s.Findings).Select(f => f.Rule.Id).ShouldContain(c.Rule);

        var safe = Lint(c.Safe, c.Dialect, c.Standalone);
        safe.InputErrors.ShouldBeEmpty();
        safe.Statements.SelectMany(s => s.Findings).Select(f => f.Rule.Id).ShouldNotContain(c.Rule);
    }

    [Fact]
    public void every_rule_has_a_triggering_case_for_each_of_its_dialects()
    {
        foreach (var rule in LintRules.All)
        {
            foreach (var dialect in rule.Dialects)
            {
                RuleCases.All.ShouldContain(c => c.Rule == rule.Id && c.Dialect == dialect, $"{rule.Id} has no test case for {dialect}");
            }
        }
    }

    [Fact]
    public void every_blocking_statement_is_an_error_in_every_phase()
    {
        TestDatabases.RequireLibPgQuery();
        foreach (var phase in new Stepwise.Core.Model.DataPhaseKind?[] { null, Stepwise.Core.Model.DataPhaseKind.Expand, Stepwise.Core.Model.DataPhaseKind.Contract })
        {
            var report = SqlLinter.Lint([new SqlSource("m.sql", "CREATE INDEX t_a_idx ON t (a)")], SqlDialect.Postgres, phase);
            report.ExitCode.ShouldBe(1);
            report.Statements.Single().Class.ShouldBe(StatementClass.Blocking);
        }
    }
}
