namespace Stepwise.Contracts.Protobuf;

/// <summary>Reserved numbers and names, shared by messages and enums: what was reserved stays reserved.</summary>
internal sealed partial class ProtobufComparer
{
    /// <summary>Every number and name reserved before is still reserved; how the ranges are written does not matter.</summary>
    private void CompareReserved(ProtobufRule rule, string kind, string fullName, List<(long Start, long End)> oldRanges, List<(long Start, long End)> newRanges,
        IEnumerable<string> oldNames, IList<string> newNames, SourcePosition at)
    {
        foreach (var (start, end) in oldRanges)
        {
            var lost = FirstUncovered(start, end, newRanges);
            if (lost is not null)
            {
                ReportBoth(rule, fullName,
                    $"Reserved numbers {start} to {end - 1} of {kind} {fullName} are no longer all reserved ({lost} is free).", at,
                    $"Once {lost} is reused, new readers misread what old writers sent under it.",
                    $"Once {lost} is reused, old readers misread what new writers send under it.");
            }
        }
        foreach (var name in oldNames)
        {
            if (!newNames.Contains(name))
            {
                ReportBoth(rule, fullName, $"Reserved name '{name}' of {kind} {fullName} is no longer reserved.", at,
                    $"Once '{name}' is reused, new JSON readers misread what old writers sent under it.",
                    $"Once '{name}' is reused, old JSON readers misread what new writers send under it.");
            }
        }
    }

    /// <summary>The first number in [start, end) that no range in <paramref name="ranges"/> (half-open) covers, or null.</summary>
    private static long? FirstUncovered(long start, long end, List<(long Start, long End)> ranges)
    {
        var next = start;
        foreach (var (s, e) in ranges.OrderBy(r => r.Start))
        {
            if (s > next)
            {
                break;
            }
            next = Math.Max(next, e);
            if (next >= end)
            {
                return null;
            }
        }
        return next < end ? next : null;
    }

    private static bool InRanges(int number, IEnumerable<(long Start, long End)> ranges) => ranges.Any(r => number >= r.Start && number < r.End);
}
