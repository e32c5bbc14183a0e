using System.Globalization;
using System.Text;

namespace Stepwise.Contracts.Schemas.Patterns;

/// <summary>A parsed regular expression: a set of characters, a sequence, alternatives, a repetition or an anchor.</summary>
internal abstract record PatternNode
{
    public sealed record Chars(CodePoints Set) : PatternNode;

    public sealed record Sequence(List<PatternNode> Items) : PatternNode;

    public sealed record Alternatives(List<PatternNode> Options) : PatternNode;

    /// <summary><paramref name="Max"/> is null for no upper bound.</summary>
    public sealed record Repeat(PatternNode Item, int Min, int? Max) : PatternNode;

    /// <summary><c>^</c> (<paramref name="AtStart"/>) or <c>$</c>.</summary>
    public sealed record Anchor(bool AtStart) : PatternNode;
}

/// <summary>
/// Parses the part of ECMAScript regular expression syntax whose language is regular and unambiguous: characters,
/// escapes, classes, <c>.</c>, groups, alternatives and greedy or lazy quantifiers, with <c>^</c> and <c>$</c>. Anything
/// else (back references, lookaround, word boundaries, Unicode property escapes, the web-compatibility readings of a
/// lone <c>{</c>, <c>}</c> or <c>]</c>) is refused with null: the caller then does not decide.
/// </summary>
internal sealed class PatternParser
{
    /// <summary>The largest repetition count read; larger ones are refused.</summary>
    public const int MaxCount = 1000;

    /// <summary>The deepest nesting of groups read; deeper patterns are refused (the parser and the automaton recurse).</summary>
    public const int MaxDepth = 64;

    private readonly int[] _text;
    private int _at;
    private int _depth;

    private PatternParser(string pattern)
    {
        var runes = new List<int>(pattern.Length);
        foreach (var rune in pattern.EnumerateRunes())
        {
            runes.Add(rune.Value);
        }
        _text = [.. runes];
    }

    private sealed class UnsupportedException : Exception;

    public static PatternNode? Parse(string pattern)
    {
        var parser = new PatternParser(pattern);
        try
        {
            var node = parser.ParseAlternatives();
            return parser._at == parser._text.Length ? node : null;
        }
        catch (UnsupportedException)
        {
            return null;
        }
    }

    private bool AtEnd => _at >= _text.Length;

    private int Peek(int ahead = 0) => _at + ahead < _text.Length ? _text[_at + ahead] : -1;

    private int Next() => AtEnd ? throw new UnsupportedException() : _text[_at++];

    private static UnsupportedException Unsupported() => new();

    private PatternNode ParseAlternatives()
    {
        var options = new List<PatternNode> { ParseSequence() };
        while (Peek() == '|')
        {
            _at++;
            options.Add(ParseSequence());
        }
        return options.Count == 1 ? options[0] : new PatternNode.Alternatives(options);
    }

    private PatternNode.Sequence ParseSequence()
    {
        var items = new List<PatternNode>();
        while (!AtEnd && Peek() != '|' && Peek() != ')')
        {
            var atom = ParseAtom();
            items.Add(atom is PatternNode.Anchor ? atom : ParseQuantifier(atom));
        }
        return new PatternNode.Sequence(items);
    }

    private PatternNode ParseAtom()
    {
        var c = Next();
        switch (c)
        {
            case '^':
                return new PatternNode.Anchor(AtStart: true);
            case '$':
                return new PatternNode.Anchor(AtStart: false);
            case '.':
                return new PatternNode.Chars(CodePoints.NotLineTerminator);
            case '[':
                return new PatternNode.Chars(ParseClass());
            case '(':
                if (Peek() == '?')
                {
                    _at++;
                    var kind = Next();
                    if (kind == '<' && Peek() is not ('=' or '!'))
                    {
                        while (Next() != '>')
                        {
                        }
                    }
                    else if (kind != ':')
                    {
                        throw Unsupported(); // lookahead or lookbehind
                    }
                }
                if (++_depth > MaxDepth)
                {
                    throw Unsupported();
                }
                var inner = ParseAlternatives();
                _depth--;
                if (Next() != ')')
                {
                    throw Unsupported();
                }
                return inner;
            case '\\':
                return new PatternNode.Chars(ParseEscape(inClass: false));
            case '*' or '+' or '?' or '{' or '}' or ']' or ')':
                throw Unsupported();
            default:
                return new PatternNode.Chars(CodePoints.Single(c));
        }
    }

