namespace Stepwise.Server;

/// <summary>Options of <c>stepwise server</c>.</summary>
public sealed record ServerOptions
{
    /// <summary>sqlite:PATH (default sqlite:stepwise.db) or postgres://user:password@host:port/database.</summary>
    public string Store { get; init; } = "sqlite:stepwise.db";

    /// <summary>Where Kestrel listens; loopback by default. Port 0 picks a free port (see <see cref="ServerHost.Urls"/>).</summary>
    public string Urls { get; init; } = "http://127.0.0.1:5080";

    /// <summary>The server's TLS certificate (PEM) for https:// addresses in <see cref="Urls"/>; with <see cref="TlsKeyFile"/>.</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>The private key (PEM) of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>Mutual TLS: the CA certificates (PEM) that sign the clients' certificates; every https:// connection must present one.</summary>
    public string? TlsClientCaFile { get; init; }

    /// <summary>A stepwise.yaml to load at start-up (replaces the stored one when it differs).</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Where the admin token is read from, or written to (0600) when the file does not exist.</summary>
    public string? AdminTokenFile { get; init; }

    /// <summary>An admin token given directly (env STEPWISE_ADMIN_TOKEN); only its hash is stored.</summary>
    public string? AdminToken { get; init; }

    /// <summary>How often the reconciler decides and heartbeats are flushed.</summary>
    public TimeSpan Tick { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Alerts are POSTed here as JSON (with retries), besides the event log.</summary>
    public Uri? AlertWebhook { get; init; }

    /// <summary>Alertmanagers (base URLs, each ending in '/') that get the leader's alerts through their v2 API.</summary>
    public IReadOnlyList<Uri> Alertmanagers { get; init; } = [];

    /// <summary>The Prometheus the canary analysis queries for metrics with PromQL templates (its base URL); null: none.</summary>
    public Uri? Prometheus { get; init; }

    /// <summary>Connection URLs of the data stores data changes run on, by store id.</summary>
    public IReadOnlyDictionary<string, string> DataStores { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How often agents are told to send heartbeats.</summary>
    public int HeartbeatSeconds { get; init; } = 10;

    /// <summary>How long an operator endpoint waits for the reconciler to handle its request.</summary>
    public TimeSpan RequestWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest request body (heartbeats have their own, smaller limit).</summary>
    public int MaxBodyBytes { get; init; } = 1024 * 1024;

    public int MaxHeartbeatBytes { get; init; } = 64 * 1024;

    /// <summary>Requests a second one bearer token may make (bursts up to twice that); 0: no limit.</summary>
    public int RateLimitPerToken { get; init; } = Http.RateLimits.DefaultPerToken;

    /// <summary>Requests a second one client address may make (bursts up to twice that); 0: no limit.</summary>
    public int RateLimitPerAddress { get; init; } = Http.RateLimits.DefaultPerAddress;

    /// <summary>Tests drive <see cref="Reconciling.Reconciler.TickAsync"/> themselves when false.</summary>
    internal bool RunReconcilerLoop { get; init; } = true;

    /// <summary>The clock (tests inject their own).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
