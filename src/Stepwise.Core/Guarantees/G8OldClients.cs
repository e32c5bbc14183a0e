using Stepwise.Core.Clients;
using Stepwise.Core.Config;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>
/// G8 old-clients: an operation is removed only when no client still calls it, and a client is cut off only on purpose.
/// <list type="bullet">
/// <item>Registering, or rolling out, a release that no longer provides an operation its predecessor provided (the
/// newest earlier release for a registration, the release the service runs for a rollout; a release that declares no
/// operations removes none) is refused
/// while a client called that operation within <c>policy.retention.clientTelemetry</c> (clients already below their
/// app's minimum version get the typed 426 anyway and do not count), or while no earlier release deprecated it.</item>
/// <item>Raising an app's minimum version (<c>policy.clients.minimumVersions</c>) is refused while clients between the old
/// and the new minimum called the service within the window: they would get the 426 from then on.</item>
/// </list>
/// Refusals list the client apps, their versions and call counts. Each can be set aside only by a recorded override
/// (subjects "release S@V", "rollout S@V", "minimum-version APP VERSION").
/// </summary>
public class G8OldClients : Guarantee
{
    public override GuaranteeId Id => GuaranteeId.G8;

    public override bool CheckRegistration(DecisionBuilder builder, RegistrationProposal proposal)
    {
        var earlier = proposal.Earlier.ToList();
        return earlier.Count > 0 && CheckRemoval(builder, proposal.Subject, earlier[0], proposal.Release, earlier, proposal.Request, null);
    }

