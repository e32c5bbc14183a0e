using Stepwise.Contracts.Reporting;

namespace Stepwise.Contracts.Tests;

/// <summary>
/// Where findings point: in the new contract (the file a reviewer changed), for a removal at the nearest parent that
/// survives; and GitHub workflow annotations that no text in a contract can break out of.
/// </summary>
public sealed class AnnotationAnchorTests
{
    private const string Old = """
        {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {
          "/pets/{id}": {
            "get": {"responses": {"200": {"description": "ok"}}},
            "delete": {"responses": {"204": {"description": "ok"}}}
          },
          "/owners": {"get": {"responses": {"200": {"description": "ok"}}}}
        }}
        """;

    // The same document with /owners gone entirely and DELETE gone from /pets/{id}; lines moved by a new header.
    private const string New = """
        {
          "openapi": "3.1.0",
          "info": {"title": "t", "version": "2"},
          "paths": {
            "/pets/{id}": {
              "get": {"responses": {"200": {"description": "ok"}}}
            }
          }
        }
        """;

    [Fact]
    public void a_removed_operation_points_at_its_path_item_in_the_new_file_and_a_removed_path_at_paths()
    {
        using var files = new ContractFiles();
        var oldPath = files.Write("old.json", Old);
        var newPath = files.Write("new.json", New);
        var report = CompatRunner.Run(oldPath, newPath, cancellationToken: TestContext.Current.CancellationToken);
        var lines = New.Split('\n');
        int LineOf(string text) => Array.FindIndex(lines, l => l.Contains(text, StringComparison.Ordinal)) + 1;

        var delete = report.Findings.Single(f => f.RuleId == "operation-removed" && f.Location.Contains("delete", StringComparison.Ordinal));
        Path.GetFileName(delete.File).ShouldBe("new.json");
        delete.Line.ShouldBe(LineOf("\"/pets/{id}\""));
        var owners = report.Findings.Single(f => f.Location.Contains("owners", StringComparison.Ordinal));
        Path.GetFileName(owners.File).ShouldBe("new.json");
        owners.Line.ShouldBe(LineOf("\"paths\""));
        report.Findings.ShouldAllBe(f => Path.GetFileName(f.File) == "new.json");
    }

    [Fact]
    public void github_annotations_name_the_file_line_and_rule_and_escape_what_would_end_them()
    {
        var report = new CompatReport(ContractKind.OpenApi, CompatMode.Fleet, "a", "b",
        [
            new Finding("operation-removed", Severity.Error, Direction.Backward, "/paths/~1a", "100% gone\nline two", "fix, it: now", "api/v1,x:y.json", 12, 3),
            new Finding("response-enum-value-added", Severity.Warning, Direction.Forward, "/p", "w", "f"),
            new Finding("request-enum-value-added", Severity.Info, Direction.Backward, "/q", "i", "f", "b.json", 4),
        ]);
        var output = new StringWriter();
        CompatReportWriter.Write(report, ReportFormat.GitHub, Severity.Error, output);
        var lines = output.ToString().TrimEnd('\n').Split('\n');

        lines.Length.ShouldBe(4, "one line per finding, then the verdict");
        lines[0].ShouldBe("::error file=api/v1%2Cx%3Ay.json,line=12,col=3,title=operation-removed (backward)::/paths/~1a: 100%25 gone%0Aline two Fix: fix, it: now");
        lines[1].ShouldBe("::warning title=response-enum-value-added (forward)::/p: w Fix: f");
        lines[2].ShouldBe("::notice file=b.json,line=4,title=request-enum-value-added (backward)::/q: i Fix: f");
        lines[3].ShouldContain("breaking");
    }
}
