namespace Stepwise.Core.Model;

/// <summary>The guarantees (ARCHITECTURE.md §1). Ids and names are compatibility promises: pinned by a stability test.</summary>
public enum GuaranteeId
{
    G1 = 1,
    G2 = 2,
    G3 = 3,
    G4 = 4,
    G5 = 5,
    G6 = 6,
    G7 = 7,
    G8 = 8,
}

public static class GuaranteeIds
{
    /// <summary>The stable kebab-case name of a guarantee, e.g. "version-window".</summary>
    public static string Name(this GuaranteeId id) => id switch
    {
        GuaranteeId.G1 => "version-window",
        GuaranteeId.G2 => "stale-node",
        GuaranteeId.G3 => "data-before-code",
        GuaranteeId.G4 => "contract-after-code",
        GuaranteeId.G5 => "one-change-at-a-time",
        GuaranteeId.G6 => "compatible-contracts",
        GuaranteeId.G7 => "rollback-rehearsed",
        GuaranteeId.G8 => "old-clients",
        _ => throw new ArgumentOutOfRangeException(nameof(id), id, "unknown guarantee"),
    };

    /// <summary>"G1 version-window".</summary>
    public static string Label(this GuaranteeId id) => $"{id} {id.Name()}";

    /// <summary>Parses "G1", "g1" or "version-window".</summary>
    public static bool TryParse(string text, out GuaranteeId id)
    {
        foreach (var candidate in Enum.GetValues<GuaranteeId>())
        {
            if (string.Equals(text, candidate.ToString(), StringComparison.OrdinalIgnoreCase) ||
                string.Equals(text, candidate.Name(), StringComparison.OrdinalIgnoreCase))
            {
                id = candidate;
                return true;
            }
        }
        id = default;
        return false;
    }
}
