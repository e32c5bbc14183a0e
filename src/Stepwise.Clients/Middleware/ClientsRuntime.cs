using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Stepwise.Clients.Identity;
using Stepwise.Clients.Operations;
using Stepwise.Clients.Policy;
using Stepwise.Clients.Telemetry;

namespace Stepwise.Clients.Middleware;

/// <summary>The state the middleware and the telemetry loop share: one per service provider.</summary>
internal sealed class ClientsRuntime
{
    public const string MeterName = "Stepwise.Clients";

    public ClientsRuntime(IOptions<StepwiseClientsOptions> options, TimeProvider time, IMeterFactory meters)
    {
        Options = options.Value;
        Time = time;
        Identities = new ClientIdentityReader(Options.HeaderName, Options.UserAgentFallback);
        Operations = new OperationResolver();
        Policy = new PolicyStore(Options.Policy, time);
        Calls = Options.Server is null ? null : new CallTable(Options.MaxKeys);
        var meter = meters.Create(MeterName);
        UpgradeRequired = meter.CreateCounter<long>("stepwise.clients.upgrade_required", "{call}", "Calls answered 426 upgrade required, by reason (removed, minimum-version).");
        meter.CreateObservableCounter("stepwise.clients.dropped_calls", () => Calls?.DroppedTotal ?? 0, "{call}", "Calls dropped from the telemetry (table full, or a batch the server refused as invalid).");
        meter.CreateObservableUpDownCounter("stepwise.clients.buffered_keys", () => Calls?.Keys ?? 0, "{key}", "Distinct (app, version, operation) keys counted and not yet retired.");
        meter.CreateObservableUpDownCounter("stepwise.clients.pending_batches", () => PendingBatches(), "{batch}", "Telemetry batches waiting for the server.");
    }

    public StepwiseClientsOptions Options { get; }

    public TimeProvider Time { get; }

    public ClientIdentityReader Identities { get; }

    public OperationResolver Operations { get; }

    public PolicyStore Policy { get; }

    /// <summary>Null without a server: nothing is counted.</summary>
    public CallTable? Calls { get; }

    public Counter<long> UpgradeRequired { get; }

    /// <summary>Set by the telemetry shipper so the metric can read its queue.</summary>
    public Func<int> PendingBatches { get; set; } = static () => 0;
}