    public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal)
    {
        if (proposal.To.Ordinal <= proposal.From.Ordinal)
        {
            return false; // a rollback brings back what was served before
        }
        var earlier = proposal.Service.Service.Releases.Take(proposal.To.Ordinal).Reverse().ToList();
        return CheckRemoval(builder, proposal.Subject, proposal.From, proposal.To, earlier, proposal.Request, proposal.Plan);
    }

    /// <summary>
    /// The operations <paramref name="previous"/> provides and <paramref name="next"/> does not. A release that declares
    /// no operations at all says nothing about what it serves: it removes nothing.
    /// </summary>
    public static IReadOnlyList<string> Removed(Release previous, Release next) => next.Provides.Count == 0 ? [] :
        previous.Provides.Where(op => !next.Provides.Contains(op, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// The calls that still count against removing <paramref name="operations"/> of <paramref name="service"/> at
    /// <paramref name="now"/>: within the window, from clients not already below their app's minimum version.
    /// </summary>
    public static IReadOnlyList<ClientCalls> LiveCallers(Snapshot snapshot, string service, IReadOnlyCollection<string> operations, DateTimeOffset now)
    {
        var since = now - snapshot.Config.Policy.Retention.ClientTelemetry;
        var rules = snapshot.Config.Policy.ClientRules;
        return snapshot.ClientTelemetry
            .Where(c => c.Service == service && c.Calls > 0 && c.LastSeen > since && operations.Contains(c.Operation) &&
                        !(rules.MinimumOf(c.App) is { } minimum && ClientVersions.Below(c.Version, minimum)))
            .OrderByDescending(c => c.Calls).ThenBy(c => c.App, StringComparer.Ordinal).ThenBy(c => c.Version, StringComparer.Ordinal)
            .ThenBy(c => c.Operation, StringComparer.Ordinal)
            .ToList();
    }

    private bool CheckRemoval(DecisionBuilder builder, string subject, Release previous, Release next, IReadOnlyList<Release> earlier, string? request, string? plan)
    {
        var removed = Removed(previous, next);
        if (removed.Count == 0)
        {
            return false;
        }
        var ctx = builder.Context;
        var window = ctx.Policy.Retention.ClientTelemetry;
        var undeprecated = removed.Where(op => !earlier.Any(r => r.Deprecates.Contains(op, StringComparer.Ordinal))).ToList();
        var callers = LiveCallers(ctx.Snapshot, next.Service, removed, ctx.Now);
        if (undeprecated.Count == 0 && callers.Count == 0)
        {
            return false;
        }
        var blockers = new List<Blocker>();
        blockers.AddRange(undeprecated.Select(op => new Blocker(BlockerKind.Release, previous.ToString(), $"{op} is removed by {next} but no release before it deprecated it")));
        blockers.AddRange(callers.Select(c => new Blocker(BlockerKind.Client, $"{c.App} {c.Version}",
            $"{c.App} {c.Version}: {Calls(c.Calls)} to {c.Operation}, last at {c.LastSeen:yyyy-MM-ddTHH:mm:ssZ}")));
        var parts = new List<string>();
        if (callers.Count > 0)
        {
            parts.Add($"clients still call {List(callers.Select(c => c.Operation).Distinct().ToList())} (within policy.retention.clientTelemetry, {Durations.Format(window)}): {Describe(callers)}");
        }
        if (undeprecated.Count > 0)
        {
            parts.Add($"no release before it deprecated {List(undeprecated)}");
        }
        var unblock = new List<string>();
        if (callers.Count > 0)
        {
            var last = callers.Max(c => c.LastSeen);
            unblock.Add($"have those clients upgrade, or wait until none has called for {Durations.Format(window)} (the last call was at {last:yyyy-MM-ddTHH:mm:ssZ}: not before {last + window:yyyy-MM-ddTHH:mm:ssZ}), or raise their minimum version in policy.clients.minimumVersions so they get the typed upgrade-required answer");
        }
        if (undeprecated.Count > 0)
        {
            unblock.Add($"deprecate {List(undeprecated)} in a release before {next.Version} (its 'deprecates' list) and remove it in a later one");
        }
        unblock.Add($"or record an override (guarantee G8, subject \"{subject}\") with the reason");
        return builder.Refuse(Refusal(subject, $"{next} removes {Plural(removed.Count, "operation", "operations")} of {previous}: {string.Join("; ", parts)}",
            blockers, string.Join("; ", unblock), request, plan));
    }

    /// <summary>
    /// Checks a new client policy against the one in force: raising an app's minimum version is refused while clients
    /// between the old and the new minimum called any service within the window. Returns true when it refused.
    /// </summary>
    public virtual bool CheckMinimumVersions(DecisionBuilder builder, ClientPolicy before, ClientPolicy after, string? request = null)
    {
        var ctx = builder.Context;
        var window = ctx.Policy.Retention.ClientTelemetry;
        var since = ctx.Now - window;
        var refused = false;
        foreach (var minimum in after.MinimumVersions)
        {
            var old = before.MinimumOf(minimum.App);
            if (old is not null && ClientVersions.Compare(minimum.Version, old) <= 0)
            {
                continue; // lowered or unchanged: nobody is cut off
            }
            var stranded = ctx.Snapshot.ClientTelemetry
                .Where(c => c.App == minimum.App && c.Calls > 0 && c.LastSeen > since && ClientVersions.Below(c.Version, minimum.Version) &&
                            !(old is not null && ClientVersions.Below(c.Version, old)))
                .OrderByDescending(c => c.Calls).ThenBy(c => c.Version, StringComparer.Ordinal).ThenBy(c => c.Service, StringComparer.Ordinal)
                .ThenBy(c => c.Operation, StringComparer.Ordinal).ToList();
            if (stranded.Count == 0)
            {
                continue;
            }
            var subject = MinimumVersionSubject(minimum.App, minimum.Version);
            var blockers = stranded.Select(c => new Blocker(BlockerKind.Client, $"{c.App} {c.Version}",
                $"{c.App} {c.Version}: {Calls(c.Calls)} to {c.Service} {c.Operation}, last at {c.LastSeen:yyyy-MM-ddTHH:mm:ssZ}"));
            var last = stranded.Max(c => c.LastSeen);
            refused |= builder.Refuse(Refusal(subject,
                $"raising the minimum version of {minimum.App} {(old is null ? "" : $"from {old} ")}to {minimum.Version} cuts off clients that still call (within policy.retention.clientTelemetry, {Durations.Format(window)}): {Describe(stranded)}",
                blockers,
                $"have those clients upgrade, or wait until none below {minimum.Version} has called for {Durations.Format(window)} (not before {last + window:yyyy-MM-ddTHH:mm:ssZ}); or record an override (guarantee G8, subject \"{subject}\") with the reason",
                request, null));
        }
        return refused;
    }

    /// <summary>The subject an override of a minimum-version refusal names: "minimum-version ios-app 4.0.0".</summary>
    public static string MinimumVersionSubject(string app, string version) => $"minimum-version {app} {version}";

    /// <summary>
    /// Decides a change of the client policy on its own (the server calls it before it saves a new stepwise.yaml):
    /// the refusals, and the overrides that set refusals aside as <see cref="UseOverride"/> actions.
    /// </summary>
    public static Decisions.Decisions CheckPolicyChange(Snapshot snapshot, DateTimeOffset now, ClientPolicy after, GuaranteeSet? guarantees = null)
    {
        guarantees ??= GuaranteeSet.Default;
        var builder = new DecisionBuilder(new DecisionContext(snapshot, now, guarantees));
        guarantees.G8.CheckMinimumVersions(builder, snapshot.Config.Policy.ClientRules, after);
        return builder.Build();
    }

    /// <summary>"old-client 1.x (42 calls: 1.0.0 40, 1.1.0 2), ios-app 4.x (3 calls)".</summary>
    public static string Describe(IReadOnlyList<ClientCalls> calls)
    {
        var lines = calls
            .GroupBy(c => (c.App, Line: ClientVersions.MajorLine(c.Version)))
            .Select(g => (g.Key, Total: Sum(g.Select(c => c.Calls)), Versions: g.GroupBy(c => c.Version).Select(v => (v.Key, Sum(v.Select(c => c.Calls)))).OrderByDescending(v => v.Item2).ToList()))
            .OrderByDescending(x => x.Total).ThenBy(x => x.Key.App, StringComparer.Ordinal).ToList();
        var shown = lines.Take(5).Select(x => $"{x.Key.App} {x.Key.Line} ({Calls(x.Total)}" +
            (x.Versions.Count > 1 || x.Versions[0].Key != x.Key.Line ? ": " + string.Join(", ", x.Versions.Take(4).Select(v => $"{v.Key} {v.Item2:N0}")) + (x.Versions.Count > 4 ? ", ..." : "") : "") + ")");
        return string.Join(", ", shown) + (lines.Count > 5 ? $" and {lines.Count - 5} more" : "");
    }

    private static string Calls(long n) => n == 1 ? "1 call" : $"{n:N0} calls";

    /// <summary>Sums counts without overflowing (saturates at <see cref="long.MaxValue"/>).</summary>
    private static long Sum(IEnumerable<long> values)
    {
        long total = 0;
        foreach (var v in values)
        {
            total = v > long.MaxValue - total ? long.MaxValue : total + v;
        }
        return total;
    }
}
