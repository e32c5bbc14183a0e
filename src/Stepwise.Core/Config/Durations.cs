using System.Globalization;

namespace Stepwise.Core.Config;

/// <summary>Durations as people write them in stepwise.yaml: "500ms", "30s", "10m", "2h", "7d", or combined ("1h30m").</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim();
        if (s.Length == 0)
        {
            return false;
        }
        if (s == "0")
        {
            return true;
        }
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            if (start == i || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }
            var unitStart = i;
            while (i < s.Length && char.IsAsciiLetter(s[i]))
            {
                i++;
            }
            TimeSpan part;
            switch (s[unitStart..i])
            {
                case "ms": part = TimeSpan.FromMilliseconds(number); break;
                case "s": part = TimeSpan.FromSeconds(number); break;
                case "m": part = TimeSpan.FromMinutes(number); break;
                case "h": part = TimeSpan.FromHours(number); break;
                case "d": part = TimeSpan.FromDays(number); break;
                default: return false;
            }
            total += part;
        }
        value = total;
        return true;
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
