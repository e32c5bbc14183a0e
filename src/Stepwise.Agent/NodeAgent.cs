using System.Net;
using System.Net.Sockets;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent;

/// <summary>
/// The agent loop for one node: heartbeat → reply → reconcile the app process.
/// <list type="bullet">
/// <item>The app runs only the release the controller's last answer named, and only while that answer said it may
/// serve. On start the agent stops whatever a previous run left behind and starts nothing until the controller answers.</item>
/// <item>While the controller cannot be reached the agent retries with backoff and leaves a sanctioned app running
/// (the fleet keeps serving through a controller outage); an app that was not sanctioned stays stopped.</item>
/// <item>A quarantined node (may not serve) installs the release it is told to run and proves it healthy on a
/// private port before the controller lets it serve; the serving port stays closed meanwhile.</item>
/// <item>Request, error and latency counts are the change in the app's metrics since the last heartbeat the
/// controller acknowledged, so nothing is lost or counted twice across a failed heartbeat.</item>
/// </list>
/// </summary>
public sealed class NodeAgent : IAsyncDisposable
{
    public const string Version = "0.1.0";

    private readonly AgentOptions options;
    private readonly ControllerClient client;
    private readonly AgentStateFile stateFile;
    private readonly TimeProvider time;
    private readonly Action<string> log;
    private readonly Backoff backoff;

    /// <summary>The heartbeat interval the controller last gave (retries after a failure never wait longer).</summary>
    private TimeSpan? lastInterval;
    private AgentState state = AgentState.Empty(0);
    private AppProcess? app;
    private AppProcess? preflight;
    private (string Release, NodeHealth Health)? preflightResult;
    private MetricReading acknowledged = MetricReading.Zero;
    private bool everAnswered;
    /// <summary>The release and artifact the agent last refused to run, and why: reported as a failed install, not retried.</summary>
    private (string Release, string Artifact, string Reason)? refused;
    private int? clampedInterval;
    /// <summary>The last scrape error logged, so a lasting one is logged once.</summary>
    private string? scrapeError;

    public NodeAgent(AgentOptions options, Action<string> log, TimeProvider? time = null, HttpMessageHandler? handler = null)
    {
        this.options = options;
        this.log = log;
        this.time = time ?? TimeProvider.System;
        client = new ControllerClient(options.Controller, options.Token, options.RequestTimeoutOrDefault, handler ?? options.Handler);
        stateFile = new AgentStateFile(options.StateDirectory);
        backoff = new Backoff(options.Node, TimeSpan.FromMilliseconds(250), options.MaxBackoffOrDefault);
    }

    /// <summary>The state as last saved (for tests and diagnostics).</summary>
    public AgentState State => state;

    /// <summary>The release the app process is running now, or null when it is stopped.</summary>
    public string? Running => app is { Exited: false } a ? a.Release : null;

    public int AppPort => state.AppPort;

    public string LogPath => Path.Combine(options.StateDirectory, "app.log");

