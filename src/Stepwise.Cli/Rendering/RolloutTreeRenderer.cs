using System.Globalization;
using System.Text;

namespace Stepwise.Cli.Rendering;

/// <summary>How to draw: the width, Unicode symbols or ASCII, ANSI colours or none.</summary>
public sealed record RenderStyle(int Width, bool Unicode, bool Color)
{
    /// <summary>For a terminal: its width, Unicode when it speaks UTF-8, colours unless NO_COLOR is set. Redirected: 160 columns, ASCII, no colours.</summary>
    public static RenderStyle ForConsole(TextWriter writer)
    {
        var tty = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        if (!tty)
        {
            return new RenderStyle(160, false, false);
        }
        var width = 80;
        try
        {
            width = Math.Clamp(Console.WindowWidth, 40, 400);
        }
        catch (IOException)
        {
        }
        var utf8 = Console.OutputEncoding.CodePage == 65001;
        return new RenderStyle(width, utf8, string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));
    }
}

/// <summary>
/// Lays out a <see cref="RolloutTreeModel"/> the way <c>kubectl argo rollouts get rollout</c> does: a header, the
/// analysis (each metric canary against baseline, or how many samples it still waits for), the steps, the nodes
/// as a tree, and what blocks the rollout. Never wider than the style's width; no escape codes without colour.
/// </summary>
public static class RolloutTreeRenderer
{
    private const int LabelWidth = 11;

    public static string Render(RolloutTreeModel m, RenderStyle style)
    {
        var width = Math.Max(40, style.Width);
        var s = new Symbols(style);
        var o = new StringBuilder();
        void Field(string label, string text, string? color = null) => Wrap(o, (label + ":").PadRight(LabelWidth), new string(' ', LabelWidth), text, width, s, color);

        Field("Rollout", m.Id);
        Field("Service", $"{m.Service} {m.From} {s.Arrow} {m.To}");
        var (statusSymbol, statusColor) = m.Finished ? (m.Succeeded ? (s.Done, Symbols.Green) : (s.Failed, Symbols.Red)) : (s.Current, Symbols.Yellow);
        var status = new StringBuilder($"{statusSymbol} {m.Phase}");
        if (!m.Finished && m.Step > 0)
        {
            status.Append(CultureInfo.InvariantCulture, $", step {m.Step}/{m.Steps}");
        }
        if (m.BakeLeft is { } left)
        {
            status.Append(left > TimeSpan.Zero ? $", bake {RolloutTreeModel.Duration(left)} left" : ", bake time over");
        }
        if (!m.Finished && m.BakeLeft is null && m.Blockers.Count > 0)
        {
            status.Append(CultureInfo.InvariantCulture, $", waiting for {m.Blockers.Count} node{(m.Blockers.Count == 1 ? "" : "s")}");
        }
        if (!m.Finished)
        {
            status.Append(CultureInfo.InvariantCulture, $" (in this phase {RolloutTreeModel.Duration(m.Elapsed)})");
        }
        Field("Status", status.ToString(), statusColor);
        Field("Progress", m.Finished ? $"{m.NodesTotal} now in the fleet" : $"{m.NodesOnTo}/{m.NodesTotal} on {m.To}");
        if (m.Reason is { Length: > 0 } reason)
        {
            Field("Reason", reason);
        }
        if (m.AnalysisVerdict is { } verdict)
        {
            var waiting = m.Metrics.Count(x => x.Waiting);
            var text = $"{verdict}, score {m.AnalysisScore?.ToString("0.#", CultureInfo.InvariantCulture) ?? "-"}"
                + (m.Metrics.Count == 0 ? "; no metrics configured" : waiting > 0 ? $"; {waiting} of {m.Metrics.Count} metric{(m.Metrics.Count == 1 ? "" : "s")} waiting for samples" : "");
            Field("Analysis", text);
            Metrics(o, m.Metrics, width, s);
        }

        o.Append("Steps:\n");
        foreach (var step in m.StepLines)
        {
            var (symbol, color) = step.State switch
            {
                StepState.Done => (s.Done, Symbols.Green),
                StepState.Current => (s.Current, Symbols.Yellow),
                StepState.Failed => (s.Failed, Symbols.Red),
                _ => (s.Pending, Symbols.Dim),
            };
            var detail = step.Detail is null ? "" : $"  ({step.Detail})";
            if (step.State == StepState.Current && m.BakeLeft is { } l && l > TimeSpan.Zero)
            {
                detail += $"  {RolloutTreeModel.Duration(l)} left";
            }
            var number = step.Number.ToString(CultureInfo.InvariantCulture).PadLeft(2);
            Wrap(o, $"  {symbol} {number} ", "       ", step.Name + detail, width, s, color);
        }

        if (m.Nodes.Count > 0)
        {
            o.Append("Nodes:\n");
            NodeTree(o, m, width, s);
        }
        if (m.Blockers.Count > 0)
        {
            o.Append(CultureInfo.InvariantCulture, $"Blocked by {m.Blockers.Count} node{(m.Blockers.Count == 1 ? "" : "s")}:\n");
            foreach (var b in m.Blockers)
            {
                Wrap(o, $"  {s.Warn} ", "    ", $"{b.Node}: {b.Why}", width, s, Symbols.Red);
                Wrap(o, $"    {s.Arrow} ", "      ", b.Unblock, width, s, null);
            }
        }
        return o.ToString();
    }

