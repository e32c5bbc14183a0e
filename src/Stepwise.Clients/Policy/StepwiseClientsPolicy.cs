namespace Stepwise.Clients;

/// <summary>
/// The local policy: removed and deprecated operations and minimum client versions that apply without a Stepwise
/// server. The server's policy, when there is one, is merged over it: for the same operation (removed, deprecated)
/// or app (minimum version) the server's entry wins; entries only this policy names stay.
/// </summary>
public sealed class StepwiseClientsPolicy
{
    /// <summary>Operations removed in the running release.</summary>
    public IList<RemovedOperation> Removed { get; } = [];

    /// <summary>Deprecated operations.</summary>
    public IList<DeprecatedOperation> Deprecated { get; } = [];

    /// <summary>The minimum version per client app (<c>ios-app</c> → <c>4.0.0</c>).</summary>
    public IDictionary<string, string> MinimumVersions { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Adds a removed operation.</summary>
    public StepwiseClientsPolicy Remove(string operation, string removedIn)
    {
        Removed.Add(new RemovedOperation(operation, removedIn));
        return this;
    }

    /// <summary>Adds a deprecated operation.</summary>
    public StepwiseClientsPolicy Deprecate(string operation, string? deprecatedIn = null, DateTimeOffset? deprecatedAt = null, DateTimeOffset? sunset = null, Uri? link = null)
    {
        Deprecated.Add(new DeprecatedOperation(operation) { DeprecatedIn = deprecatedIn, DeprecatedAt = deprecatedAt, Sunset = sunset, Link = link });
        return this;
    }

    /// <summary>Sets the minimum version of a client app.</summary>
    public StepwiseClientsPolicy RequireMinimum(string app, string minimum)
    {
        MinimumVersions[app] = minimum;
        return this;
    }
}

/// <summary>An operation removed in the running release: calls to it get the upgrade-required answer.</summary>
/// <param name="Operation">The operation key, e.g. <c>DELETE /orders/{id}</c>.</param>
/// <param name="RemovedIn">The release of the service that removed it.</param>
public sealed record RemovedOperation(string Operation, string RemovedIn);

/// <summary>A deprecated operation: its answers carry Deprecation, Sunset and Link headers.</summary>
/// <param name="Operation">The operation key, e.g. <c>GET /orders</c>.</param>
public sealed record DeprecatedOperation(string Operation)
{
    /// <summary>The release of the service that deprecated it.</summary>
    public string? DeprecatedIn { get; init; }

    /// <summary>When it was (or will be) deprecated: the <c>Deprecation</c> date. Unset: the moment this process
    /// first applied the deprecation (the wire contract carries the release, not a date).</summary>
    public DateTimeOffset? DeprecatedAt { get; init; }

    /// <summary>When it is expected to stop answering: the <c>Sunset</c> date.</summary>
    public DateTimeOffset? Sunset { get; init; }

    /// <summary>Documentation of the deprecation and its replacement (an absolute http or https URI).</summary>
    public Uri? Link { get; init; }
}
