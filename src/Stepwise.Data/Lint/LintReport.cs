using Stepwise.Core.Model;

namespace Stepwise.Data.Lint;

/// <summary>How a finding counts for the phase being linted. Persisted in JSON/SARIF output: values pinned.</summary>
public enum FindingLevel
{
    /// <summary>Makes the file unsafe for the phase: exit 1.</summary>
    Error = 0,

    /// <summary>Reported, not an error (contract-only statements when no phase is given).</summary>
    Warning = 1,

    /// <summary>A note (advice, or a contract-only statement in a contract phase).</summary>
    Info = 2,
}

/// <summary>One rule that fired on one statement.</summary>
public sealed record LintFinding(LintRule Rule, FindingLevel Level, string Message);

/// <summary>One statement of one file with its class (the worst of its findings' classes) and findings.</summary>
public sealed record StatementVerdict(string File, int Line, int Column, string Text, StatementClass Class, IReadOnlyList<LintFinding> Findings);

/// <summary>A file that could not be linted: a syntax error at file:line:col, or a file that could not be read.</summary>
public sealed record LintInputError(string File, int Line, int Column, string Message);

/// <summary>The result of linting some files for one phase (or none).</summary>
public sealed record LintReport(DataPhaseKind? Phase, SqlDialect Dialect, IReadOnlyList<StatementVerdict> Statements, IReadOnlyList<LintInputError> InputErrors)
{
    public bool HasErrors => Statements.Any(s => s.Findings.Any(f => f.Level == FindingLevel.Error));

    /// <summary>0 when every statement is safe for the phase, 1 when any is unsafe for it, 2 on bad input.</summary>
    public int ExitCode => InputErrors.Count > 0 ? 2 : HasErrors ? 1 : 0;

    /// <summary>How a rule of a class counts in a phase: blocking is an error anywhere; contract-only is an error in expand.</summary>
    public static FindingLevel LevelFor(StatementClass cls, DataPhaseKind? phase) => cls switch
    {
        StatementClass.Blocking => FindingLevel.Error,
        StatementClass.ContractOnly => phase switch
        {
            DataPhaseKind.Contract => FindingLevel.Info,
            null => FindingLevel.Warning,
            _ => FindingLevel.Error,
        },
        _ => FindingLevel.Info,
    };
}