    private static void Metrics(StringBuilder o, IReadOnlyList<MetricLine> metrics, int width, Symbols s)
    {
        if (metrics.Count == 0)
        {
            return;
        }
        // name, canary, baseline, n (canary/baseline), interval, verdict; at 120 columns and more, the reason too.
        var wide = width >= 120;
        var nameWidth = wide ? 24 : 14;
        var intervalWidth = wide ? 26 : 19;
        const int ValueWidth = 9;
        const int CountWidth = 11;
        var fixedWidth = 2 + nameWidth + 1 + ValueWidth + 1 + ValueWidth + 1 + CountWidth + 1 + intervalWidth + 1;
        var verdictWidth = Math.Max(8, Math.Min(wide ? 12 : width - fixedWidth, width - fixedWidth));
        var header = "  " + Cell("metric", nameWidth) + " " + Cell("canary", ValueWidth) + " " + Cell("baseline", ValueWidth) + " "
            + Cell("n c/b", CountWidth) + " " + Cell("interval", intervalWidth) + " " + (wide ? Cell("verdict", verdictWidth) + " why" : "verdict");
        o.Append(Fit(header, width).TrimEnd()).Append('\n');
        foreach (var x in metrics)
        {
            var name = "  " + Cell(x.Name, nameWidth) + " ";
            if (x.Waiting)
            {
                var need = $"waiting for samples: {Math.Min(x.CanaryCount, x.BaselineCount)}/{x.MinSamples} (canary {x.CanaryCount}, baseline {x.BaselineCount})";
                Wrap(o, name, new string(' ', name.Length), $"{s.Current} {need}", width, s, null, colorAll: false);
                continue;
            }
            var n = $"{Count(x.CanaryCount)}/{Count(x.BaselineCount)}";
            var interval = x.Lower is { } lo && x.Upper is { } hi ? $"[{Number(lo)}, {Number(hi)}]" : "-";
            var (symbol, color) = x.Failing ? (s.Failed, Symbols.Red) : x.Verdict == "no-data" ? (s.Current, Symbols.Yellow) : (s.Done, Symbols.Green);
            var verdictText = $"{symbol} {x.Verdict}";
            var line = name + Cell(Number(x.Canary), ValueWidth) + " " + Cell(Number(x.Baseline), ValueWidth) + " " + Cell(n, CountWidth) + " "
                + Cell(interval, intervalWidth) + " ";
            var tail = wide ? Cell(verdictText, verdictWidth) + " " + x.Reason : verdictText;
            var full = Fit(line + tail, width).TrimEnd();
            o.Append(full.Length > line.Length ? line + s.Paint(full[line.Length..], color) : full).Append('\n');
        }
    }