    /// <summary>Runs until cancelled; always leaves the app stopped... unless cancelled by a crash, where the next start stops it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Start();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var wait = await StepAsync(cancellationToken);
                await Task.Delay(wait, time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await StopAppAsync("the agent is stopping");
            await StopPreflightAsync();
        }
    }

    /// <summary>Loads the saved state, picks the app port once, and stops an app a previous run left behind.</summary>
    public void Start()
    {
        Directory.CreateDirectory(options.StateDirectory);
        state = Sane(stateFile.Load() ?? AgentState.Empty(options.AppPort));
        if (options.AppPort != 0 && state.AppPort != options.AppPort)
        {
            state = state with { AppPort = options.AppPort };
        }
        if (state.Release is null && options.InitialRelease is { } provisioned)
        {
            state = state with { Release = provisioned };
        }
        if (state.AppPort == 0)
        {
            state = state with { AppPort = FreeLoopbackPort() };
        }
        if (state.AppPid is { } pid && state.AppStartedAt is { } started && AppProcess.KillLeftover(pid, started, state.AppGroup))
        {
            log($"stopped app pid {pid} left running by a previous agent; it starts again once the controller sanctions its release");
        }
        // Nothing serves until the controller answers.
        Save(state with { Sanctioned = false, AppPid = null, AppStartedAt = null, AppGroup = false });
        log($"runs {options.PolicyOrDefault}{(options.PolicyOrDefault.AllowShellPlaceholders ? "; shell scripts may hold placeholders" : "")}");
        log($"reads the app's {options.MetricsOrDefault}");
        log($"node {options.Node} ({options.Service}): installed release {state.Release ?? "none"}, app port {state.AppPort}; waiting for the controller at {options.Controller}");
    }

    /// <summary>The saved state with whatever can't be right dropped (a hand-edited or damaged file), each with a logged reason.</summary>
    private AgentState Sane(AgentState loaded)
    {
        var sane = loaded;
        if (sane.Release is { } release && !AgentPolicy.SafeValue(release))
        {
            log($"{stateFile.Path}: ignoring the saved release (not a release id); the controller names it again");
            sane = sane with { Release = null, Artifact = null };
        }
        if (sane.AppPort is < 0 or > 65535)
        {
            log($"{stateFile.Path}: ignoring the saved app port {sane.AppPort} (not a TCP port)");
            sane = sane with { AppPort = 0 };
        }
        if (sane.AppPid is <= 1)
        {
            sane = sane with { AppPid = null, AppStartedAt = null, AppGroup = false };
        }
        return sane;
    }

    /// <summary>One heartbeat and its reconcile. Returns how long to wait before the next.</summary>
    internal async Task<TimeSpan> StepAsync(CancellationToken cancellationToken)
    {
        var (health, reading) = await ObserveAsync(cancellationToken);
        var delta = reading is null ? MetricDelta.None : MetricDelta.Between(acknowledged, reading);
        var serving = app is { Exited: false } && health == NodeHealth.Healthy && state.Sanctioned;
        var heartbeat = new Heartbeat(options.Node, options.Service, state.Release, health, serving, delta.Requests, delta.Errors, delta.LatencyMs, Version);
        HeartbeatReply reply;
        try
        {
            reply = await client.SendAsync(heartbeat, cancellationToken);
        }
        catch (ControllerException e)
        {
            var wait = backoff.Next(lastInterval);
            if (backoff.Failures == 1 || backoff.Failures % 10 == 0)
            {
                log($"heartbeat failed ({backoff.Failures}x): {e.Message}; retrying in {wait.TotalSeconds:0.0} s; app {(Running is { } r ? $"keeps serving {r} (sanctioned)" : "stays stopped")}");
            }
            if (!everAnswered || !state.Sanctioned)
            {
                await StopAppAsync("not sanctioned and the controller cannot be reached");
            }
            return wait;
        }
        if (backoff.Failures > 0)
        {
            log($"controller answered again after {backoff.Failures} failed heartbeat(s)");
        }
        backoff.Reset();
        everAnswered = true;
        if (reading is not null)
        {
            acknowledged = reading;
        }
        await ReconcileAsync(reply, cancellationToken);
        var interval = AgentPolicy.Interval(reply.HeartbeatSeconds, options.DefaultHeartbeatOrDefault);
        if (interval.TotalSeconds < reply.HeartbeatSeconds && clampedInterval != reply.HeartbeatSeconds)
        {
            log($"the controller asks for a heartbeat every {reply.HeartbeatSeconds} s; sending one every {interval.TotalSeconds:0} s (the most this agent waits)");
        }
        clampedInterval = interval.TotalSeconds < reply.HeartbeatSeconds ? reply.HeartbeatSeconds : null;
        if (options.MaxHeartbeat is { } most && interval > most)
        {
            interval = most;
        }
        // While an app or a preflight is starting, look again soon so the controller hears of it promptly.
        var starting = (app is { Exited: false } && !await app.HealthyAsync(cancellationToken)) || preflight is not null;
        lastInterval = interval;
        return starting ? TimeSpan.FromMilliseconds(Math.Min(250, interval.TotalMilliseconds)) : interval;
    }

    private async Task<(NodeHealth Health, MetricReading? Reading)> ObserveAsync(CancellationToken cancellationToken)
    {
        if (preflight is not null)
        {
            await ObservePreflightAsync(cancellationToken);
        }
        if (app is null)
        {
            if (refused is { } r && r.Release == state.Release)
            {
                return (NodeHealth.Unhealthy, null);
            }
            return (preflightResult is { } p && p.Release == state.Release ? p.Health : NodeHealth.Unknown, null);
        }
        if (app.Exited)
        {
            log($"app {app.Release} exited on its own; see {LogPath}");
            return (NodeHealth.Unhealthy, null);
        }
        if (await app.HealthyAsync(cancellationToken))
        {
            app.Probes.Record(passed: true);
            var reading = await app.ScrapeAsync(options.MetricsOrDefault, cancellationToken);
            if (app.ScrapeError != scrapeError)
            {
                scrapeError = app.ScrapeError;
                if (scrapeError is not null)
                {
                    log($"could not read the app's metrics at {app.Artifact.MetricsPath}: {scrapeError}; heartbeats carry no request figures until it can");
                }
            }
            return (NodeHealth.Healthy, reading);
        }
        if (app.Probes.Record(passed: false))
        {
            log($"app {app.Release} did not answer {app.Artifact.HealthPath} ({app.Probes.FailedInARow} of {app.Probes.FailureThreshold} failed probes in a row before it counts as unhealthy)");
            return (NodeHealth.Healthy, null);
        }
        // Still starting only until it first answers: an app that was healthy and stopped answering is unhealthy.
        var starting = !app.Probes.EverHealthy && time.GetUtcNow() - app.StartedAt < options.HealthTimeoutOrDefault;
        return (starting ? NodeHealth.Unknown : NodeHealth.Unhealthy, null);
    }

    private async Task ReconcileAsync(HeartbeatReply reply, CancellationToken cancellationToken)
    {
        var desired = reply.DesiredRelease ?? state.Release;
        if (desired is null)
        {
            await StopAppAsync("the controller names no release for this node");
            return;
        }
        if (desired != state.Release)
        {
            await StopAppAsync($"the controller moves this node from {state.Release ?? "nothing"} to {desired}");
            await StopPreflightAsync();
            preflightResult = null;
            acknowledged = MetricReading.Zero;
            Save(state with { Release = desired, Artifact = reply.Artifact, Sanctioned = false });
            log($"installed {options.Service} {desired}");
        }
        else if (reply.Artifact is not null && !SameArtifact(reply.Artifact, state.Artifact))
        {
            Save(state with { Artifact = reply.Artifact });
        }
        if (reply.App is not null && reply.App != state.App)
        {
            Save(state with { App = reply.App }); // used from the next start of an app run with --run
        }
        if (!reply.MayServe)
        {
            if (state.Sanctioned || app is not null)
            {
                await StopAppAsync($"the controller says this node may not serve ({reply.State.ToString().ToLowerInvariant()})");
                Save(state with { Sanctioned = false });
            }
            if (preflight is null && preflightResult?.Release != state.Release)
            {
                StartPreflight();
            }
            return;
        }
        if (!state.Sanctioned)
        {
            Save(state with { Sanctioned = true });
        }
        await StopPreflightAsync();
        if (app is { Exited: true })
        {
            await StopAppAsync("restarting it");
        }
        if (app is null)
        {
            StartApp();
        }
    }

    private static bool SameArtifact(Artifact a, Artifact? b) => b is not null && Key(a) == Key(b);

    private static string Key(Artifact? a) => a is null ? "" : System.Text.Json.JsonSerializer.Serialize(a, SnapshotJson.Options);

    /// <summary>Starts an app or a preflight; a refused or failed start is a failed install (unhealthy), logged once.</summary>
    private AppProcess? TryStart(Artifact artifact, string release, int port)
    {
        var key = Key(artifact);
        if (refused is { } r && r.Release == release && r.Artifact == key)
        {
            return null;
        }
        try
        {
            var started = AppProcess.Start(artifact, release, port, options.Node, LogPath, time.GetUtcNow(), options.PolicyOrDefault);
            refused = null;
            return started;
        }
        catch (AppStartException e)
        {
            refused = (release, key, e.Message);
            log($"{e.Message}; reported as a failed install (unhealthy)");
            return null;
        }
    }

    /// <summary>The controller's artifact; else the agent's own --run command, probed where stepwise.yaml's app: says.</summary>
    private Artifact? ArtifactToRun => state.Artifact ?? (options.LocalArtifact is { } local && state.App is { } app
        ? local with { HealthPath = app.Health, MetricsPath = app.Metrics }
        : options.LocalArtifact);

    private void StartApp()
    {
        if (ArtifactToRun is not { } artifact || state.Release is null)
        {
            log($"cannot start {state.Release ?? "nothing"}: the controller sent no artifact for it and this agent has no --run template");
            return;
        }
        app = TryStart(artifact, state.Release, state.AppPort);
        if (app is not null)
        {
            Save(state with { AppPid = app.Pid, AppStartedAt = app.ProcessStartTime, AppGroup = app.OwnGroup });
            log($"started {options.Service} {state.Release} on port {state.AppPort} (pid {app.Pid})");
        }
    }

    private void StartPreflight()
    {
        if (ArtifactToRun is not { } artifact || state.Release is null)
        {
            return;
        }
        preflight = TryStart(artifact, state.Release, FreeLoopbackPort());
        if (preflight is null)
        {
            preflightResult = (state.Release, NodeHealth.Unhealthy);
        }
        else
        {
            log($"may not serve yet: checking {state.Release} on private port {preflight.Port} so the controller hears it is healthy");
        }
    }

    private async Task ObservePreflightAsync(CancellationToken cancellationToken)
    {
        var p = preflight!;
        if (await p.HealthyAsync(cancellationToken))
        {
            preflightResult = (p.Release, NodeHealth.Healthy);
        }
        else if (p.Exited || time.GetUtcNow() - p.StartedAt >= options.HealthTimeoutOrDefault)
        {
            preflightResult = (p.Release, NodeHealth.Unhealthy);
        }
        else
        {
            return;
        }
        log($"{p.Release} is {preflightResult.Value.Health.ToString().ToLowerInvariant()} on the private port");
        await StopPreflightAsync();
    }

    private async Task StopPreflightAsync()
    {
        if (preflight is { } p)
        {
            preflight = null;
            await p.StopAsync();
            p.Dispose();
        }
    }

    private async Task StopAppAsync(string why)
    {
        if (app is { } a)
        {
            app = null;
            await a.StopAsync();
            a.Dispose();
            log($"stopped {options.Service} {a.Release}: {why}");
            Save(state with { AppPid = null, AppStartedAt = null, AppGroup = false });
        }
    }

    private void Save(AgentState next)
    {
        state = next with { UpdatedAt = time.GetUtcNow() };
        stateFile.Save(state);
    }

    /// <summary>A port that is free on 127.0.0.1 now (bind port 0, read it, release it).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAppAsync("the agent is disposed");
        await StopPreflightAsync();
        client.Dispose();
    }
}
