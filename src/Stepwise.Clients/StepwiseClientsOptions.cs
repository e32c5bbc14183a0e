namespace Stepwise.Clients;

/// <summary>Options of the Stepwise.Clients middleware (<c>services.AddStepwiseClients(options => ...)</c>).</summary>
public sealed class StepwiseClientsOptions
{
    /// <summary>The environment variable read for <see cref="Server"/> when it is not set, and only when there is a
    /// token (the CLI and the agent read it too, and an app an agent starts inherits it).</summary>
    public const string ServerVariable = "STEPWISE_SERVER";

    /// <summary>The environment variable read for <see cref="Token"/> when neither it nor <see cref="TokenFile"/> is set.</summary>
    public const string TokenVariable = "STEPWISE_CLIENT_TOKEN";

    /// <summary>The request header clients name themselves in (default <c>Stepwise-Client</c>).</summary>
    public string HeaderName { get; set; } = StepwiseProtocol.ClientHeader;

    /// <summary>
    /// When the header is missing, read the identity from the first product of <c>User-Agent</c>
    /// (<c>ios-app/4.2.1 (iPhone; iOS 18.1)</c>). Off by default: browsers' <c>Mozilla/5.0</c> would count as an app.
    /// </summary>
    public bool UserAgentFallback { get; set; }

    /// <summary>The service this process is (required with a <see cref="Server"/>), e.g. <c>orders</c>.</summary>
    public string? Service { get; set; }

    /// <summary>The release this process runs, e.g. <c>1.3.0</c>; the server's policy is the one of this release.</summary>
    public string? Release { get; set; }

    /// <summary>This instance (node), reported with each batch; may stay null.</summary>
    public string? Instance { get; set; }

    /// <summary>
    /// The Stepwise server's base address. Without one (and without <c>STEPWISE_SERVER</c>) the middleware applies the
    /// local <see cref="Policy"/> alone and counts nothing.
    /// </summary>
    public Uri? Server { get; set; }

    /// <summary>The bearer token: an agent token or a service token scoped to the service.</summary>
    public string? Token { get; set; }

    /// <summary>A file holding the token (read at each send, so a rotated token is picked up).</summary>
    public string? TokenFile { get; set; }

    /// <summary>Read <c>STEPWISE_SERVER</c> and <c>STEPWISE_CLIENT_TOKEN</c> for what is not set (default true).</summary>
    public bool ReadEnvironment { get; set; } = true;

    /// <summary>How often counts are shipped (default 10 s).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one call to the server may take (default 10 s).</summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The longest wait between attempts while the server fails (default 5 min).</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>At most this many distinct (app, version, operation) keys are counted at once (default 10,000).</summary>
    public int MaxKeys { get; set; } = 10_000;

    /// <summary>At most this many batches wait for the server (default 16); then counts stay in the table.</summary>
    public int MaxRetainedBatches { get; set; } = 16;

    /// <summary>The local policy (see <see cref="StepwiseClientsPolicy"/> for how the server's is merged over it).</summary>
    public StepwiseClientsPolicy Policy { get; } = new();
}
