namespace Stepwise.Simulation;

/// <summary>The faults a simulation injects. Combine with |; <see cref="All"/> is every one.</summary>
[Flags]
public enum FaultProfile
{
    None = 0,

    /// <summary>Random nodes crash and restart; some come back re-imaged on their service's oldest release.</summary>
    Crashes = 1 << 0,

    /// <summary>A few nodes go offline during the first push, are decommissioned, and return much later on their old release.</summary>
    Stale = 1 << 1,

    /// <summary>Groups of agents lose the controller for a while (desired releases sent meanwhile are dropped).</summary>
    Partitions = 1 << 2,

    /// <summary>A share of nodes installs releases ten times slower than the rest.</summary>
    Slow = 1 << 3,

    /// <summary>The operator rolls out a release whose canary has more errors and higher latency: analysis must roll it back.</summary>
    BadCanary = 1 << 4,

    /// <summary>The controller goes down and restarts from its serialized snapshot.</summary>
    ControllerRestart = 1 << 5,

    /// <summary>The operator tries the forbidden moves: N+2 early, contract early, code before its data, two dependent services at once, promotion before the rehearsal.</summary>
    Forbidden = 1 << 6,

    /// <summary>
    /// With <see cref="SimulationOptions.Prometheus"/>: the simulated Prometheus goes down for a few minutes, fails
    /// single queries (an error answer, a timeout) and sometimes answers with the series of only some nodes.
    /// </summary>
    QueryFailures = 1 << 7,

    All = Crashes | Stale | Partitions | Slow | BadCanary | ControllerRestart | Forbidden | QueryFailures,
}

/// <summary>The names of fault profiles as the command line spells them.</summary>
public static class FaultProfiles
{
    private static readonly (string Name, FaultProfile Profile)[] Names =
    [
        ("none", FaultProfile.None),
        ("crashes", FaultProfile.Crashes),
        ("stale", FaultProfile.Stale),
        ("partitions", FaultProfile.Partitions),
        ("slow", FaultProfile.Slow),
        ("bad-canary", FaultProfile.BadCanary),
        ("controller-restart", FaultProfile.ControllerRestart),
        ("forbidden", FaultProfile.Forbidden),
        ("query-failures", FaultProfile.QueryFailures),
        ("all", FaultProfile.All),
    ];

    /// <summary>Every accepted name, in documentation order.</summary>
    public static IReadOnlyList<string> Known { get; } = [.. Names.Select(n => n.Name)];

    /// <summary>Parses a comma-separated list of profile names ("crashes,partitions" or "all").</summary>
    public static bool TryParse(string text, out FaultProfile profile, out string error)
    {
        profile = FaultProfile.None;
        error = "";
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            error = $"no fault profile given; use one or more of {string.Join(", ", Known)}";
            return false;
        }
        foreach (var part in parts)
        {
            var match = Names.FirstOrDefault(n => string.Equals(n.Name, part, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
            {
                error = $"unknown fault profile '{part}'; use one or more of {string.Join(", ", Known)} (comma-separated)";
                return false;
            }
            profile |= match.Profile;
        }
        return true;
    }

    /// <summary>"crashes,stale" — the names of the profiles set, or "none".</summary>
    public static string Describe(FaultProfile profile)
    {
        if (profile == FaultProfile.All)
        {
            return "all";
        }
        var names = Names.Where(n => n.Profile != FaultProfile.None && n.Profile != FaultProfile.All && profile.HasFlag(n.Profile)).Select(n => n.Name).ToList();
        return names.Count == 0 ? "none" : string.Join(",", names);
    }
}
