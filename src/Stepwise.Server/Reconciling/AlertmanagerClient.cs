using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Server.Reconciling;

/// <summary>One alert as Alertmanager's v2 API takes it (<c>POST /api/v2/alerts</c>, a list of these).</summary>
public sealed record PostableAlert(
    [property: JsonPropertyName("labels")] IReadOnlyDictionary<string, string> Labels,
    [property: JsonPropertyName("annotations")] IReadOnlyDictionary<string, string> Annotations,
    [property: JsonPropertyName("startsAt")] DateTimeOffset StartsAt,
    [property: JsonPropertyName("endsAt")] DateTimeOffset EndsAt);

/// <summary>
/// Sends the leader's alerts to one or more Alertmanagers (<c>--alertmanager</c>) the way Prometheus does: every alert
/// in force is sent whenever the alerts change and at least every <see cref="ResendEvery"/>, each with an end
/// <see cref="Lease"/> ahead, so Alertmanager resolves it by itself if Stepwise stops sending; an alert that clears is
/// sent once more with its end set to now, which resolves it. Every Alertmanager of a cluster gets every batch (they
/// deduplicate among themselves). Alerts are also in the event log, so an Alertmanager outage loses nothing.
/// </summary>
public sealed class AlertmanagerClient(IReadOnlyList<Uri> targets, HttpClient http, ILogger<AlertmanagerClient> log)
{
    public static readonly TimeSpan ResendEvery = TimeSpan.FromMinutes(1);

    /// <summary>How long a firing alert holds in Alertmanager without being sent again (four resends, as Prometheus).</summary>
    public static readonly TimeSpan Lease = 4 * ResendEvery;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // A batch carries every alert in force, so when batches pile up behind a slow Alertmanager the oldest can go.
    private readonly Channel<List<PostableAlert>> queue = Channel.CreateBounded<List<PostableAlert>>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });

    // The labels last sent for each alert key: what resolves it when it clears, or when its labels change.
    private readonly Dictionary<string, PostableAlert> sent = new(StringComparer.Ordinal);
    private DateTimeOffset? lastSent;

    public bool Enabled => targets.Count > 0;

    /// <summary>
    /// After a tick of the leader: <paramref name="active"/> are the alerts now in force, <paramref name="actions"/> what
    /// the tick decided; <paramref name="serviceOf"/> names the service an alert's subject (a rollout, service or node)
    /// belongs to. Queues a batch when an alert was raised, changed or cleared, or a resend is due.
    /// </summary>
    public void Observe(IReadOnlyList<Alert> active, IEnumerable<DecisionAction> actions, Func<string, string?> serviceOf, DateTimeOffset now)
    {
        if (!Enabled)
        {
            return;
        }
        var cleared = actions.OfType<ClearAlert>().ToList();
        var changed = cleared.Count > 0 || actions.Any(a => a is RaiseAlert);
        if (!changed && lastSent is { } last && now - last < ResendEvery && now >= last)
        {
            return;
        }
        lastSent = now;
        var batch = new List<PostableAlert>();
        var inForce = new HashSet<string>(StringComparer.Ordinal);
        foreach (var alert in active)
        {
            inForce.Add(alert.Key);
            var firing = Postable(alert.Key, alert.Severity, alert.Guarantee, alert.Message, serviceOf, alert.Since ?? now, now + Lease);
            if (sent.TryGetValue(alert.Key, out var before) && !SameLabels(before.Labels, firing.Labels))
            {
                // A new label set is a new alert to Alertmanager: end the old one.
                batch.Add(Resolved(before, now));
            }
            sent[alert.Key] = firing;
            batch.Add(firing);
        }
        foreach (var key in sent.Keys.Where(k => !inForce.Contains(k)).ToList())
        {
            batch.Add(Resolved(sent[key], now));
            sent.Remove(key);
        }
        // Cleared before this replica sent it (it took over leadership this tick): resolve it from the decision.
        foreach (var clear in cleared.Where(c => c.Alert is not null && !inForce.Contains(c.Key) && !batch.Any(b => b.Labels["key"] == c.Key)))
        {
            var alert = clear.Alert!;
            batch.Add(Resolved(Postable(alert.Key, alert.Severity, alert.Guarantee, alert.Message, serviceOf, alert.Since ?? now, now), now));
        }
        if (batch.Count > 0)
        {
            queue.Writer.TryWrite(batch);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return;
        }
        await foreach (var batch in queue.Reader.ReadAllAsync(cancellationToken))
        {
            var what = $"{batch.Count} alert(s)";
            await Task.WhenAll(targets.Select(t => Delivery.PostAsync(http, new Uri(t, "api/v2/alerts"), batch, Json, $"alertmanager {t}", what, log, cancellationToken)));
        }
    }

    /// <summary>
    /// An alert's labels: <c>alertname</c> (Stepwise and the key's kind, <c>rolled-back:…</c> → <c>StepwiseRolledBack</c>),
    /// <c>key</c> (the incident), <c>severity</c>, <c>guarantee</c> (<c>none</c> when it has none) and, when known,
    /// <c>service</c>. The message is the <c>summary</c> annotation.
    /// </summary>
    public static PostableAlert Postable(string key, AlertSeverity severity, GuaranteeId? guarantee, string message, Func<string, string?> serviceOf, DateTimeOffset startsAt, DateTimeOffset endsAt)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        var (kind, subject) = colon < 0 ? (key, "") : (key[..colon], key[(colon + 1)..]);
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["alertname"] = AlertName(kind),
            ["key"] = key,
            ["severity"] = Names.Of(severity),
            ["guarantee"] = guarantee?.ToString() ?? "none",
        };
        if (subject.Length > 0 && serviceOf(subject) is { Length: > 0 } service)
        {
            labels["service"] = service;
        }
        return new PostableAlert(labels, new Dictionary<string, string>(StringComparer.Ordinal) { ["summary"] = message }, startsAt, endsAt);
    }

    /// <summary><c>rolled-back</c> → <c>StepwiseRolledBack</c>.</summary>
    public static string AlertName(string kind) =>
        "Stepwise" + string.Concat(kind.Split('-', StringSplitOptions.RemoveEmptyEntries).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static PostableAlert Resolved(PostableAlert alert, DateTimeOffset now) =>
        alert with { EndsAt = now < alert.StartsAt ? alert.StartsAt : now };

    private static bool SameLabels(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
