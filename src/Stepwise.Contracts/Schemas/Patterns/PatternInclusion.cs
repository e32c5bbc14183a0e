namespace Stepwise.Contracts.Schemas.Patterns;

/// <summary>
/// Decides whether a reader's <c>pattern</c> accepts every string a writer may send: the strings of the writer's own
/// pattern (any string when it has none) whose length lies within the writer's minLength and maxLength. Both patterns
/// are read as automata (<see cref="PatternAutomaton"/>) and explored together, character class by character class,
/// for a string the writer may send and the reader rejects.
/// </summary>
internal static class PatternInclusion
{
    /// <summary>Lengths above this are treated as unbounded (which only admits more writer strings: a safe reading).</summary>
    private const int MaxLength = 4096;

    /// <summary>The most combined states explored before giving up.</summary>
    private const int MaxExplored = 20_000;

    /// <summary>The most automaton states stepped through, summed over the exploration, before giving up.</summary>
    private const long MaxWork = 5_000_000;

    /// <summary>
    /// True when the reader's pattern accepts every string the writer may send, false when some string is rejected,
    /// null when it is not decided (a pattern outside the syntax read, or too large to explore).
    /// </summary>
    public static bool? Accepts(string? readerPattern, string? writerPattern, decimal? writerMinLength, decimal? writerMaxLength)
    {
        if (readerPattern is null)
        {
            return true;
        }
        if (PatternAutomaton.Of(readerPattern) is not { } reader)
        {
            return null;
        }
        var writer = writerPattern is null ? PatternAutomaton.AnyString() : PatternAutomaton.Of(writerPattern);
        if (writer is null)
        {
            return null;
        }
        var min = (int)Math.Clamp(writerMinLength ?? 0, 0, MaxLength);
        int? max = writerMaxLength is { } m && m <= MaxLength ? (int)Math.Max(m, 0) : null;
        if (max < min)
        {
            return true; // the writer sends no string at all
        }
        return Explore(reader, writer, min, max);
    }

    private static bool? Explore(PatternAutomaton reader, PatternAutomaton writer, int min, int? max)
    {
        // Characters that every transition treats alike form one class; one representative of each is enough.
        var bounds = new SortedSet<int> { 0 };
        foreach (var (lo, hi) in reader.Sets.Concat(writer.Sets).SelectMany(s => s.Ranges))
        {
            bounds.Add(lo);
            if (hi < CodePoints.Max)
            {
                bounds.Add(hi + 1);
            }
        }
        var representatives = bounds.ToArray();

        var start = (Writer: writer.Closure([writer.Start]), Reader: reader.Closure([reader.Start]), Length: 0);
        var seen = new HashSet<string> { Key(start) };
        var queue = new Queue<(int[] Writer, int[] Reader, int Length)>([start]);
        long work = 0;
        while (queue.Count > 0)
        {
            var (w, r, length) = queue.Dequeue();
            var writerSends = Array.BinarySearch(w, writer.Accept) >= 0 && length >= min && (max is null || length <= max);
            if (writerSends && Array.BinarySearch(r, reader.Accept) < 0)
            {
                return false;
            }
            var nextLength = max is null ? Math.Min(length + 1, min) : length + 1;
            if (max is not null && nextLength > max)
            {
                continue; // longer strings are not sent
            }
            foreach (var c in representatives)
            {
                work += w.Length + r.Length;
                if (work > MaxWork)
                {
                    return null;
                }
                var nextWriter = writer.Step(w, c);
                if (nextWriter.Length == 0)
                {
                    continue;
                }
                var next = (nextWriter, reader.Step(r, c), nextLength);
                if (seen.Add(Key(next)))
                {
                    if (seen.Count > MaxExplored)
                    {
                        return null;
                    }
                    queue.Enqueue(next);
                }
            }
        }
        return true;
    }

    private static string Key((int[] Writer, int[] Reader, int Length) state) =>
        string.Join(',', state.Writer) + "|" + string.Join(',', state.Reader) + "|" + state.Length;
}
