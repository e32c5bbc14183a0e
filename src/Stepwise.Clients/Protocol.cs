namespace Stepwise.Clients;

/// <summary>The names on the wire, one spelling each (docs/clients.md describes them).</summary>
public static class StepwiseProtocol
{
    /// <summary>The request header a client names itself in: <c>app/version</c>.</summary>
    public const string ClientHeader = "Stepwise-Client";

    /// <summary>The response header naming the operation of a deprecated call (informative).</summary>
    public const string OperationHeader = "Stepwise-Operation";

    /// <summary>RFC 9745: when the operation was or will be deprecated, <c>@unix-seconds</c>.</summary>
    public const string DeprecationHeader = "Deprecation";

    /// <summary>RFC 8594: when the operation is expected to stop answering, an HTTP-date.</summary>
    public const string SunsetHeader = "Sunset";

    /// <summary>The RFC 9457 problem type of an upgrade-required answer.</summary>
    public const string UpgradeRequiredType = "https://stepwise.dev/problems/upgrade-required";

    /// <summary>The title of an upgrade-required answer.</summary>
    public const string UpgradeRequiredTitle = "upgrade required";

    /// <summary>The status of an upgrade-required answer (RFC 9110, 426 Upgrade Required).</summary>
    public const int UpgradeRequiredStatus = 426;

    /// <summary>The media type of problems (RFC 9457).</summary>
    public const string ProblemMediaType = "application/problem+json";

    /// <summary>The server's policy route.</summary>
    public const string PolicyRoute = "/api/v1/clients/policy";

    /// <summary>The server's telemetry route.</summary>
    public const string TelemetryRoute = "/api/v1/clients/telemetry";

    /// <summary>At most this many entries in one telemetry body.</summary>
    public const int MaxCallsPerBatch = 5_000;

    /// <summary>At most this many bytes in one telemetry body (1 MiB).</summary>
    public const int MaxBatchBytes = 1 << 20;

    /// <summary>The largest count of one entry.</summary>
    public const long MaxCount = 1_000_000_000;

    /// <summary>The largest <c>dropped</c> of one body.</summary>
    public const long MaxDropped = 1_000_000_000_000;
}
