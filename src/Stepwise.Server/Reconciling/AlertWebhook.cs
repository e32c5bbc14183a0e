using System.Threading.Channels;
using Stepwise.Core.Model;

namespace Stepwise.Server.Reconciling;

/// <summary>One alert notification as POSTed to the webhook.</summary>
/// <param name="Event">"raised" or "cleared".</param>
/// <param name="Message">The alert's message (for "cleared", the alert as it was raised).</param>
/// <param name="Reason">Why it was raised or cleared.</param>
/// <param name="Since">When the incident started.</param>
public sealed record AlertNotification(string Event, string Key, AlertSeverity? Severity, string? Guarantee, string Message, DateTimeOffset At, string? Reason = null, DateTimeOffset? Since = null)
{
    public static AlertNotification Raised(Alert alert, DateTimeOffset at) =>
        new("raised", alert.Key, alert.Severity, alert.Guarantee?.ToString(), alert.Message, at, "raised", alert.Since);

    public static AlertNotification Cleared(Core.Decisions.ClearAlert clear, DateTimeOffset at) =>
        new("cleared", clear.Key, clear.Alert?.Severity, clear.Alert?.Guarantee?.ToString(), clear.Alert?.Message ?? clear.Reason, at, clear.Reason, clear.Alert?.Since);
}

/// <summary>
/// Sends alert notifications to <c>--alert-webhook</c> as JSON POSTs, in order, each retried with backoff
/// (5 attempts: 0.5 s, 1 s, 2 s, 4 s between them). Alerts are also in the event log, so a webhook outage loses nothing.
/// </summary>
public sealed class AlertWebhook(Uri? target, HttpClient http, ILogger<AlertWebhook> log)
{
    public const int Attempts = Delivery.Attempts;

    private readonly Channel<AlertNotification> queue = Channel.CreateBounded<AlertNotification>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public bool Enabled => target is not null;

    public void Enqueue(AlertNotification notification)
    {
        if (target is not null)
        {
            queue.Writer.TryWrite(notification);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (target is null)
        {
            return;
        }
        await foreach (var notification in queue.Reader.ReadAllAsync(cancellationToken))
        {
            await Delivery.PostAsync(http, target, notification, SnapshotJson.Options, "alert webhook", notification.Key, log, cancellationToken);
        }
    }
}
