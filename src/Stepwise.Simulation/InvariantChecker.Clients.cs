using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// G8 old-clients, from what clients really called (<see cref="ClientPopulationState"/>, call times rather than the
/// controller's telemetry), the releases as declared, the client policy in force in the controller's configuration and
/// the overrides it recorded. A caller counts when it called within the telemetry window and its app's minimum version
/// in force does not already cut it off. An override counts when it names G8, the subject, and a reason.
/// </summary>
internal sealed partial class InvariantChecker
{
    private readonly ClientPopulationState? clients;
    private IReadOnlyList<MinimumVersion> minimums;

    private TimeSpan ClientWindow => world.Config.Policy.Retention.ClientTelemetry;

    /// <summary>
    /// G8: a node serving an operation is told to run a release that no longer provides it (one an earlier release of
    /// the service provided, so not a rollback) only when an earlier release deprecated it and no client called it
    /// within the window, unless an override of "rollout S@V" is recorded.
    /// </summary>
    private void CheckRemoval(SetDesiredRelease a)
    {
        var s = serviceIndex[a.Service];
        var releases = services[s].Releases;
        var to = services[s].Find(a.Release);
        if (to is null || to.Provides.Count == 0)
        {
            return; // a release that declares no operations says nothing about what it serves
        }
        var taken = new SortedSet<string>(StringComparer.Ordinal);
        for (var r = 0; r < releases.Count; r++)
        {
            if (serving[s][r] == 0)
            {
                continue;
            }
            foreach (var op in releases[r].Provides)
            {
                if (!to.Provides.Contains(op) && releases.Take(to.Ordinal).Any(e => e.Provides.Contains(op)))
                {
                    taken.Add(op);
                }
            }
        }
        foreach (var op in taken)
        {
            Removal($"rollout {to}", $"{a.Nodes.Count} {a.Service} node(s) serving '{op}' were told to run {to.Version}, which no longer provides it", s, to, op);
        }
    }

    /// <summary>G8: a registered release drops an operation of the release before it only under the same conditions (override "release S@V").</summary>
    private void CheckRegistration(RegisterRelease a)
    {
        var s = serviceIndex[a.Service];
        var release = services[s].Find(a.Release.Version);
        if (release is null || release.Ordinal == 0 || release.Provides.Count == 0)
        {
            return;
        }
        var previous = services[s].Releases[release.Ordinal - 1];
        foreach (var op in previous.Provides.Where(op => !release.Provides.Contains(op)).Distinct().Order(StringComparer.Ordinal))
        {
            Removal($"release {release}", $"{release} was registered though it drops '{op}' of {previous.Version}", s, release, op);
        }
    }

    private void Removal(string subject, string what, int s, Release release, string op)
    {
        if (Overridden(subject))
        {
            return;
        }
        if (!services[s].Releases.Take(release.Ordinal).Any(r => r.Deprecates.Contains(op)))
        {
            Violate(GuaranteeId.G8, $"{what}: no release before it deprecated it (no override \"{subject}\")");
        }
        var callers = Callers(services[s].Name, op);
        if (callers.Count > 0)
        {
            Violate(GuaranteeId.G8, $"{what}, while clients called it within {ClientWindow.TotalMinutes:0} min (no override \"{subject}\"): {Describe(callers, v => v.LastCalled(op))}");
        }
    }

    /// <summary>
    /// G8: an app's minimum version in force rises only when no version between the old and the new minimum called
    /// within the window, unless an override of "minimum-version APP VERSION" is recorded.
    /// </summary>
    private void CheckMinimumVersions()
    {
        var current = state.Config.Policy.ClientRules.MinimumVersions;
        if (clients is null || ReferenceEquals(current, minimums))
        {
            return;
        }
        var since = Now - ClientWindow;
        foreach (var m in current)
        {
            var raised = clients.RankOf(m.App, m.Version);
            var old = minimums.FirstOrDefault(x => x.App == m.App) is { } before ? clients.RankOf(m.App, before.Version) : -1;
            if (raised <= old)
            {
                continue;
            }
            var stranded = clients.Versions.Where(v => v.App == m.App && v.Rank >= old && v.Rank < raised && v.LastCalledAny() > since).ToList();
            var subject = $"minimum-version {m.App} {m.Version}";
            if (stranded.Count > 0 && !Overridden(subject))
            {
                Violate(GuaranteeId.G8, $"the minimum version of {m.App} was raised to {m.Version} while older versions called within {ClientWindow.TotalMinutes:0} min (no override \"{subject}\"): {Describe(stranded, v => v.LastCalledAny())}");
            }
        }
        minimums = current;
    }

    /// <summary>The client versions that called <paramref name="op"/> of <paramref name="service"/> within the window and are not below their app's minimum in force.</summary>
    private List<ClientVersionState> Callers(string service, string op)
    {
        if (clients is null || service != SimWorld.ServiceName(0))
        {
            return [];
        }
        var since = Now - ClientWindow;
        var rules = state.Config.Policy.ClientRules;
        return [.. clients.Versions.Where(v => v.LastCalled(op) > since && !(rules.MinimumOf(v.App) is { } min && v.Rank < clients.RankOf(v.App, min)))];
    }

    private bool Overridden(string subject) =>
        state.Overrides.Any(o => o.Guarantee == GuaranteeId.G8 && o.Subject == subject && !string.IsNullOrWhiteSpace(o.Reason));

    private static string Describe(IEnumerable<ClientVersionState> versions, Func<ClientVersionState, DateTimeOffset?> last) =>
        string.Join(", ", versions.Select(v => $"{v.App} {v.Version} (last at {last(v):HH:mm:ss})"));
}
