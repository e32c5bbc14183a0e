namespace Stepwise.Api;

// The client-telemetry part of the API (docs/clients.md is its normative description; the Stepwise.Clients middleware
// speaks it). Request fields are nullable so that a missing one gets a 400 naming it rather than a parse error.

/// <summary>POST /api/v1/clients/telemetry: how often each (client app, version, operation) called one instance of a service.</summary>
public sealed record ClientTelemetryBody(
    string? Service,
    string? Release,
    string? Instance,
    DateTimeOffset? From,
    DateTimeOffset? To,
    IReadOnlyList<ClientCallCount?>? Calls,
    long? Dropped);

/// <summary>One entry of a telemetry body.</summary>
public sealed record ClientCallCount(string? App, string? Version, string? Operation, long? Count);

/// <summary>The 202 answer to a telemetry body: how many entries were taken, and the service's client policy.</summary>
public sealed record ClientTelemetryAccepted(long Accepted, ClientPolicyView Policy);

/// <summary>GET /api/v1/clients/policy: what the middleware of one service (running one release) applies.</summary>
public sealed record ClientPolicyView(
    string Service,
    string? Release,
    IReadOnlyList<MinimumVersionView> MinimumVersions,
    IReadOnlyList<RemovedOperationView> Removed,
    IReadOnlyList<DeprecatedOperationView> Deprecated,
    int RefreshSeconds);

public sealed record MinimumVersionView(string App, string Minimum);

public sealed record RemovedOperationView(string Operation, string RemovedIn);

public sealed record DeprecatedOperationView(string Operation, string DeprecatedIn, string? Sunset = null, string? Link = null);

/// <summary>
/// GET /api/v1/clients: one (service, operation, client app, version) within the telemetry window, with its calls, when
/// it was last seen, and its share of the operation's calls (0 to 1).
/// </summary>
public sealed record ClientView(string Service, string Operation, string App, string Version, long Calls, DateTimeOffset LastSeen, double Share);
