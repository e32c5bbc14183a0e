using System.Globalization;

namespace Stepwise.Core.Analysis;

/// <summary>Number formatting for reasons and summaries: invariant culture, six significant digits.</summary>
internal static class Text
{
    public static string Number(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    public static string Signed(double value) => (value > 0 ? "+" : string.Empty) + Number(value);

    public static string Percent(double fraction) => Number(fraction * 100) + "%";

    public static string PValue(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}
