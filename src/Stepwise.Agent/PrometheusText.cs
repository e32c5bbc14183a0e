using System.Globalization;

namespace Stepwise.Agent;

/// <summary>One sample line of the Prometheus text format: name, labels, value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A reader for the Prometheus text exposition format (version 0.0.4): comments and blank lines are skipped; each
/// other line is <c>name{label="value",...} value [timestamp]</c>. A malformed line is an error naming its line.
/// </summary>
public static class PrometheusText
{
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            samples.Add(ParseLine(line, lineNumber));
        }
        return samples;
    }

    private static PrometheusSample ParseLine(string line, int lineNumber)
    {
        var i = 0;
        while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] is '_' or ':'))
        {
            i++;
        }
        if (i == 0 || char.IsAsciiDigit(line[0]))
        {
            throw Error(lineNumber, "expected a metric name");
        }
        var name = line[..i];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                while (i < line.Length && line[i] is ' ' or ',')
                {
                    i++;
                }
                if (i < line.Length && line[i] == '}')
                {
                    i++;
                    break;
                }
                var start = i;
                while (i < line.Length && (char.IsAsciiLetterOrDigit(line[i]) || line[i] == '_'))
                {
                    i++;
                }
                if (i == start || i >= line.Length || line[i] != '=')
                {
                    throw Error(lineNumber, "expected label=\"value\" inside {...}");
                }
                var label = line[start..i];
                i++;
                if (i >= line.Length || line[i] != '"')
                {
                    throw Error(lineNumber, $"label '{label}': expected a quoted value");
                }
                i++;
                var value = new System.Text.StringBuilder();
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw Error(lineNumber, $"label '{label}': unterminated quoted value");
                    }
                    var c = line[i++];
                    if (c == '"')
                    {
                        break;
                    }
                    if (c == '\\' && i < line.Length)
                    {
                        var e = line[i++];
                        value.Append(e switch { 'n' => '\n', _ => e });
                        continue;
                    }
                    value.Append(c);
                }
                labels[label] = value.ToString();
            }
        }
        var rest = line[i..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is < 1 or > 2)
        {
            throw Error(lineNumber, $"metric '{name}': expected a value (and optionally a timestamp)");
        }
        if (!TryParseValue(rest[0], out var number))
        {
            throw Error(lineNumber, $"metric '{name}': '{rest[0]}' is not a number");
        }
        return new PrometheusSample(name, labels, number);
    }

    internal static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "+Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            case "NaN":
                value = double.NaN;
                return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static FormatException Error(int line, string message) => new($"metrics line {line}: {message}");
}
