namespace Stepwise.Contracts.Reporting;

/// <summary>
/// Findings as GitHub Actions workflow commands (<c>::error file=F,line=L,col=C,title=T::message</c>): errors and
/// warnings as such, information as notices, each on the file and line the finding is anchored at. Values are escaped
/// as the runner expects (<c>%</c>, CR and LF in messages; also <c>:</c> and <c>,</c> in properties), so no text in a
/// contract can end an annotation early or start a command of its own.
/// </summary>
public static class GitHubAnnotations
{
    public static void Write(CompatReport report, TextWriter output)
    {
        foreach (var f in report.Findings)
        {
            var command = f.Severity switch
            {
                Severity.Error => "error",
                Severity.Warning => "warning",
                _ => "notice",
            };
            var properties = new List<string>();
            if (f.File is { } file)
            {
                properties.Add($"file={Property(file)}");
                if (f.Line is { } line)
                {
                    properties.Add($"line={line}");
                    if (f.Column is { } column)
                    {
                        properties.Add($"col={column}");
                    }
                }
            }
            properties.Add($"title={Property($"{f.RuleId} ({CompatReportWriter.DirectionName(f.Direction)})")}");
            output.WriteLine($"::{command} {string.Join(',', properties)}::{Data($"{f.Location}: {f.Message} Fix: {f.Fix}")}");
        }
    }

    /// <summary>A message: <c>%</c>, CR and LF escaped.</summary>
    public static string Data(string value) =>
        value.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    /// <summary>A property value: as <see cref="Data"/>, and <c>:</c> and <c>,</c> too.</summary>
    public static string Property(string value) =>
        Data(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);
}
