namespace Stepwise.Contracts;

/// <summary>How much a finding matters. Persisted and printed: values are pinned by a stability test.</summary>
public enum Severity
{
    Info = 0,
    Warning = 1,
    Error = 2,
}

/// <summary>
/// Which pairing of old and new a finding breaks.
/// Backward: the new contract's side with the old one's counterparts (new server with old callers, new reader with data old writers wrote).
/// Forward: the old contract's side with the new one's counterparts (old server with new callers during a rollback or a mixed fleet, old reader with new writers' data).
/// </summary>
public enum Direction
{
    Backward = 0,
    Forward = 1,
}

/// <summary>Which contract format.</summary>
public enum ContractKind
{
    OpenApi = 0,
    Protobuf = 1,
    JsonSchema = 2,
}

/// <summary>Which directions the verdict requires, and how strictly (see <see cref="CompatPolicy"/>). Fleet is what a rolling deploy with rollback needs.</summary>
public enum CompatMode
{
    /// <summary>What breaks existing callers or readers when N+1 rolls out or N comes back; service expand steps are information.</summary>
    Fleet = 0,
    Backward = 1,
    Forward = 2,

    /// <summary>Both directions at every rule's own severity.</summary>
    Strict = 3,
}

/// <summary>One incompatibility (or note) between an old and a new contract.</summary>
/// <param name="RuleId">Stable rule id (a compatibility promise; listed in docs/compat.md).</param>
/// <param name="Location">JSON pointer (OpenAPI/JSON Schema) or proto full name.</param>
/// <param name="Message">What changed and whom it breaks, in words a person can act on.</param>
/// <param name="Fix">The usual safe way to make this change.</param>
/// <param name="File">Source file of the element, when known.</param>
/// <param name="Line">1-based line in <paramref name="File"/>, when known.</param>
/// <param name="Column">1-based column in <paramref name="File"/>, when known.</param>
public sealed record Finding(
    string RuleId,
    Severity Severity,
    Direction Direction,
    string Location,
    string Message,
    string Fix,
    string? File = null,
    int? Line = null,
    int? Column = null);

/// <summary>The result of comparing two contracts.</summary>
public sealed record CompatReport(ContractKind Kind, CompatMode Mode, string OldSource, string NewSource, IReadOnlyList<Finding> Findings);

/// <summary>Input that cannot be read as a contract (syntax error, unresolved reference, empty or binary file, mismatched kinds). Maps to exit code 2.</summary>
public sealed class ContractInputException : Exception
{
    public ContractInputException(string message, string? file = null, int? line = null, int? column = null, Exception? inner = null)
        : base(message, inner)
    {
        File = file;
        Line = line;
        Column = column;
    }

    public string? File { get; }
    public int? Line { get; }
    public int? Column { get; }

    /// <summary>"file:line:col: message" with whatever parts are known.</summary>
    public string Describe()
    {
        var where = File is null ? "" : Line is null ? $"{File}: " : Column is null ? $"{File}:{Line}: " : $"{File}:{Line}:{Column}: ";
        return where + Message;
    }
}

/// <summary>Verdicts over a <see cref="CompatReport"/>.</summary>
public static class CompatReportVerdict
{
    /// <summary>True when any finding is at least <paramref name="failOn"/> severe: the change is breaking for the release gate.</summary>
    public static bool IsBreaking(this CompatReport report, Severity failOn = Severity.Error) => report.Findings.Any(f => f.Severity >= failOn);

    public static int Count(this CompatReport report, Severity severity) => report.Findings.Count(f => f.Severity == severity);
}
