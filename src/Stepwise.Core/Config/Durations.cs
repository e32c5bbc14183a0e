using System.Globalization;

namespace Stepwise.Core.Config;

/// <summary>Durations as people write them in stepwise.yaml: "500ms", "30s", "10m", "2h", "7d", or combined ("1h30m").</summary>
public static class Durations
{
    /// <summary>The longest duration read: ten years. Anything longer is a mistake, and would overflow a clock.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(3650);

    /// <summary>What reading a duration found.</summary>
    public enum Outcome
    {
        Ok = 0,
        Malformed = 1,
        TooLong = 2,
    }

    /// <summary>Parses a duration of at most <see cref="Max"/>; false for anything else (malformed or too long).</summary>
    public static bool TryParse(string text, out TimeSpan value) => Read(text, out value) == Outcome.Ok;

    /// <summary>Reads a duration, saying whether it was malformed or longer than <see cref="Max"/>. Never throws.</summary>
    public static Outcome Read(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return Outcome.Malformed;
        }
        if (s == "0")
        {
            return Outcome.Ok;
        }
        var totalMs = 0.0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            if (start == i || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
            {
                return Outcome.Malformed;
            }
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }
            double unit;
            switch (s[unitStart..i])
            {
                case "ms": unit = 1; break;
                case "s": unit = 1_000; break;
                case "m": unit = 60_000; break;
                case "h": unit = 3_600_000; break;
                case "d": unit = 86_400_000; break;
                default: return Outcome.Malformed;
            }
            // Summed as doubles and compared before converting: TimeSpan arithmetic overflows far below double's range.
            totalMs += number * unit;
        }
        if (!double.IsFinite(totalMs) || totalMs > Max.TotalMilliseconds)
        {
            return Outcome.TooLong;
        }
        value = TimeSpan.FromMilliseconds(totalMs);
        return Outcome.Ok;
    }

    /// <summary>The shortest form TryParse reads back: "90s" → "1m30s".</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }
        var parts = new List<string>();
        if (value.Days > 0) { parts.Add($"{value.Days}d"); }
        if (value.Hours > 0) { parts.Add($"{value.Hours}h"); }
        if (value.Minutes > 0) { parts.Add($"{value.Minutes}m"); }
        if (value.Seconds > 0) { parts.Add($"{value.Seconds}s"); }
        if (value.Milliseconds > 0) { parts.Add($"{value.Milliseconds}ms"); }
        return string.Concat(parts);
    }
}
