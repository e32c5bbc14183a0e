using System.Globalization;
using System.Text;

namespace Stepwise.Core.Analysis;

/// <summary>
/// A metric whose samples come from Prometheus instead of the agents' heartbeats: PromQL templates queried for the
/// canary side and the baseline side of a stage, once per analysis interval, over the whole stage so far.
/// <list type="bullet">
/// <item>A <see cref="MetricKind.Distribution"/> metric has a <see cref="Query"/>, run as a range query from the stage's
/// start to now at <see cref="Step"/>: every point of every series returned is a sample.</item>
/// <item>A <see cref="MetricKind.Rate"/> metric has <see cref="Events"/> and <see cref="Total"/>, run as instant queries
/// now: the sums of what they return are the events and the total of the side (e.g. errors and requests, with
/// <c>increase(...[{{range}}])</c>).</item>
/// </list>
/// Placeholders: <c>{{service}}</c>, <c>{{release}}</c> (the side's release), <c>{{nodes}}</c> (a regular expression
/// matching exactly the side's node ids, for <c>node=~"{{nodes}}"</c>) and <c>{{range}}</c> (the stage's age, e.g.
/// <c>300s</c>). Each value is escaped for a PromQL double-quoted string.
/// </summary>
/// <param name="Step">The range query's resolution (distribution); null: <see cref="DefaultStep"/>.</param>
public sealed record MetricQuery(string? Query = null, string? Events = null, string? Total = null, TimeSpan? Step = null)
{
    /// <summary>The range query's resolution when none is set.</summary>
    public static TimeSpan DefaultStep { get; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest template accepted.</summary>
    public const int MaxTemplateLength = 4_096;

    /// <summary>The most nodes one side's <c>{{nodes}}</c> names; a larger side is sampled evenly (<see cref="Sample"/>).</summary>
    public const int MaxNodes = 500;

    /// <summary>The placeholders a template may use, in the order the docs list them.</summary>
    public static IReadOnlyList<string> Placeholders { get; } = ["service", "release", "nodes", "range"];

    public TimeSpan StepOrDefault => Step ?? DefaultStep;

    /// <summary>The templates this query runs for one side, by role ("query", or "events" and "total").</summary>
    private IEnumerable<(string Role, string Template)> Templates()
    {
        if (Query is not null)
        {
            yield return ("query", Query);
        }
        if (Events is not null)
        {
            yield return ("events", Events);
        }
        if (Total is not null)
        {
            yield return ("total", Total);
        }
    }

    /// <summary>What is wrong with this query for a metric of <paramref name="kind"/>, each as (what, how to fix); empty when it is sound.</summary>
    public IReadOnlyList<(string Problem, string Fix)> Problems(MetricKind kind)
    {
        var problems = new List<(string, string)>();
        if (kind == MetricKind.Distribution && (Query is null || Events is not null || Total is not null))
        {
            problems.Add(("a distribution metric from Prometheus takes one 'query' (a range query: every point is a sample)",
                "write prometheus: { query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{node=~\"{{nodes}}\"}[1m])))' }"));
        }
        if (kind == MetricKind.Rate && (Query is not null || Events is null || Total is null))
        {
            problems.Add(("a rate metric from Prometheus takes 'events' and 'total' (instant queries of counts over the stage)",
                "write prometheus: { events: 'sum(increase(http_request_errors_total{node=~\"{{nodes}}\"}[{{range}}]))', total: 'sum(increase(http_requests_total{node=~\"{{nodes}}\"}[{{range}}]))' }"));
        }
        if (Step is { } step && (step < TimeSpan.FromSeconds(1) || step > TimeSpan.FromHours(1)))
        {
            problems.Add(($"the step {step} is outside 1s..1h", "use a step such as 10s or 30s"));
        }
        foreach (var (role, template) in Templates())
        {
            if (string.IsNullOrWhiteSpace(template))
            {
                problems.Add(($"the {role} template is empty", "write a PromQL expression"));
            }
            else if (template.Length > MaxTemplateLength)
            {
                problems.Add(($"the {role} template is {template.Length:N0} characters long (at most {MaxTemplateLength:N0})", "shorten it, e.g. with a Prometheus recording rule"));
            }
            else if (Render(template, _ => "") is { Error: { } error })
            {
                problems.Add(($"the {role} template: {error}", $"use only {string.Join(", ", Placeholders.Select(p => "{{" + p + "}}"))}"));
            }
        }
        return problems;
    }

    /// <summary>
    /// Fills a template for one side. Values are escaped for a PromQL double-quoted string; <c>{{nodes}}</c> is an
    /// anchored alternation of the node ids with their regular-expression metacharacters escaped (matching nothing when
    /// the side has no node, not even a series without the label).
    /// </summary>
    public static string Fill(string template, string service, string release, IReadOnlyList<string> nodes, TimeSpan range)
    {
        var rendered = Render(template, name => name switch
        {
            "service" => QuoteInner(service),
            "release" => QuoteInner(release),
            "nodes" => QuoteInner(nodes.Count == 0 ? @"[^\s\S]" : string.Join('|', nodes.Select(RegexEscape))),
            "range" => ((long)Math.Max(1, Math.Ceiling(range.TotalSeconds))).ToString(CultureInfo.InvariantCulture) + "s",
            _ => "",
        });
        return rendered.Text ?? throw new ArgumentException(rendered.Error, nameof(template));
    }

    /// <summary>At most <see cref="MaxNodes"/> of <paramref name="nodes"/>, spread evenly over their ordinal order (all of them when fewer).</summary>
    public static IReadOnlyList<string> Sample(IReadOnlyList<string> nodes)
    {
        var sorted = nodes.Order(StringComparer.Ordinal).ToList();
        if (sorted.Count <= MaxNodes)
        {
            return sorted;
        }
        return Enumerable.Range(0, MaxNodes).Select(i => sorted[(int)((long)i * sorted.Count / MaxNodes)]).ToList();
    }

    private static (string? Text, string? Error) Render(string template, Func<string, string> value)
    {
        var text = new StringBuilder(template.Length);
        var i = 0;
        while (i < template.Length)
        {
            var open = template.IndexOf("{{", i, StringComparison.Ordinal);
            if (open < 0)
            {
                text.Append(template, i, template.Length - i);
                break;
            }
            text.Append(template, i, open - i);
            var close = template.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                return (null, $"'{{{{' at offset {open} is never closed with '}}}}'");
            }
            var name = template[(open + 2)..close].Trim();
            if (!Placeholders.Contains(name, StringComparer.Ordinal))
            {
                var shown = name.Length > 40 ? name[..40] + "…" : name;
                return (null, $"unknown placeholder '{{{{{shown}}}}}' at offset {open}");
            }
            text.Append(value(name));
            i = close + 2;
        }
        return (text.ToString(), null);
    }

    /// <summary>Escapes a value for the inside of a PromQL double-quoted string.</summary>
    private static string QuoteInner(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal);

    /// <summary>Escapes the metacharacters of RE2 (Prometheus' regular expressions), so the text matches itself.</summary>
    private static string RegexEscape(string value)
    {
        var text = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (@"\.+*?()|[]{}^$".Contains(c, StringComparison.Ordinal))
            {
                text.Append('\\');
            }
            text.Append(c);
        }
        return text.ToString();
    }
}
