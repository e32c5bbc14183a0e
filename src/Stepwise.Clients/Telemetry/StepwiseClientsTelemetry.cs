using Stepwise.Clients.Middleware;
using Stepwise.Clients.Telemetry;

namespace Stepwise.Clients;

/// <summary>
/// The state of the client telemetry, for diagnostics (also published as metrics of the meter
/// <c>Stepwise.Clients</c>), and a way to ship counts now.
/// </summary>
public sealed class StepwiseClientsTelemetry
{
    private readonly ClientsRuntime runtime;
    private readonly TelemetryShipper shipper;

    internal StepwiseClientsTelemetry(ClientsRuntime runtime, TelemetryShipper shipper)
    {
        this.runtime = runtime;
        this.shipper = shipper;
    }

    /// <summary>True when a server is configured: calls are counted and shipped.</summary>
    public bool Enabled => shipper.Enabled;

    /// <summary>Calls dropped since start: new keys while the table was full, and batches the server refused as invalid.</summary>
    public long DroppedCalls => runtime.Calls?.DroppedTotal ?? 0;

    /// <summary>Dropped calls not yet reported in a batch's <c>dropped</c>.</summary>
    public long UnreportedDroppedCalls => runtime.Calls?.Unreported ?? 0;

    /// <summary>Distinct (app, version, operation) keys held now.</summary>
    public int BufferedKeys => runtime.Calls?.Keys ?? 0;

    /// <summary>Batches waiting for the server.</summary>
    public int PendingBatches => shipper.PendingBatches;

    /// <summary>When the server last took a batch.</summary>
    public DateTimeOffset? LastSentAt => shipper.LastSentAt;

    /// <summary>Why the last attempt failed, while the server does not take batches.</summary>
    public string? LastError => shipper.LastError;

    /// <summary>When the last policy from the server was applied.</summary>
    public DateTimeOffset? PolicyReceivedAt => runtime.Policy.ServerPolicyAt;

    /// <summary>Takes the counts so far and sends every waiting batch now, whatever the backoff.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default) => shipper.FlushAsync(force: true, cancellationToken);

    /// <summary>Asks the server for its policy now; false when it did not answer with one.</summary>
    public Task<bool> RefreshPolicyAsync(CancellationToken cancellationToken = default) => shipper.FetchPolicyAsync(cancellationToken);
}
