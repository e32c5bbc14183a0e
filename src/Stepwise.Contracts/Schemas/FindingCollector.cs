using Stepwise.Contracts.Json;

namespace Stepwise.Contracts.Schemas;

/// <summary>
/// Collects findings while a comparison runs and turns them into <see cref="Finding"/>s at the end, locating every
/// element's line and column with one pass per file.
/// </summary>
internal sealed class FindingCollector
{
    private readonly List<(string RuleId, Severity Severity, Direction Direction, Node At, string Message, string Fix, bool Rejects)> _pending = [];

    public int Count => _pending.Count;

    /// <summary>
    /// How many findings in <paramref name="direction"/> say that the reader rejects a value the writer may send: not
    /// information, and not a finding that names no rejected value (an optional property removed).
    /// </summary>
    public int Rejections(Direction direction) => _pending.Count(p => p.Direction == direction && p.Rejects && p.Severity != Severity.Info);

    public void Add(string ruleId, Direction direction, Node at, string message, Severity? severity = null, bool rejects = true)
    {
        var rule = CompatRules.Get(ruleId);
        _pending.Add((ruleId, severity ?? rule.Severity, direction, at, message, rule.Fix, rejects));
    }

    /// <summary>
    /// The findings, located. When <paramref name="oldSide"/> and <paramref name="newSide"/> are given, a finding on an
    /// element of the old contract (a removal, or a change seen from the old side) is anchored in the new contract at the
    /// same place or, when that is gone, at the nearest parent that survives: the file a reviewer changed is the one an
    /// annotation belongs in. An old file with no counterpart of the same relative path stays where it is.
    /// </summary>
    public IReadOnlyList<Finding> Build(DocumentSet? oldSide = null, DocumentSet? newSide = null)
    {
        // Each file's counterpart once, however many findings it holds.
        var anchors = _pending.Select(p => p.At.Source).Distinct().ToDictionary(source => source, source => Anchor(source, oldSide, newSide));
        var anchored = _pending.Select(p => (Pending: p, Source: anchors[p.At.Source])).ToList();
        // One pass per file; the files are independent, so they are located in parallel.
        var groups = anchored.GroupBy(p => p.Source).ToList();
        var located = new IReadOnlyDictionary<string, (int Line, int Column)>[groups.Count];
        Parallel.For(0, groups.Count, i => located[i] = groups[i].Key.LocateAll(groups[i].Select(p => p.Pending.At.Pointer).Distinct(StringComparer.Ordinal).ToList()));
        var positions = new Dictionary<JsonSource, IReadOnlyDictionary<string, (int Line, int Column)>>();
        for (var i = 0; i < groups.Count; i++)
        {
            positions[groups[i].Key] = located[i];
        }
        var findings = new List<Finding>(_pending.Count);
        foreach (var (p, source) in anchored)
        {
            var (line, column) = positions[source][p.At.Pointer];
            findings.Add(new Finding(p.RuleId, p.Severity, p.Direction, JsonPointer.Display(p.At.Pointer), p.Message, p.Fix, source.DisplayPath, line, column));
        }
        return findings;
    }

    /// <summary>The new side's file that stands for <paramref name="source"/>: itself when it is not an old file; the new root for the old root; else the file at the same path relative to the root.</summary>
    private static JsonSource Anchor(JsonSource source, DocumentSet? oldSide, DocumentSet? newSide)
    {
        if (oldSide is null || newSide is null || !oldSide.Sources.Contains(source) || newSide.Sources.Contains(source))
        {
            return source;
        }
        if (ReferenceEquals(source, oldSide.Root))
        {
            return newSide.Root;
        }
        var relative = System.IO.Path.GetRelativePath(System.IO.Path.GetDirectoryName(oldSide.Root.Path) ?? "", source.Path);
        var counterpart = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(newSide.Root.Path) ?? "", relative));
        return newSide.Sources.FirstOrDefault(s => string.Equals(System.IO.Path.GetFullPath(s.Path), counterpart, StringComparison.Ordinal)) ?? source;
    }
}
