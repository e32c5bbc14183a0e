namespace Stepwise.Contracts.Tests;

/// <summary>
/// GitHub's REST API description (13 MB, thousands of operations, deep allOf/oneOf, cyclic references) runs to
/// completion release over release, and what is found is what changed.
/// </summary>
public sealed class CorpusTests
{
    public static TheoryData<string, string> Pairs() => new()
    {
        { "octokit/21.0.0/package/generated/api.github.com.json", "octokit/22.0.0/package/generated/api.github.com.json" },
        { "octokit/22.0.0/package/generated/api.github.com.json", "octokit/23.0.0/package/generated/api.github.com.json" },
        { "octokit/21.0.0/package/generated/ghes-3.14.json", "octokit/21.0.0/package/generated/ghes-3.15.json" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void github_descriptions_compare_to_completion_with_located_findings(string older, string newer)
    {
        var oldPath = Corpus.Require(older);
        var newPath = Corpus.Require(newer);
        var report = CompatRunner.Run(oldPath, newPath, cancellationToken: TestContext.Current.CancellationToken);
        report.Kind.ShouldBe(ContractKind.OpenApi);
        report.Findings.ShouldNotBeEmpty();
        foreach (var finding in report.Findings)
        {
            CompatRules.Exists(finding.RuleId).ShouldBeTrue(finding.RuleId);
            finding.Location.ShouldStartWith("/");
            finding.File.ShouldNotBeNull();
            finding.Line.ShouldNotBeNull().ShouldBeGreaterThan(0);
        }
    }

    [Fact]
    public void a_github_description_compared_with_itself_has_no_findings()
    {
        var path = Corpus.Require("octokit/23.0.0/package/generated/api.github.com.json");
        CompatRunner.Run(path, path, cancellationToken: TestContext.Current.CancellationToken).Findings.ShouldBeEmpty();
    }

    [Fact]
    public void operations_github_removed_between_releases_are_reported_as_removed()
    {
        var oldPath = Corpus.Require("octokit/22.0.0/package/generated/api.github.com.json");
        var newPath = Corpus.Require("octokit/23.0.0/package/generated/api.github.com.json");
        var expectedRemoved = Operations(oldPath).Except(Operations(newPath)).ToHashSet();
        expectedRemoved.ShouldNotBeEmpty();
        var report = CompatRunner.Run(oldPath, newPath, cancellationToken: TestContext.Current.CancellationToken);
        var reported = report.Findings.Where(f => f.RuleId is "operation-removed" or "deprecated-operation-removed").Select(f => f.Location).ToHashSet();
        reported.ShouldBe(expectedRemoved, ignoreOrder: true);
    }

    /// <summary>Pointers of every operation, computed independently of the checker (path templates normalized by hand).</summary>
    private static IEnumerable<string> Operations(string path)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
        var byTemplate = new Dictionary<string, string>();
        foreach (var item in doc.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in item.Value.EnumerateObject())
            {
                if (method.Name is "get" or "put" or "post" or "delete" or "patch" or "head" or "options" or "trace")
                {
                    var normalized = method.Name + " " + System.Text.RegularExpressions.Regex.Replace(item.Name, "{[^}]*}", "{}");
                    byTemplate[normalized] = "/paths/" + item.Name.Replace("~", "~0").Replace("/", "~1") + "/" + method.Name;
                }
            }
        }
        return byTemplate.Values;
    }
}
