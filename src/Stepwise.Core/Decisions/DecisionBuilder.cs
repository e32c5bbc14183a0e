using Stepwise.Core.Model;

namespace Stepwise.Core.Decisions;

/// <summary>
/// Collects the actions and refusals of one Decide call. Desired-release changes are merged per node and
/// emitted as one action per (service, release, rollout, reason), so a wave of 50,000 nodes is one action.
/// Refusals pass through the recorded overrides here, in one place.
/// </summary>
public sealed class DecisionBuilder(DecisionContext context)
{
    private readonly List<DecisionAction> actions = [];
    private readonly List<Refusal> refusals = [];
    private readonly Dictionary<(string Service, string Release, string? Rollout, string Reason), List<string>> desired = [];
    private readonly Dictionary<string, Alert> wantedAlerts = new(StringComparer.Ordinal);

    public DecisionContext Context { get; } = context;

    public void Add(DecisionAction action) => actions.Add(action);

    /// <summary>Tells a node to run a release, unless it is already told to.</summary>
    public void SetDesired(Node node, string release, string? rollout, string reason)
    {
        if (Context.DesiredOf(node) == release)
        {
            return;
        }
        Context.PendingDesired[node.Id] = release;
        var key = (node.Service, release, rollout, reason);
        if (!desired.TryGetValue(key, out var list))
        {
            desired[key] = list = [];
        }
        list.Add(node.Id);
    }

    /// <summary>
    /// Refuses unless a recorded override covers (guarantee, subject); returns true when refused.
    /// An override that sets a refusal aside is reported as a <see cref="UseOverride"/> action.
    /// </summary>
    public bool Refuse(Refusal refusal)
    {
        var match = Context.Snapshot.Overrides.FirstOrDefault(o => o.Guarantee == refusal.Guarantee && o.Subject == refusal.Subject);
        if (match is not null)
        {
            actions.Add(new UseOverride(match.Id, match.Guarantee, match.Subject, refusal.Describe(),
                $"override {match.Id} by {match.By}: {match.Reason}"));
            return false;
        }
        refusals.Add(refusal);
        return true;
    }

    /// <summary>True when a recorded override covers (guarantee, subject); the use is reported.</summary>
    public bool Overridden(GuaranteeId guarantee, string subject, string whatItSetsAside)
    {
        var match = Context.Snapshot.Overrides.FirstOrDefault(o => o.Guarantee == guarantee && o.Subject == subject);
        if (match is null)
        {
            return false;
        }
        actions.Add(new UseOverride(match.Id, guarantee, subject, whatItSetsAside, $"override {match.Id} by {match.By}: {match.Reason}"));
        return true;
    }

    /// <summary>
    /// Alerts are derived: every call says which alerts should be active now; Build raises the new ones and clears
    /// the ones no longer wanted once they have been quiet for the policy's quiet period, so an incident is raised once
    /// and cleared once however its condition flickers.
    /// </summary>
    public void WantAlert(Alert alert) => wantedAlerts[alert.Key] = alert;

    public Decisions Build()
    {
        var now = Context.Now;
        // By key, so the decisions do not depend on the order the store or the rules list alerts in.
        foreach (var alert in wantedAlerts.Values.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var existing = Context.Snapshot.Alerts.FirstOrDefault(a => a.Key == alert.Key);
            if (existing is null)
            {
                actions.Add(new RaiseAlert(alert with { Since = now, QuietSince = null }, "raised"));
            }
            else if (!existing.SameAs(alert) || existing.QuietSince is not null)
            {
                // The same incident: its words changed, or it came back within the quiet period.
                actions.Add(new RaiseAlert(alert with { Since = existing.Since ?? now, QuietSince = null }, existing.SameAs(alert) ? "holds again" : "updated", Update: true));
            }
        }
        foreach (var existing in Context.Snapshot.Alerts.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (wantedAlerts.ContainsKey(existing.Key))
            {
                continue;
            }
            if (existing.QuietSince is null)
            {
                actions.Add(new RaiseAlert(existing with { QuietSince = now }, "the condition is gone; clears after the quiet period", Update: true));
            }
            else if (now - existing.QuietSince.Value >= Context.Policy.QuietPeriod)
            {
                actions.Add(new ClearAlert(existing.Key, $"the condition has been gone for {Config.Durations.Format(Context.Policy.QuietPeriod)}", existing));
            }
        }
        var all = new List<DecisionAction>(actions.Count + desired.Count);
        foreach (var ((service, release, rollout, reason), nodes) in desired)
        {
            all.Add(new SetDesiredRelease(service, release, nodes, rollout, reason));
        }
        all.AddRange(actions);
        return new Decisions(all, refusals);
    }
}
