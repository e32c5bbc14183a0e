using Stepwise.Data.Lint;

namespace Stepwise.Data.Tests;

/// <summary>docs/data-changes.md lists every lint rule with its class; a rule added without its row fails here.</summary>
public sealed class DocsTests
{
    private static string Doc()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stepwise.slnx")))
        {
            dir = dir.Parent;
        }
        dir.ShouldNotBeNull("the tests run inside the repository");
        return File.ReadAllText(Path.Combine(dir.FullName, "docs", "data-changes.md"));
    }

    [Fact]
    public void every_lint_rule_is_documented_with_its_class()
    {
        var rows = Doc().Split('\n').Where(l => l.StartsWith("| `", StringComparison.Ordinal)).ToList();
        foreach (var rule in LintRules.All)
        {
            var row = rows.FirstOrDefault(r => r.StartsWith($"| `{rule.Id}` |", StringComparison.Ordinal));
            row.ShouldNotBeNull($"docs/data-changes.md has no row for {rule.Id}");
            var cls = rule.Class switch
            {
                StatementClass.ContractOnly => "contract-only",
                StatementClass.Blocking => "blocking",
                _ => "advice",
            };
            row.ShouldContain($"| {cls} |", customMessage: rule.Id);
        }
    }
}
