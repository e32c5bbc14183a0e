namespace Stepwise.Agent;

/// <summary>How one agent is set up: which controller, which node of which service, where it keeps its state.</summary>
/// <param name="Controller">The controller's base address, e.g. http://127.0.0.1:5080.</param>
/// <param name="Token">The agent token of this node.</param>
/// <param name="StateDirectory">Where the agent keeps agent-state.json (the installed release, the app port).</param>
/// <param name="AppPort">The port the app listens on ("{port}" in the artifact); 0: pick a free loopback port once and keep it.</param>
/// <param name="HealthTimeout">How long a started app has to answer its health path with 2xx.</param>
/// <param name="RequestTimeout">How long one heartbeat may take before it counts as a controller failure.</param>
/// <param name="MaxBackoff">The longest wait between retries while the controller fails.</param>
/// <param name="DefaultHeartbeat">The heartbeat interval until the controller says otherwise.</param>
/// <param name="MaxHeartbeat">Heartbeat at least this often even when the controller asks for less (null: as the controller asks).</param>
/// <param name="LocalArtifact">How this node runs a release when the controller names none (a release declared in stepwise.yaml carries no artifact); the controller's artifact wins.</param>
/// <param name="Policy">What this agent agrees to run (null: any command; placeholders never reach a shell).</param>
/// <param name="Handler">How the agent reaches the controller (TLS settings); null: the default handler.</param>
/// <param name="InitialRelease">The release the node was provisioned with: what the agent reports on its first start, before the controller has moved it anywhere.</param>
/// <param name="Metrics">Which of the app's Prometheus series the agent reads (null: <see cref="AppMetricsSpec.Default"/>).</param>
public sealed record AgentOptions(
    Uri Controller,
    string Token,
    string Node,
    string Service,
    string StateDirectory,
    int AppPort = 0,
    TimeSpan? HealthTimeout = null,
    TimeSpan? RequestTimeout = null,
    TimeSpan? MaxBackoff = null,
    TimeSpan? DefaultHeartbeat = null,
    string? InitialRelease = null,
    Stepwise.Api.Artifact? LocalArtifact = null,
    TimeSpan? MaxHeartbeat = null,
    AgentPolicy? Policy = null,
    System.Net.Http.HttpMessageHandler? Handler = null,
    AppMetricsSpec? Metrics = null)
{
    public AppMetricsSpec MetricsOrDefault => Metrics ?? AppMetricsSpec.Default;
    public AgentPolicy PolicyOrDefault => Policy ?? AgentPolicy.AllowAll;
    public TimeSpan HealthTimeoutOrDefault => HealthTimeout ?? TimeSpan.FromSeconds(30);
    public TimeSpan RequestTimeoutOrDefault => RequestTimeout ?? TimeSpan.FromSeconds(5);
    public TimeSpan MaxBackoffOrDefault => MaxBackoff ?? TimeSpan.FromSeconds(30);
    public TimeSpan DefaultHeartbeatOrDefault => DefaultHeartbeat ?? TimeSpan.FromSeconds(2);
}