    private PatternNode ParseQuantifier(PatternNode atom)
    {
        int min;
        int? max;
        switch (Peek())
        {
            case '*':
                (min, max) = (0, null);
                _at++;
                break;
            case '+':
                (min, max) = (1, null);
                _at++;
                break;
            case '?':
                (min, max) = (0, 1);
                _at++;
                break;
            case '{':
                _at++;
                min = ReadCount();
                max = min;
                if (Peek() == ',')
                {
                    _at++;
                    max = Peek() == '}' ? null : ReadCount();
                }
                if (Next() != '}' || min > max)
                {
                    throw Unsupported();
                }
                break;
            default:
                return atom;
        }
        if (Peek() == '?')
        {
            _at++; // lazy: the same strings match
        }
        if (Peek() is '*' or '+' or '?' or '{')
        {
            throw Unsupported();
        }
        return new PatternNode.Repeat(atom, min, max);
    }

    private int ReadCount()
    {
        var digits = new StringBuilder();
        while (Peek() is >= '0' and <= '9')
        {
            digits.Append((char)Next());
        }
        if (digits.Length == 0 || digits.Length > 4 || int.Parse(digits.ToString(), CultureInfo.InvariantCulture) is var n && n > MaxCount)
        {
            throw Unsupported();
        }
        return n;
    }

    private CodePoints ParseClass()
    {
        var negated = Peek() == '^';
        if (negated)
        {
            _at++;
        }
        var set = CodePoints.None;
        while (Peek() != ']')
        {
            var (low, lowSet) = ParseClassAtom();
            if (Peek() == '-' && Peek(1) != ']' && Peek(1) != -1)
            {
                _at++;
                var (high, highSet) = ParseClassAtom();
                if (lowSet is not null || highSet is not null || low > high)
                {
                    throw Unsupported(); // a range ending in a class escape, or out of order
                }
                set = set.Union(CodePoints.Of([(low, high)]));
                continue;
            }
            set = set.Union(lowSet ?? CodePoints.Single(low));
        }
        _at++;
        return negated ? set.Complement() : set;
    }

    /// <summary>One character of a class, or a class escape (<c>\d</c>, <c>\w</c>, <c>\s</c> and their negations) as a set.</summary>
    private (int CodePoint, CodePoints? Set) ParseClassAtom()
    {
        var c = Next();
        if (c != '\\')
        {
            return (c, null);
        }
        var isClassEscape = Peek() is 'd' or 'D' or 'w' or 'W' or 's' or 'S';
        var set = ParseEscape(inClass: true);
        return isClassEscape ? (-1, set) : (set.Ranges[0].Lo, null);
    }

    private CodePoints ParseEscape(bool inClass)
    {
        var c = Next();
        switch (c)
        {
            case 'd': return CodePoints.Digit;
            case 'D': return CodePoints.Digit.Complement();
            case 'w': return CodePoints.Word;
            case 'W': return CodePoints.Word.Complement();
            case 's': return CodePoints.Space;
            case 'S': return CodePoints.Space.Complement();
            case 't': return CodePoints.Single(0x09);
            case 'n': return CodePoints.Single(0x0A);
            case 'v': return CodePoints.Single(0x0B);
            case 'f': return CodePoints.Single(0x0C);
            case 'r': return CodePoints.Single(0x0D);
            case 'b' when inClass: return CodePoints.Single(0x08);
            case '0' when Peek() is not (>= '0' and <= '9'): return CodePoints.Single(0);
            case 'x': return CodePoints.Single(ReadHex(2));
            case 'u':
                var unit = ReadHex(4);
                if (unit is >= 0xD800 and <= 0xDFFF)
                {
                    throw Unsupported(); // a surrogate: code units and code points part ways
                }
                return CodePoints.Single(unit);
            case '-' when inClass: return CodePoints.Single('-');
            default:
                if (c < 0x80 && (char.IsAsciiLetterOrDigit((char)c) || c == '_'))
                {
                    throw Unsupported(); // \b, \B, back references, \c, \p, \k, ...
                }
                return CodePoints.Single(c); // an escaped punctuation character stands for itself
        }
    }

    private int ReadHex(int digits)
    {
        var value = 0;
        for (var i = 0; i < digits; i++)
        {
            var c = Next();
            var digit = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : c is >= 'A' and <= 'F' ? c - 'A' + 10 : throw Unsupported();
            value = (value * 16) + digit;
        }
        return value;
    }
}
