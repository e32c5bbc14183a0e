using System.Text.Json;
using Stepwise.Contracts.Reporting;

namespace Stepwise.Contracts.Tests;

public sealed class ReportFormatTests
{
    private static CompatReport Report(ContractFiles files)
    {
        var oldPath = files.Write("old.json", Spec.WithPaths("""
            {"/pets/{id}": {"delete": {"responses": {"204": {"description": "ok"}}}},
             "/pets": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string", "enum": ["a"]}}}}}}}}
            """));
        var newPath = files.Write("new.json", Spec.WithPaths("""
            {"/pets": {"get": {"deprecated": true, "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string", "enum": ["a", "b"]}}}}}}}}
            """));
        return CompatRunner.Run(oldPath, newPath, cancellationToken: TestContext.Current.CancellationToken);
    }

    private static JsonElement Render(CompatReport report, ReportFormat format)
    {
        var output = new StringWriter();
        CompatReportWriter.Write(report, format, Severity.Error, output);
        return JsonDocument.Parse(output.ToString()).RootElement;
    }

    [Fact]
    public void sarif_output_has_the_structure_code_scanning_tools_read()
    {
        using var files = new ContractFiles();
        var report = Report(files);
        report.Findings.Count.ShouldBeGreaterThanOrEqualTo(3);
        var sarif = Render(report, ReportFormat.Sarif);

        sarif.GetProperty("version").GetString().ShouldBe("2.1.0");
        sarif.GetProperty("$schema").GetString().ShouldNotBeNull().ShouldContain("sarif-schema-2.1.0");
        var run = sarif.GetProperty("runs").EnumerateArray().ShouldHaveSingleItem();
        var driver = run.GetProperty("tool").GetProperty("driver");
        driver.GetProperty("name").GetString().ShouldBe("stepwise");
        var rules = driver.GetProperty("rules").EnumerateArray().ToList();
        var ruleIds = rules.Select(r => r.GetProperty("id").GetString()).ToList();
        ruleIds.ShouldBeUnique();
        foreach (var rule in rules)
        {
            rule.GetProperty("shortDescription").GetProperty("text").GetString().ShouldNotBeNullOrWhiteSpace();
        }
        var results = run.GetProperty("results").EnumerateArray().ToList();
        results.Count.ShouldBe(report.Findings.Count);
        foreach (var result in results)
        {
            var ruleId = result.GetProperty("ruleId").GetString();
            ruleIds.ShouldContain(ruleId);
            rules[result.GetProperty("ruleIndex").GetInt32()].GetProperty("id").GetString().ShouldBe(ruleId);
            result.GetProperty("level").GetString().ShouldBeOneOf("error", "warning", "note", "none");
            result.GetProperty("message").GetProperty("text").GetString().ShouldNotBeNullOrWhiteSpace();
            var physical = result.GetProperty("locations").EnumerateArray().First().GetProperty("physicalLocation");
            var uri = physical.GetProperty("artifactLocation").GetProperty("uri").GetString().ShouldNotBeNull();
            Uri.TryCreate(uri, UriKind.RelativeOrAbsolute, out _).ShouldBeTrue(uri);
            physical.GetProperty("region").GetProperty("startLine").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        }
        results.Select(r => r.GetProperty("level").GetString()).ShouldContain("note"); // info findings map to SARIF's "note"
    }

    [Fact]
    public void sarif_uris_of_relative_paths_stay_relative_and_escaped()
    {
        CompatReportWriter.ArtifactUri("contracts/v 2/api.json").ShouldBe("contracts/v%202/api.json");
        CompatReportWriter.ArtifactUri("/abs/api.json").ShouldBe("file:///abs/api.json");
    }

    [Fact]
    public void json_output_field_names_are_stable()
    {
        using var files = new ContractFiles();
        var report = Report(files);
        var json = Render(report, ReportFormat.Json);
        json.EnumerateObject().Select(p => p.Name).ShouldBe(["kind", "mode", "old", "new", "failOn", "breaking", "summary", "findings"]);
        json.GetProperty("kind").GetString().ShouldBe("openapi");
        json.GetProperty("mode").GetString().ShouldBe("fleet");
        json.GetProperty("breaking").GetBoolean().ShouldBeTrue();
        json.GetProperty("summary").EnumerateObject().Select(p => p.Name).ShouldBe(["error", "warning", "info"]);
        var finding = json.GetProperty("findings").EnumerateArray().First();
        finding.EnumerateObject().Select(p => p.Name).ShouldBe(["ruleId", "severity", "direction", "location", "message", "fix", "file", "line", "column"]);
        json.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("ruleId").GetString()).ShouldContain("operation-removed");
    }

    [Fact]
    public void text_output_lists_each_finding_with_its_fix_and_ends_with_the_verdict()
    {
        using var files = new ContractFiles();
        var output = new StringWriter();
        CompatReportWriter.Write(Report(files), ReportFormat.Text, Severity.Error, output);
        var text = output.ToString();
        text.ShouldContain("operation-removed [backward]");
        text.ShouldContain("DELETE /pets/{id}");
        text.ShouldContain("fix: Deprecate it in N, remove it in N+1 once no caller uses it");
        text.ShouldContain("new.json:1:", customMessage: "a removal points into the new file, at the nearest parent that survives");
        text.TrimEnd().Split('\n').Last().ShouldContain("breaking");
    }

    [Fact]
    public void markdown_output_is_a_table_with_escaped_cells()
    {
        using var files = new ContractFiles();
        var output = new StringWriter();
        CompatReportWriter.Write(Report(files), ReportFormat.Markdown, Severity.Error, output);
        var lines = output.ToString().Split('\n').Where(l => l.StartsWith('|')).ToList();
        lines[0].ShouldStartWith("| Severity | Rule |");
        lines.Count.ShouldBeGreaterThan(3);
        lines.ShouldAllBe(l => l.TrimEnd().EndsWith('|'));
    }

    [Fact]
    public void warnings_only_are_compatible_unless_fail_on_warning()
    {
        using var files = new ContractFiles();
        var report = CompatRunner.Run(
            files.Write("a.json", Spec.Operation("get", "/a", """{"deprecated": true, "responses": {}}""")),
            files.Write("b.json", Spec.WithPaths("{}")), cancellationToken: TestContext.Current.CancellationToken);
        report.IsBreaking(Severity.Error).ShouldBeFalse();
        report.IsBreaking(Severity.Warning).ShouldBeTrue();
    }
}
