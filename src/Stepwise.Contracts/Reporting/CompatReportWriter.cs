using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Stepwise.Contracts.Reporting;

/// <summary>Output formats of a compatibility report.</summary>
public enum ReportFormat
{
    Text = 0,
    Json = 1,
    Sarif = 2,
    Markdown = 3,

    /// <summary>GitHub Actions workflow commands: one annotation per finding on the new contract's file.</summary>
    GitHub = 4,
}

/// <summary>Renders a <see cref="CompatReport"/> for people (text, Markdown), programs (JSON), code-scanning tools (SARIF 2.1.0) and GitHub Actions (workflow annotations).</summary>
public static class CompatReportWriter
{
    public const string SarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(CompatReport report, ReportFormat format, Severity failOn, TextWriter output)
    {
        switch (format)
        {
            case ReportFormat.Json:
                WriteJson(report, failOn, output);
                break;
            case ReportFormat.Sarif:
                WriteSarif(report, output);
                break;
            case ReportFormat.Markdown:
                WriteMarkdown(report, failOn, output);
                break;
            case ReportFormat.GitHub:
                GitHubAnnotations.Write(report, output);
                output.WriteLine(Summary(report, failOn));
                break;
            default:
                WriteText(report, failOn, output);
                break;
        }
    }

    public static string SeverityName(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "info",
    };

    public static string DirectionName(Direction direction) => direction == Direction.Backward ? "backward" : "forward";

    public static string ModeName(CompatMode mode) => mode switch
    {
        CompatMode.Backward => "backward",
        CompatMode.Forward => "forward",
        CompatMode.Strict => "strict",
        _ => "fleet",
    };

    private static string Where(Finding f) =>
        f.File is null ? "" : f.Line is null ? f.File : f.Column is null ? $"{f.File}:{f.Line}" : $"{f.File}:{f.Line}:{f.Column}";

    private static string Summary(CompatReport report, Severity failOn)
    {
        var errors = report.Count(Severity.Error);
        var warnings = report.Count(Severity.Warning);
        var infos = report.Count(Severity.Info);
        var verdict = report.IsBreaking(failOn) ? $"breaking (fails on {SeverityName(failOn)})" : "compatible";
        return $"{errors} error{(errors == 1 ? "" : "s")}, {warnings} warning{(warnings == 1 ? "" : "s")}, {infos} info: {verdict}";
    }

    private static void WriteText(CompatReport report, Severity failOn, TextWriter output)
    {
        output.WriteLine($"{ContractCheckers.KindName(report.Kind)}: {report.OldSource} -> {report.NewSource} (mode {ModeName(report.Mode)})");
        foreach (var f in report.Findings)
        {
            output.WriteLine();
            output.WriteLine($"{SeverityName(f.Severity),-7} {f.RuleId} [{DirectionName(f.Direction)}]");
            output.WriteLine($"  at {f.Location}{(f.File is null ? "" : $"  ({Where(f)})")}");
            output.WriteLine($"  {f.Message}");
            output.WriteLine($"  fix: {f.Fix}");
        }
        if (report.Findings.Count > 0)
        {
            output.WriteLine();
        }
        output.WriteLine(Summary(report, failOn));
    }

    private static void WriteMarkdown(CompatReport report, Severity failOn, TextWriter output)
    {
        output.WriteLine($"## Contract compatibility: {ContractCheckers.KindName(report.Kind)}");
        output.WriteLine();
        output.WriteLine($"`{Cell(report.OldSource)}` → `{Cell(report.NewSource)}`, mode **{ModeName(report.Mode)}**: {Summary(report, failOn)}");
        output.WriteLine();
        if (report.Findings.Count == 0)
        {
            output.WriteLine("No findings.");
            return;
        }
        output.WriteLine("| Severity | Rule | Direction | Where | Finding | Fix |");
        output.WriteLine("|---|---|---|---|---|---|");
        foreach (var f in report.Findings)
        {
            output.WriteLine($"| {SeverityName(f.Severity)} | `{f.RuleId}` | {DirectionName(f.Direction)} | `{Cell(f.Location)}`{(f.File is null ? "" : $"<br>{Cell(Where(f))}")} | {Cell(f.Message)} | {Cell(f.Fix)} |");
        }
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);

