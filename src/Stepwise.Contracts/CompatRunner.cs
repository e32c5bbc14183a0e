namespace Stepwise.Contracts;

/// <summary>
/// Runs a comparison end to end: detects the kind when it is not given, constructs the checker for it, compares, and
/// keeps the findings the mode asks for as <see cref="CompatPolicy"/> says.
/// </summary>
public static class CompatRunner
{
    public static CompatReport Run(string oldPath, string newPath, ContractKind? kind = null, CompatMode mode = CompatMode.Fleet, CheckerOptions? options = null, CancellationToken cancellationToken = default)
    {
        foreach (var path in new[] { oldPath, newPath })
        {
            if (!File.Exists(path) && !Directory.Exists(path))
            {
                throw new ContractInputException("no such file or directory", path);
            }
        }
        var resolvedKind = kind ?? ContractKindDetector.DetectPair(oldPath, newPath, options?.Limits);
        var checker = ContractCheckers.For(resolvedKind, options);
        var findings = checker.Compare(oldPath, newPath, cancellationToken);
        var kept = CompatPolicy.Apply(resolvedKind, mode, findings)
            .OrderByDescending(f => f.Severity)
            .ThenBy(f => f.File, StringComparer.Ordinal)
            .ThenBy(f => f.Line ?? 0)
            .ThenBy(f => f.Location, StringComparer.Ordinal)
            .ThenBy(f => f.RuleId, StringComparer.Ordinal)
            .ThenBy(f => f.Direction)
            .ToList();
        return new CompatReport(resolvedKind, mode, oldPath, newPath, kept);
    }

    /// <summary>Whether a finding in <paramref name="direction"/> counts under <paramref name="mode"/>.</summary>
    public static bool Applies(CompatMode mode, Direction direction) => mode switch
    {
        CompatMode.Backward => direction == Direction.Backward,
        CompatMode.Forward => direction == Direction.Forward,
        _ => true, // fleet and strict keep both directions (fleet may lower a finding's severity: see CompatPolicy)
    };
}
