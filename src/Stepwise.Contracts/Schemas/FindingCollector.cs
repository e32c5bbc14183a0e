using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

/// <summary>
/// Collects findings while a comparison runs and turns them into <see cref="Finding"/>s at the end, locating every
/// element's line and column with one pass per file.
/// </summary>
internal sealed class FindingCollector
{
    private readonly List<(string RuleId, Severity Severity, Direction Direction, Node At, string Message, string Fix)> _pending = [];

    public int Count => _pending.Count;

    public void Add(string ruleId, Direction direction, Node at, string message, Severity? severity = null)
    {
        var rule = CompatRules.Get(ruleId);
        _pending.Add((ruleId, severity ?? rule.Severity, direction, at, message, rule.Fix));
    }

    public IReadOnlyList<Finding> Build()
    {
        // One pass per file; the files are independent, so they are located in parallel.
        var groups = _pending.GroupBy(p => p.At.Source).ToList();
        var located = new IReadOnlyDictionary<string, (int Line, int Column)>[groups.Count];
        Parallel.For(0, groups.Count, i => located[i] = groups[i].Key.LocateAll(groups[i].Select(p => p.At.Pointer).Distinct(StringComparer.Ordinal).ToList()));
        var positions = new Dictionary<JsonSource, IReadOnlyDictionary<string, (int Line, int Column)>>();
        for (var i = 0; i < groups.Count; i++)
        {
            positions[groups[i].Key] = located[i];
        }
        var findings = new List<Finding>(_pending.Count);
        foreach (var p in _pending)
        {
            var (line, column) = positions[p.At.Source][p.At.Pointer];
            findings.Add(new Finding(p.RuleId, p.Severity, p.Direction, JsonPointer.Display(p.At.Pointer), p.Message, p.Fix, p.At.Source.DisplayPath, line, column));
        }
        return findings;
    }
}
