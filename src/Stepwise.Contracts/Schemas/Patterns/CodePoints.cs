namespace Stepwise.Contracts.Schemas.Patterns;

/// <summary>A set of Unicode code points: sorted, disjoint, non-adjacent inclusive ranges.</summary>
internal sealed class CodePoints
{
    public const int Max = 0x10FFFF;

    public static readonly CodePoints All = Of([(0, Max)]);

    public static readonly CodePoints None = Of([]);

    /// <summary>ECMAScript's <c>.</c>: everything but the line terminators.</summary>
    public static readonly CodePoints NotLineTerminator = Of([(0x0A, 0x0A), (0x0D, 0x0D), (0x2028, 0x2029)]).Complement();

    public static readonly CodePoints Digit = Of([('0', '9')]);

    public static readonly CodePoints Word = Of([('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')]);

    /// <summary>ECMAScript's <c>\s</c>: WhiteSpace and LineTerminator.</summary>
    public static readonly CodePoints Space = Of([(0x09, 0x0D), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000), (0xFEFF, 0xFEFF)]);

    private CodePoints(List<(int Lo, int Hi)> ranges) => Ranges = ranges;

    public IReadOnlyList<(int Lo, int Hi)> Ranges { get; }

    public static CodePoints Single(int codePoint) => Of([(codePoint, codePoint)]);

    public static CodePoints Of(IEnumerable<(int Lo, int Hi)> ranges)
    {
        var merged = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in ranges.OrderBy(r => r.Lo))
        {
            if (merged.Count > 0 && lo <= merged[^1].Hi + 1)
            {
                merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, hi));
            }
            else
            {
                merged.Add((lo, hi));
            }
        }
        return new CodePoints(merged);
    }

    public CodePoints Union(CodePoints other) => Of(Ranges.Concat(other.Ranges));

    public CodePoints Complement()
    {
        var result = new List<(int Lo, int Hi)>();
        var next = 0;
        foreach (var (lo, hi) in Ranges)
        {
            if (lo > next)
            {
                result.Add((next, lo - 1));
            }
            next = hi + 1;
        }
        if (next <= Max)
        {
            result.Add((next, Max));
        }
        return new CodePoints(result);
    }

    public bool Contains(int codePoint)
    {
        int low = 0, high = Ranges.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            if (codePoint < Ranges[mid].Lo)
            {
                high = mid - 1;
            }
            else if (codePoint > Ranges[mid].Hi)
            {
                low = mid + 1;
            }
            else
            {
                return true;
            }
        }
        return false;
    }
}