    private static void WriteJson(CompatReport report, Severity failOn, TextWriter output)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("kind", ContractCheckers.KindName(report.Kind));
            json.WriteString("mode", ModeName(report.Mode));
            json.WriteString("old", report.OldSource);
            json.WriteString("new", report.NewSource);
            json.WriteString("failOn", SeverityName(failOn));
            json.WriteBoolean("breaking", report.IsBreaking(failOn));
            json.WriteStartObject("summary");
            json.WriteNumber("error", report.Count(Severity.Error));
            json.WriteNumber("warning", report.Count(Severity.Warning));
            json.WriteNumber("info", report.Count(Severity.Info));
            json.WriteEndObject();
            json.WriteStartArray("findings");
            foreach (var f in report.Findings)
            {
                json.WriteStartObject();
                json.WriteString("ruleId", f.RuleId);
                json.WriteString("severity", SeverityName(f.Severity));
                json.WriteString("direction", DirectionName(f.Direction));
                json.WriteString("location", f.Location);
                json.WriteString("message", f.Message);
                json.WriteString("fix", f.Fix);
                if (f.File is not null)
                {
                    json.WriteString("file", f.File);
                }
                if (f.Line is { } line)
                {
                    json.WriteNumber("line", line);
                }
                if (f.Column is { } column)
                {
                    json.WriteNumber("column", column);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static string SarifLevel(Severity severity) => severity switch
    {
        Severity.Error => "error",
        Severity.Warning => "warning",
        _ => "note",
    };

    /// <summary>An artifact URI: relative paths stay relative (resolved against the scan root), absolute ones become file URIs.</summary>
    internal static string ArtifactUri(string path)
    {
        if (Path.IsPathRooted(path))
        {
            return new Uri(path).AbsoluteUri;
        }
        var segments = path.Replace('\\', '/').Split('/');
        return string.Join("/", segments.Select(Uri.EscapeDataString));
    }

    private static void WriteSarif(CompatReport report, TextWriter output)
    {
        var ruleIds = report.Findings.Select(f => f.RuleId).Distinct(StringComparer.Ordinal).ToList();
        var ruleIndex = ruleIds.Select((id, i) => (id, i)).ToDictionary(p => p.id, p => p.i, StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("$schema", SarifSchema);
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();
            json.WriteStartObject("tool");
            json.WriteStartObject("driver");
            json.WriteString("name", "stepwise");
            json.WriteString("fullName", "stepwise compat");
            json.WriteString("version", typeof(CompatReportWriter).Assembly.GetName().Version?.ToString(3) ?? "0.0.0");
            json.WriteStartArray("rules");
            foreach (var id in ruleIds)
            {
                var known = CompatRules.Exists(id) ? CompatRules.Get(id) : null;
                var sample = report.Findings.First(f => f.RuleId == id);
                json.WriteStartObject();
                json.WriteString("id", id);
                json.WriteString("name", id);
                json.WriteStartObject("shortDescription");
                json.WriteString("text", known?.Summary ?? id);
                json.WriteEndObject();
                json.WriteStartObject("help");
                json.WriteString("text", known?.Fix ?? sample.Fix);
                json.WriteEndObject();
                json.WriteStartObject("defaultConfiguration");
                json.WriteString("level", SarifLevel(known?.Severity ?? sample.Severity));
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartArray("results");
            foreach (var f in report.Findings)
            {
                json.WriteStartObject();
                json.WriteString("ruleId", f.RuleId);
                json.WriteNumber("ruleIndex", ruleIndex[f.RuleId]);
                json.WriteString("level", SarifLevel(f.Severity));
                json.WriteStartObject("message");
                json.WriteString("text", $"{f.Message} Fix: {f.Fix}");
                json.WriteEndObject();
                json.WriteStartArray("locations");
                json.WriteStartObject();
                json.WriteStartObject("physicalLocation");
                json.WriteStartObject("artifactLocation");
                json.WriteString("uri", ArtifactUri(f.File ?? report.NewSource));
                json.WriteEndObject();
                json.WriteStartObject("region");
                json.WriteNumber("startLine", f.Line ?? 1);
                json.WriteNumber("startColumn", f.Column ?? 1);
                json.WriteEndObject();
                json.WriteEndObject();
                json.WriteStartArray("logicalLocations");
                json.WriteStartObject();
                json.WriteString("fullyQualifiedName", f.Location);
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteEndArray();
                json.WriteStartObject("properties");
                json.WriteString("direction", DirectionName(f.Direction));
                json.WriteString("severity", SeverityName(f.Severity));
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
