using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;
using Stepwise.Server.Store;

namespace Stepwise.Server.Reconciling;

/// <summary>
/// The reconciler loop around Core's <see cref="TickPlanner"/>. Every tick, on every replica: flush heartbeats and
/// this replica's analysis samples in batches. When leading: load the control state and the samples other replicas
/// flushed, let the planner decide, commit the decision batch and exactly the transitions it caused in one
/// transaction, and only then act (node transitions become visible to agents, data phases start, alerts go out).
/// A crash at any point resumes from the store: an uncommitted batch never had effects, and a committed one is state
/// agents pull. After a start or a change of leader, liveness counts only heartbeats this leader could have received.
/// </summary>
public sealed class Reconciler(ServerRuntime runtime, Leadership leadership, IDataPhaseRunner dataRunner, AlertWebhook webhook, AlertmanagerClient alertmanager, Http.Tokens tokens, ILogger<Reconciler> log)
{
    private HashSet<string> flushedStages = new(StringComparer.Ordinal);
    private long flushedSamples = -1;
    private bool leading;
    private bool ledBefore;
    private DateTimeOffset prunedClientCalls = DateTimeOffset.MinValue;

    /// <summary>Crash-point hook for tests: called with "before-commit" and "after-commit"; throwing there is a crash at that point.</summary>
    internal Action<string>? CrashPoint { get; set; }

    /// <summary>The decisions of the last tick that decided (for diagnostics and tests).</summary>
    public Decisions? LastDecisions { get; private set; }

