using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Stepwise.Agent;

/// <summary>How a label matcher compares: <c>=</c>, <c>!=</c>, <c>=~</c>, <c>!~</c> (as in PromQL).</summary>
public enum LabelMatchOperator
{
    Equal,
    NotEqual,
    RegexMatch,
    RegexNoMatch,
}

/// <summary>
/// One label matcher of a <see cref="MetricSelector"/>. A label a sample doesn't carry has the value "" (as in
/// Prometheus). A regex is fully anchored (<c>\A(?:re)\z</c>; <c>.</c> matches a newline, as in Prometheus),
/// culture-invariant and bounded by
/// <see cref="MetricSelector.MatchTimeout"/>.
/// </summary>
public sealed class LabelMatcher
{
    private readonly Regex? regex;

    internal LabelMatcher(string label, LabelMatchOperator op, string value, Regex? regex)
    {
        Label = label;
        Operator = op;
        Value = value;
        this.regex = regex;
    }

    public string Label { get; }
    public LabelMatchOperator Operator { get; }
    public string Value { get; }

    /// <summary>Whether a label value passes; throws <see cref="RegexMatchTimeoutException"/> when the regex runs too long.</summary>
    public bool Matches(string value) => Operator switch
    {
        LabelMatchOperator.Equal => value == Value,
        LabelMatchOperator.NotEqual => value != Value,
        LabelMatchOperator.RegexMatch => regex!.IsMatch(value),
        _ => !regex!.IsMatch(value),
    };

    public override string ToString() => Label + Operator switch
    {
        LabelMatchOperator.Equal => "=",
        LabelMatchOperator.NotEqual => "!=",
        LabelMatchOperator.RegexMatch => "=~",
        _ => "!~",
    } + "\"" + Value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}

/// <summary>
/// A metric name with optional label matchers, as in PromQL: <c>name</c>, <c>name{code=~"5.."}</c>,
/// <c>name{code!="200",method="GET"}</c>. A sample is selected when its name is the name and every matcher passes.
/// </summary>
public sealed class MetricSelector
{
    /// <summary>The longest selector accepted, in characters.</summary>
    public const int MaxLength = 1000;

    /// <summary>The most label matchers one selector may have.</summary>
    public const int MaxMatchers = 16;

    /// <summary>How long one regex may run on one label value before the reading is abandoned.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    private const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.Singleline;

    /// <summary>The suffix of a histogram's bucket series.</summary>
    public const string Bucket = "_bucket";

    private MetricSelector(string option, string text, string name, IReadOnlyList<LabelMatcher> matchers)
    {
        Option = option;
        Text = text;
        Name = name;
        Matchers = matchers;
    }

    /// <summary>The option the selector came from (named in errors).</summary>
    public string Option { get; }

    /// <summary>The selector as written (without surrounding blanks).</summary>
    public string Text { get; }

    public string Name { get; }
    public IReadOnlyList<LabelMatcher> Matchers { get; }

    /// <summary>
    /// Whether every matcher passes for these labels. A regex that runs longer than <see cref="MatchTimeout"/> is a
    /// <see cref="FormatException"/> naming the option, the matcher and the value.
    /// </summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var matcher in Matchers)
        {
            var value = labels.TryGetValue(matcher.Label, out var v) ? v : "";
            try
            {
                if (!matcher.Matches(value))
                {
                    return false;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                throw new FormatException($"{Option} {Shorten(Text)}: the regex of {matcher.Label} ran longer than {MatchTimeout.TotalMilliseconds:0} ms " +
                    $"on the value {Shorten(value)}; simplify it (avoid nested repetition such as (a+)+)");
            }
        }
        return true;
    }

    public override string ToString() => Text;

