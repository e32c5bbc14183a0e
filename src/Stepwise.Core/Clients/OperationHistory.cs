using Stepwise.Core.Model;

namespace Stepwise.Core.Clients;

/// <summary>An operation a release no longer provides, and the first release without it.</summary>
public sealed record RemovedOperation(string Operation, string RemovedIn);

/// <summary>An operation a release still provides but deprecates, and the first release that deprecated it.</summary>
public sealed record DeprecatedOperation(string Operation, string DeprecatedIn);

/// <summary>
/// What a service's releases say about its operations as seen from one release (the client policy the server pushes
/// to the Stepwise.Clients middleware, G8): derived from the releases' provides and deprecates, never stored. Pure.
/// </summary>
public static class OperationHistory
{
    /// <summary>Operations an earlier release provided that <paramref name="release"/> does not, each with the release that dropped it.</summary>
    public static IReadOnlyList<RemovedOperation> Removed(Service service, Release release)
    {
        var result = new List<RemovedOperation>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < release.Ordinal; i++)
        {
            foreach (var op in service.Releases[i].Provides)
            {
                if (release.Provides.Contains(op, StringComparer.Ordinal) || !seen.Add(op))
                {
                    continue;
                }
                // The release after the last one (up to this release) that still provided it.
                var last = i;
                for (var j = i + 1; j < release.Ordinal; j++)
                {
                    if (service.Releases[j].Provides.Contains(op, StringComparer.Ordinal))
                    {
                        last = j;
                    }
                }
                result.Add(new RemovedOperation(op, service.Releases[last + 1].Version));
            }
        }
        return result;
    }

    /// <summary>Operations <paramref name="release"/> provides that it or an earlier release deprecates, each with the first release that did.</summary>
    public static IReadOnlyList<DeprecatedOperation> Deprecated(Service service, Release release)
    {
        var result = new List<DeprecatedOperation>();
        foreach (var op in release.Provides.Distinct(StringComparer.Ordinal))
        {
            for (var i = 0; i <= release.Ordinal; i++)
            {
                if (service.Releases[i].Deprecates.Contains(op, StringComparer.Ordinal))
                {
                    result.Add(new DeprecatedOperation(op, service.Releases[i].Version));
                    break;
                }
            }
        }
        return result;
    }
}
