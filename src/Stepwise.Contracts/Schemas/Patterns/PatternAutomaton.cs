namespace Stepwise.Contracts.Schemas.Patterns;

/// <summary>
/// The strings a JSON Schema <c>pattern</c> accepts, as a nondeterministic automaton over code points. A pattern
/// matches anywhere in the string (it is not implicitly anchored), so an alternative without <c>^</c> may be preceded,
/// and one without <c>$</c> followed, by anything.
/// </summary>
internal sealed class PatternAutomaton
{
    /// <summary>The most states an automaton may have; a larger pattern is not decided.</summary>
    public const int MaxStates = 5000;

    private readonly List<List<int>> _epsilon = [];
    private readonly List<List<(CodePoints Set, int To)>> _moves = [];

    private PatternAutomaton()
    {
        Start = NewState();
        Accept = NewState();
    }

    public int Start { get; }

    public int Accept { get; }

    public IEnumerable<CodePoints> Sets => _moves.SelectMany(m => m.Select(t => t.Set));

    private sealed class TooLargeException : Exception;

    /// <summary>Every string: what a string without a pattern may be.</summary>
    public static PatternAutomaton AnyString()
    {
        var automaton = new PatternAutomaton();
        automaton._moves[automaton.Start].Add((CodePoints.All, automaton.Start));
        automaton._epsilon[automaton.Start].Add(automaton.Accept);
        return automaton;
    }

    /// <summary>The automaton of <paramref name="pattern"/>, or null when its syntax is outside what is read or it is too large.</summary>
    public static PatternAutomaton? Of(string pattern)
    {
        if (PatternParser.Parse(pattern) is not { } node)
        {
            return null;
        }
        var options = node is PatternNode.Alternatives a ? a.Options : [node];
        var automaton = new PatternAutomaton();
        try
        {
            foreach (var option in options)
            {
                var items = option is PatternNode.Sequence s ? s.Items : [option];
                var anchoredStart = items.Count > 0 && items[0] is PatternNode.Anchor { AtStart: true };
                var anchoredEnd = items.Count > (anchoredStart ? 1 : 0) && items[^1] is PatternNode.Anchor { AtStart: false };
                var body = items.Skip(anchoredStart ? 1 : 0).Take(items.Count - (anchoredStart ? 1 : 0) - (anchoredEnd ? 1 : 0)).ToList();
                if (body.Any(ContainsAnchor))
                {
                    return null; // an anchor inside the pattern: not read
                }
                var (entry, exit) = automaton.Build(new PatternNode.Sequence(body));
                automaton._epsilon[automaton.Start].Add(anchoredStart ? entry : automaton.AnyPrefix(entry));
                automaton._epsilon[anchoredEnd ? exit : automaton.AnySuffix(exit)].Add(automaton.Accept);
            }
        }
        catch (TooLargeException)
        {
            return null;
        }
        return automaton;
    }

    private static bool ContainsAnchor(PatternNode node) => node switch
    {
        PatternNode.Anchor => true,
        PatternNode.Sequence s => s.Items.Any(ContainsAnchor),
        PatternNode.Alternatives a => a.Options.Any(ContainsAnchor),
        PatternNode.Repeat r => ContainsAnchor(r.Item),
        _ => false,
    };

    private int NewState()
    {
        if (_moves.Count >= MaxStates)
        {
            throw new TooLargeException();
        }
        _epsilon.Add([]);
        _moves.Add([]);
        return _moves.Count - 1;
    }

    private int AnyPrefix(int entry)
    {
        var loop = NewState();
        _moves[loop].Add((CodePoints.All, loop));
        _epsilon[loop].Add(entry);
        return loop;
    }

    private int AnySuffix(int exit)
    {
        var loop = NewState();
        _moves[loop].Add((CodePoints.All, loop));
        _epsilon[exit].Add(loop);
        return loop;
    }

    /// <summary>Thompson's construction: the entry and exit states of <paramref name="node"/>.</summary>
    private (int Entry, int Exit) Build(PatternNode node)
    {
        switch (node)
        {
            case PatternNode.Chars c:
            {
                var (entry, exit) = (NewState(), NewState());
                _moves[entry].Add((c.Set, exit));
                return (entry, exit);
            }
            case PatternNode.Sequence s:
            {
                var entry = NewState();
                var exit = entry;
                foreach (var item in s.Items)
                {
                    var (a, b) = Build(item);
                    _epsilon[exit].Add(a);
                    exit = b;
                }
                return (entry, exit);
            }
            case PatternNode.Alternatives alternatives:
            {
                var (entry, exit) = (NewState(), NewState());
                foreach (var option in alternatives.Options)
                {
                    var (a, b) = Build(option);
                    _epsilon[entry].Add(a);
                    _epsilon[b].Add(exit);
                }
                return (entry, exit);
            }
            case PatternNode.Repeat r:
            {
                var entry = NewState();
                var exit = entry;
                for (var i = 0; i < r.Min; i++)
                {
                    var (a, b) = Build(r.Item);
                    _epsilon[exit].Add(a);
                    exit = b;
                }
                if (r.Max is null)
                {
                    var (a, b) = Build(r.Item);
                    var loop = NewState();
                    _epsilon[exit].Add(loop);
                    _epsilon[loop].Add(a);
                    _epsilon[b].Add(loop);
                    return (entry, loop);
                }
                for (var i = r.Min; i < r.Max; i++)
                {
                    var (a, b) = Build(r.Item);
                    var next = NewState();
                    _epsilon[exit].Add(a);
                    _epsilon[exit].Add(next);
                    _epsilon[b].Add(next);
                    exit = next;
                }
                return (entry, exit);
            }
            default:
                throw new InvalidOperationException("anchors are handled by the caller");
        }
    }

    /// <summary>The states reachable from <paramref name="states"/> without reading a character, sorted.</summary>
    public int[] Closure(IEnumerable<int> states)
    {
        var seen = new HashSet<int>();
        var stack = new Stack<int>(states);
        while (stack.Count > 0)
        {
            var state = stack.Pop();
            if (seen.Add(state))
            {
                foreach (var next in _epsilon[state])
                {
                    stack.Push(next);
                }
            }
        }
        var result = seen.ToArray();
        Array.Sort(result);
        return result;
    }

    /// <summary>The states after reading <paramref name="codePoint"/> from <paramref name="states"/> (closed).</summary>
    public int[] Step(int[] states, int codePoint)
    {
        var next = new List<int>();
        foreach (var state in states)
        {
            foreach (var (set, to) in _moves[state])
            {
                if (set.Contains(codePoint))
                {
                    next.Add(to);
                }
            }
        }
        return next.Count == 0 ? [] : Closure(next);
    }

    /// <summary>Whether <paramref name="text"/> matches the pattern.</summary>
    public bool Matches(string text)
    {
        var states = Closure([Start]);
        foreach (var rune in text.EnumerateRunes())
        {
            states = Step(states, rune.Value);
        }
        return Array.BinarySearch(states, Accept) >= 0;
    }
}