    /// <summary>
    /// Parses a selector given with <paramref name="option"/>; a malformed one is a <see cref="FormatException"/>
    /// that names the option, the character (1-based) and the fix. A histogram selector names the histogram without
    /// <c>_bucket</c> and may not match <c>le</c> (the agent reads every bucket).
    /// </summary>
    public static MetricSelector Parse(string text, string option, bool histogram = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw new FormatException($"{option}: the selector is {text.Length:N0} characters long; write at most {MaxLength:N0} (a metric name and a few label matchers)");
        }
        var (name, matchers) = new Parser(text, option, histogram).Selector();
        return new MetricSelector(option, text.Trim(' ', '\t'), name, matchers);
    }

    internal static string Shorten(string value)
    {
        var shown = value.Length > 60 ? value[..60] + "…" : value;
        return "'" + string.Concat(shown.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())) + "'";
    }

    private sealed class Parser(string text, string option, bool histogram)
    {
        private int at;

        public FormatException Error(int position, string message) =>
            new($"{option} {Shorten(text)}: at character {position + 1}: {message}");

        public (string Name, List<LabelMatcher> Matchers) Selector()
        {
            Spaces();
            if (at == text.Length)
            {
                throw new FormatException($"{option}: the selector is empty; give a metric name, e.g. {option} {AppMetricNames.Requests}");
            }
            var nameStart = at;
            var name = Identifier(metricName: true);
            if (name.Length == 0)
            {
                throw Error(at, text[at] == '{'
                    ? "the metric name is missing; write it before the braces, e.g. http_requests_total{code=~\"5..\"}"
                    : $"{Describe(text[at])} cannot start a metric name (letters, digits, _ and :, not starting with a digit)");
            }
            if (histogram && name.EndsWith(Bucket, StringComparison.Ordinal) && name.Length > Bucket.Length)
            {
                throw Error(nameStart, $"name the histogram without {Bucket}, e.g. {option} {name[..^Bucket.Length]}");
            }
            var matchers = new List<LabelMatcher>();
            Spaces();
            if (at < text.Length && text[at] == '{')
            {
                var open = at++;
                Matchers(matchers, open);
                Spaces();
            }
            if (at < text.Length)
            {
                throw Error(at, text[at] == '{'
                    ? "a selector has one {...}; put all label matchers in it, separated by commas"
                    : $"unexpected {Describe(text[at])}; after the metric name only label matchers in {{...}} may follow, e.g. {name}{{code=~\"5..\"}}");
            }
            return (name, matchers);
        }

        private void Matchers(List<LabelMatcher> matchers, int open)
        {
            while (true)
            {
                Spaces();
                if (at == text.Length)
                {
                    throw Error(open, "the { is never closed; end the label matchers with }");
                }
                if (text[at] == '}')
                {
                    at++;
                    return;
                }
                if (matchers.Count == MaxMatchers)
                {
                    throw Error(at, $"more than {MaxMatchers} label matchers; a selector may have at most {MaxMatchers}");
                }
                matchers.Add(Matcher());
                Spaces();
                if (at < text.Length && text[at] == ',')
                {
                    at++;
                }
                else if (at < text.Length && text[at] != '}')
                {
                    throw Error(at, $"expected , or }} after the matcher {matchers[^1]}, found {Describe(text[at])}");
                }
            }
        }

        private LabelMatcher Matcher()
        {
            var start = at;
            var label = Identifier(metricName: false);
            if (label.Length == 0)
            {
                throw Error(at, $"expected a label name (letters, digits and _, not starting with a digit), found {Describe(text[at])}");
            }
            if (label.StartsWith("__", StringComparison.Ordinal))
            {
                throw Error(start, $"label names starting with __ are reserved by Prometheus; {(label == "__name__" ? "write the metric name before the braces instead" : "match a label the app exposes")}");
            }
            if (histogram && label == "le")
            {
                throw Error(start, "the agent reads every bucket of the histogram; remove the matcher on le");
            }
            Spaces();
            var opStart = at;
            while (at < text.Length && text[at] is '=' or '!' or '~' or '<' or '>')
            {
                at++;
            }
            var op = text[opStart..at] switch
            {
                "=" => LabelMatchOperator.Equal,
                "!=" => LabelMatchOperator.NotEqual,
                "=~" => LabelMatchOperator.RegexMatch,
                "!~" => LabelMatchOperator.RegexNoMatch,
                "" => throw Error(opStart, $"expected an operator after the label {label}: =, !=, =~ or !~{(at < text.Length ? $", found {Describe(text[at])}" : "")}"),
                var other => throw Error(opStart, $"unknown operator {other}; use =, !=, =~ or !~"),
            };
            Spaces();
            var valueStart = at;
            var value = Quoted(label);
            Regex? regex = null;
            if (op is LabelMatchOperator.RegexMatch or LabelMatchOperator.RegexNoMatch)
            {
                try
                {
                    // Checked alone first, so a stray ")" can't close the anchoring group; \A and \z anchor at the very
                    // ends (unlike $, which also matches before a final newline); . matches a newline, as in Prometheus.
                    _ = new Regex(value, Options, MatchTimeout);
                    regex = new Regex(@"\A(?:" + value + @")\z", Options, MatchTimeout);
                }
                catch (ArgumentException e)
                {
                    throw Error(valueStart, $"the value of {label} is not a valid regular expression ({e.Message.TrimEnd('.')}); fix the pattern (.NET syntax, anchored at both ends)");
                }
            }
            return new LabelMatcher(label, op, value, regex);
        }

        private string Quoted(string label)
        {
            if (at == text.Length || text[at] is not ('"' or '\'' or '`'))
            {
                throw Error(at, $"expected the value of {label} in quotes, e.g. {label}=\"500\"{(at < text.Length ? $", found {Describe(text[at])}" : "")} " +
                    "(on a command line, put the whole selector in single quotes so the shell keeps the double quotes)");
            }
            var quote = text[at];
            var open = at++;
            var value = new StringBuilder();
            while (true)
            {
                if (at == text.Length)
                {
                    throw Error(open, $"the value of {label} is never closed; end it with {quote}");
                }
                var c = text[at];
                if (c == quote)
                {
                    at++;
                    return value.ToString();
                }
                if (char.IsControl(c))
                {
                    throw Error(at, $"{Describe(c)} inside the value of {label}; write \\n or \\t for a newline or tab");
                }
                if (c == '\\' && quote != '`')
                {
                    Escape(value, label);
                    continue;
                }
                value.Append(c);
                at++;
            }
        }

        private void Escape(StringBuilder value, string label)
        {
            var start = at++;
            if (at == text.Length)
            {
                throw Error(start, $"the value of {label} ends in a lone backslash; write \\\\ for a backslash");
            }
            var e = text[at++];
            char? simple = e switch
            {
                '\\' => '\\', '"' => '"', '\'' => '\'', 'n' => '\n', 't' => '\t', 'r' => '\r',
                'a' => '\a', 'b' => '\b', 'f' => '\f', 'v' => '\v',
                _ => null,
            };
            if (simple is { } s)
            {
                value.Append(s);
                return;
            }
            var digits = e switch { 'x' => 2, 'u' => 4, 'U' => 8, _ => 0 };
            if (digits == 0)
            {
                throw Error(start, $"unknown escape \\{(char.IsControl(e) ? "" : e)} in the value of {label}; a regex backslash is written twice (\"5\\\\d\\\\d\") or the value is put in backticks (`5\\d\\d`)");
            }
            var hex = text.Length - at >= digits ? text.Substring(at, digits) : "";
            if (hex.Length == 0 || hex.Any(h => !char.IsAsciiHexDigit(h))
                || !long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                || code > 0x10FFFF || code is >= 0xD800 and <= 0xDFFF)
            {
                throw Error(start, $"the escape \\{e} in the value of {label} needs {digits} hex digits naming a Unicode character, e.g. \\{e}{new string('0', digits - 2)}41");
            }
            at += digits;
            value.Append(char.ConvertFromUtf32((int)code));
        }

        private string Identifier(bool metricName)
        {
            var start = at;
            while (at < text.Length && (char.IsAsciiLetter(text[at]) || text[at] == '_' || (metricName && text[at] == ':') || (at > start && char.IsAsciiDigit(text[at]))))
            {
                at++;
            }
            return text[start..at];
        }

        private void Spaces()
        {
            while (at < text.Length && text[at] is ' ' or '\t')
            {
                at++;
            }
        }

        private static string Describe(char c) => char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c)
            ? $"U+{(int)c:X4} ({(char.IsControl(c) ? "a control character" : char.IsSurrogate(c) ? "half a surrogate pair" : "white space")})"
            : $"'{c}'";
    }
}