    /// <summary>
    /// Runs the loop on its own thread until cancelled: SQLite calls complete synchronously, and a tick that blocks
    /// must not hold a thread-pool thread that heartbeat requests need.
    /// </summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Loop(cancellationToken);
                finished.TrySetResult();
            }
            catch (Exception e)
            {
                finished.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "stepwise-reconciler",
        };
        thread.Start();
        return finished.Task;
    }

    private void Loop(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = runtime.Time.GetTimestamp();
            try
            {
                TickAsync(cancellationToken).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref runtime.Counters.TickFailures);
                runtime.Metrics.TickFailures.Inc();
                log.LogError(e, "reconciler tick failed; the next tick starts again from the store");
                RecoverAsync().GetAwaiter().GetResult();
            }
            var remaining = runtime.Options.Tick - runtime.Time.GetElapsedTime(started);
            if (remaining > TimeSpan.Zero)
            {
                cancellationToken.WaitHandle.WaitOne(remaining);
            }
        }
        leadership.StepDownAsync().GetAwaiter().GetResult();
    }

    /// <summary>
    /// After a failed tick, memory may be behind the store (a batch committed but not applied): the next tick takes
    /// over again from the store. On PostgreSQL the session may be gone, and the lock with it: step down until it is
    /// taken again.
    /// </summary>
    private async Task RecoverAsync()
    {
        leading = false;
        runtime.IsLeader = false;
        if (runtime.Store.Dialect == StoreDialect.Postgres)
        {
            await leadership.StepDownAsync();
        }
    }

    /// <summary>One tick. Public for tests that drive the loop step by step.</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref runtime.Counters.Ticks);
        runtime.Metrics.Ticks.Inc();
        var started = runtime.Time.GetTimestamp();
        try
        {
            await TickCoreAsync(cancellationToken);
        }
        finally
        {
            var elapsed = runtime.Time.GetElapsedTime(started);
            Interlocked.Add(ref runtime.Counters.TickMicroseconds, (long)elapsed.TotalMicroseconds);
            runtime.Metrics.TickDuration.Observe(elapsed.TotalSeconds);
        }
    }

    private async Task TickCoreAsync(CancellationToken cancellationToken)
    {
        var store = runtime.Store;
        await FlushHeartbeatsAsync(cancellationToken);
        await runtime.ClientCallLedger.FlushAsync(cancellationToken);
        await tokens.RefreshAsync(cancellationToken);
        var config = await runtime.RefreshConfigAsync(cancellationToken);
        var isLeader = await leadership.EnsureAsync(cancellationToken);
        if (!isLeader)
        {
            leading = false;
            runtime.IsLeader = false;
            runtime.Nodes.Merge(await store.LoadNodesAsync(cancellationToken), takeControl: true);
            // A replica that does not lead still collects the samples of the stages the leader runs, and shares them.
            runtime.Samples.Track((await store.LoadControlStateAsync(cancellationToken)).Rollouts);
            await FlushSamplesAsync(cancellationToken);
            return;
        }
        if (!leading)
        {
            await TakeOverAsync(cancellationToken);
            leading = true;
            runtime.IsLeader = true;
        }
        else if (store.Dialect == StoreDialect.Postgres)
        {
            // Other replicas take heartbeats too; their flushes are in the store.
            runtime.Nodes.Merge(await store.LoadNodesAsync(cancellationToken), takeControl: false);
        }

        var now = runtime.Time.GetUtcNow();
        var control = await store.LoadControlStateAsync(cancellationToken);
        runtime.Samples.Track(control.Rollouts);
        await FlushSamplesAsync(cancellationToken);
        var others = await runtime.OtherReplicasSamplesAsync(cancellationToken);
        // Client telemetry (G8) gates rollouts and registrations, which start only from requests and plans.
        var clients = control.Requests.Count > 0 || control.Plans.Any(p => p.State is PlanState.Pending or PlanState.Running)
            ? await runtime.ClientCallLedger.LoadAsync(now - config.Config.Policy.Retention.ClientTelemetry, null, null, cancellationToken)
            : null;
        await PruneClientCallsAsync(config, now, cancellationToken);
        var decideStarted = runtime.Time.GetTimestamp();
        var plan = runtime.Planner.Plan(config.Config, control, now, others, clients);
        var decideElapsed = runtime.Time.GetElapsedTime(decideStarted);
        Interlocked.Add(ref runtime.Counters.DecideMicroseconds, (long)decideElapsed.TotalMicroseconds);
        runtime.Metrics.DecideDuration.Observe(decideElapsed.TotalSeconds);
        runtime.Metrics.Decided(plan.Decisions);
        LastDecisions = plan.Decisions;
        if (plan.Empty)
        {
            runtime.Planner.Observe(plan.State, now);
            NotifyAlertmanagers(plan, config, now);
            return;
        }
        CrashPoint?.Invoke("before-commit");
        await store.CommitTickAsync(plan.Batch, leadership.Session, cancellationToken);
        CrashPoint?.Invoke("after-commit");
        Interlocked.Increment(ref runtime.Counters.DecisionBatches);
        runtime.Metrics.DecisionBatches.Inc();
        runtime.Metrics.Committed(plan.Decisions, id => plan.State.Rollouts.LastOrDefault(r => r.Id == id)?.Service);

        // Durable: now act.
        runtime.Planner.Committed(plan);
        if (plan.Batch.Registered is { Count: > 0 } || plan.Batch.Retired is { Count: > 0 })
        {
            await runtime.RefreshConfigAsync(cancellationToken);
        }
        foreach (var action in plan.Decisions.Actions)
        {
            switch (action)
            {
                case RunDataPhase run:
                    StartDataPhase(config, run, cancellationToken);
                    break;
                case RaiseAlert { Update: false } raise:
                    webhook.Enqueue(AlertNotification.Raised(raise.Alert, now));
                    break;
                case ClearAlert clear:
                    webhook.Enqueue(AlertNotification.Cleared(clear, now));
                    break;
            }
        }
        NotifyAlertmanagers(plan, config, now);
    }

    /// <summary>Hands the alerts in force after this tick to the Alertmanagers, each labelled with its subject's service.</summary>
    private void NotifyAlertmanagers(TickPlan plan, EffectiveConfig config, DateTimeOffset now)
    {
        if (!alertmanager.Enabled)
        {
            return;
        }
        // An alert's subject is a rollout, a service or a node (a plan has no one service).
        string? ServiceOf(string subject) =>
            plan.State.Rollouts.FirstOrDefault(r => r.Id == subject)?.Service
            ?? config.Config.FindService(subject)?.Name
            ?? runtime.Nodes.Find(subject)?.Service;
        alertmanager.Observe(plan.State.Alerts, plan.Decisions.Actions, ServiceOf, now);
    }

    /// <summary>Drops client telemetry older than policy.retention.clientTelemetry (whole days), at most once an hour.</summary>
    private async Task PruneClientCallsAsync(EffectiveConfig config, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now - prunedClientCalls < TimeSpan.FromHours(1) && now >= prunedClientCalls)
        {
            return;
        }
        prunedClientCalls = now;
        var deleted = await runtime.Store.PruneClientCallsAsync(now - config.Config.Policy.Retention.ClientTelemetry, cancellationToken);
        if (deleted > 0)
        {
            log.LogInformation("client telemetry: {Rows} row(s) past policy.retention.clientTelemetry removed", deleted);
        }
    }

    /// <summary>Writes the heartbeats and client telemetry taken since the last tick, once the host no longer takes any (a failure is logged: the next start takes over from the last tick's flush).</summary>
    public async Task FlushOnStopAsync()
    {
        try
        {
            await FlushHeartbeatsAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.LogWarning(e, "could not write the last heartbeats on stop; the next start uses the nodes as of the last tick");
        }
        try
        {
            await runtime.ClientCallLedger.FlushAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log.LogWarning(e, "could not write the last client telemetry on stop; the calls taken since the last tick are lost");
        }
    }

    private async Task FlushHeartbeatsAsync(CancellationToken cancellationToken)
    {
        var dirty = runtime.Nodes.TakeDirty();
        var flushStarted = runtime.Time.GetTimestamp();
        try
        {
            await runtime.Store.FlushHeartbeatsAsync(dirty, cancellationToken);
            Interlocked.Increment(ref runtime.Counters.HeartbeatFlushes);
        }
        catch
        {
            runtime.Nodes.MarkDirty(dirty);
            throw;
        }
        var flushed = runtime.Time.GetElapsedTime(flushStarted);
        Interlocked.Add(ref runtime.Counters.FlushMicroseconds, (long)flushed.TotalMicroseconds);
        runtime.Metrics.FlushDuration.Observe(flushed.TotalSeconds);
    }

    /// <summary>
    /// Shares this replica's samples with the leader (on PostgreSQL, where several replicas take heartbeats) when
    /// they changed, and drops the rows of stages no longer collected for.
    /// </summary>
    private async Task FlushSamplesAsync(CancellationToken cancellationToken)
    {
        if (runtime.Store.Dialect != StoreDialect.Postgres)
        {
            return;
        }
        var version = runtime.Samples.Version;
        var local = runtime.Samples.Local();
        var stages = local.Select(s => s.Stage).ToHashSet(StringComparer.Ordinal);
        if (version != flushedSamples)
        {
            await runtime.Store.FlushSamplesAsync(runtime.ReplicaId, local, runtime.Time.GetUtcNow(), cancellationToken);
            flushedSamples = version;
        }
        if (runtime.IsLeader && !stages.SetEquals(flushedStages))
        {
            await runtime.Store.PruneSamplesAsync(stages, cancellationToken);
        }
        flushedStages = stages;
    }

    /// <summary>
    /// A replica that becomes leader starts from the store, with a liveness grace: heartbeats that reached another
    /// replica (or no replica, while the controller was down) are not held against a node for one heartbeat timeout.
    /// A data phase the store shows Running that this process does not run was interrupted by a crash: it is marked
    /// Failed (never started a second time by itself) so an operator checks the store and runs it again.
    /// </summary>
    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        var store = runtime.Store;
        runtime.Nodes.Load(await store.LoadNodesAsync(cancellationToken));
        runtime.Planner.Reset();
        var control = await store.LoadControlStateAsync(cancellationToken);
        var now = runtime.Time.GetUtcNow();
        // Heartbeats count from when this process could take them: its start (set when it was built) on its first
        // leadership, as it took every heartbeat since; the takeover itself on a later one.
        if (ledBefore)
        {
            runtime.Planner.LivenessFrom = now;
        }
        ledBefore = true;
        foreach (var failed in InterruptedPhases.Of(control.DataPhases, p => runtime.DataPhases.IsRunning(p.Change, p.Phase, p.Store)))
        {
            await store.SetDataPhaseAsync(failed, InterruptedPhases.Reason,
                new NewEvent("data-phase-failed", $"{failed.Change} {Core.Names.Of(failed.Phase)} on {failed.Store}: {InterruptedPhases.Reason}", failed.Change), now, leadership.Session, cancellationToken);
        }
        log.LogInformation("leading: reconciler runs on this replica ({Store})", store.Url.Display);
    }

    private void StartDataPhase(EffectiveConfig config, RunDataPhase run, CancellationToken cancellationToken)
    {
        var change = config.Config.FindChange(run.Change);
        if (runtime.DataPhases.TryStart(run.Change, run.Phase, run.Store, cancellationToken) is not { } running)
        {
            return;
        }
        running.Task = Task.Run(async () =>
        {
            using var _ = running.Cancellation;
            DataPhaseOutcome outcome;
            try
            {
                outcome = change is null
                    ? new DataPhaseOutcome(false, $"data change {run.Change} is no longer declared")
                    : await dataRunner.RunAsync(change, run.Phase, run.Store, runtime.Options.DataStores.GetValueOrDefault(run.Store),
                        runtime.Options.ConfigFile is { } file ? Path.GetDirectoryName(Path.GetFullPath(file)) : null, running.Cancellation.Token);
            }
            catch (OperationCanceledException) when (running.StopReason is not null && !cancellationToken.IsCancellationRequested)
            {
                outcome = new DataPhaseOutcome(false, running.StopReason);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcome = new DataPhaseOutcome(false, e.Message);
            }
            if (!outcome.Succeeded && running.StopReason is { } why && !cancellationToken.IsCancellationRequested)
            {
                // Stopped by an operator: say so, whatever the runner reported on the way out.
                outcome = new DataPhaseOutcome(false, why);
            }
            var now = runtime.Time.GetUtcNow();
            var status = new DataPhaseStatus(run.Change, run.Phase, run.Store, outcome.Succeeded ? DataPhaseState.Complete : DataPhaseState.Failed, outcome.Succeeded ? now : null);
            var what = $"{run.Change} {Core.Names.Of(run.Phase)} on {run.Store}";
            try
            {
                await runtime.Store.SetDataPhaseAsync(status, outcome.Succeeded ? null : outcome.Message,
                    new NewEvent(outcome.Succeeded ? "data-phase-complete" : "data-phase-failed", $"{what}: {outcome.Message}", run.Change), now, leadership.Session, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "could not record the outcome of {Phase}; it stays Running in the store and is marked Failed when a leader takes over", what);
            }
        }, CancellationToken.None);
    }
}