    private static void NodeTree(StringBuilder o, RolloutTreeModel m, int width, Symbols s)
    {
        const int Shown = 12;
        var shown = m.Nodes.Count <= Shown ? m.Nodes : m.Nodes.Where(n => n.Canary || !n.Ok).Take(Shown).ToList();
        var rest = m.Nodes.Except(shown).ToList();
        for (var i = 0; i < shown.Count; i++)
        {
            var n = shown[i];
            var last = i == shown.Count - 1 && rest.Count == 0;
            var text = $"{n.Node}  {n.Release ?? "-"}  {n.State}{(n.Canary ? "  canary" : "")}";
            Wrap(o, $"  {(last ? s.Last : s.Branch)} ", "     ", text, width, s, n.Ok ? null : Symbols.Red);
        }
        if (rest.Count > 0)
        {
            var byRelease = rest.GroupBy(n => n.Release ?? "-").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} on {g.Key}");
            Wrap(o, $"  {s.Last} ", "     ", $"{rest.Count} more, all active: {string.Join(", ", byRelease)}", width, s, null);
        }
    }

    private static string Cell(string text, int width) => text.Length > width ? text[..(width - 1)] + "~" : text.PadRight(width);

    private static string Fit(string line, int width) => line.Length > width ? line[..width] : line;

    private static string Count(long n) => n >= 100_000 ? $"{n / 1000}k" : n.ToString(CultureInfo.InvariantCulture);

    private static string Number(double? v) => v switch
    {
        null => "-",
        { } x when double.IsNaN(x) || double.IsInfinity(x) => "-",
        { } x when Math.Abs(x) >= 10_000 => x.ToString("0", CultureInfo.InvariantCulture),
        { } x => x.ToString("G4", CultureInfo.InvariantCulture),
    };

    /// <summary>Writes <paramref name="text"/> after <paramref name="first"/>, wrapped at word boundaries to <paramref name="width"/>, continuation lines after <paramref name="rest"/>.</summary>
    private static void Wrap(StringBuilder o, string first, string rest, string text, int width, Symbols s, string? color, bool colorAll = true)
    {
        var prefix = first;
        var remaining = text.Replace('\n', ' ');
        do
        {
            var room = Math.Max(10, width - prefix.Length);
            string piece;
            if (remaining.Length <= room)
            {
                piece = remaining;
                remaining = "";
            }
            else
            {
                var cut = remaining.LastIndexOf(' ', room);
                if (cut <= 0)
                {
                    cut = room;
                }
                piece = remaining[..cut];
                remaining = remaining[cut..].TrimStart();
            }
            o.Append(prefix).Append(colorAll ? s.Paint(piece, color) : piece).Append('\n');
            prefix = rest;
        }
        while (remaining.Length > 0);
    }

    private sealed class Symbols(RenderStyle style)
    {
        public const string Green = "32";
        public const string Yellow = "33";
        public const string Red = "31";
        public const string Dim = "2";

        public string Done { get; } = style.Unicode ? "✔" : "+";
        public string Current { get; } = style.Unicode ? "◌" : ">";
        public string Pending { get; } = style.Unicode ? "·" : "-";
        public string Failed { get; } = style.Unicode ? "✖" : "x";
        public string Warn { get; } = style.Unicode ? "⚠" : "!";
        public string Arrow { get; } = style.Unicode ? "→" : "->";
        public string Branch { get; } = style.Unicode ? "├─" : "|-";
        public string Last { get; } = style.Unicode ? "└─" : "`-";

        public string Paint(string text, string? color) => style.Color && color is not null && text.Length > 0 ? $"\u001b[{color}m{text}\u001b[0m" : text;
    }
}
