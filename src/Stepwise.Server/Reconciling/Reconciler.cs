using System.Text.Json;
using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Server.Store;

namespace Stepwise.Server.Reconciling;

/// <summary>
/// The reconciler loop. Every tick: flush heartbeats in one batch; when leading, build the snapshot (control state
/// from the store, nodes from memory, samples from the collector), call Decide, apply the decisions with
/// <see cref="ControllerState"/>, commit the decision batch and exactly the transitions it caused in one transaction,
/// and only then act (node transitions become visible to agents, data phases start, alerts go out). A crash at any
/// point resumes from the store: an uncommitted batch never had effects, and a committed one is state agents pull.
/// </summary>
public sealed class Reconciler(ServerRuntime runtime, Leadership leadership, IDataPhaseRunner dataRunner, AlertWebhook webhook, ILogger<Reconciler> log)
{
    private readonly HashSet<string> reportedRefusals = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, DataPhaseKind, string), Task> runningPhases = new();
    private bool leading;

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
        var started = runtime.Time.GetTimestamp();
        try
        {
            await TickCoreAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Add(ref runtime.Counters.TickMicroseconds, (long)runtime.Time.GetElapsedTime(started).TotalMicroseconds);
        }
    }

    private async Task TickCoreAsync(CancellationToken cancellationToken)
    {
        var store = runtime.Store;
        var dirty = runtime.Nodes.TakeDirty();
        var flushStarted = runtime.Time.GetTimestamp();
        try
        {
            await store.FlushHeartbeatsAsync(dirty, cancellationToken);
            Interlocked.Increment(ref runtime.Counters.HeartbeatFlushes);
        }
        catch
        {
            runtime.Nodes.MarkDirty(dirty);
            throw;
        }
        Interlocked.Add(ref runtime.Counters.FlushMicroseconds, (long)runtime.Time.GetElapsedTime(flushStarted).TotalMicroseconds);
        var config = await runtime.RefreshConfigAsync(cancellationToken);
        var isLeader = await leadership.EnsureAsync(cancellationToken);
        if (!isLeader)
        {
            leading = false;
            runtime.IsLeader = false;
            runtime.Nodes.Merge(await store.LoadNodesAsync(cancellationToken), takeControl: true);
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
        var snapshot = new Snapshot(config.Config, runtime.Nodes.All(), control.Services, control.Rollouts, control.DataPhases, control.Plans,
            control.Requests, control.Overrides, control.Alerts, runtime.Samples.Snapshot());
        var decideStarted = runtime.Time.GetTimestamp();
        var decisions = Decider.Decide(snapshot, now);
        Interlocked.Add(ref runtime.Counters.DecideMicroseconds, (long)runtime.Time.GetElapsedTime(decideStarted).TotalMicroseconds);
        LastDecisions = decisions;

        var newRefusals = NewRefusals(decisions);
        if (decisions.Actions.Count == 0 && newRefusals.Count == 0)
        {
            return;
        }
        var state = new ControllerState(snapshot);
        state.Apply(decisions, now);
        var batch = BuildBatch(now, decisions, newRefusals, state, control);
        CrashPoint?.Invoke("before-commit");
        await store.CommitTickAsync(batch, leadership.Session, cancellationToken);
        CrashPoint?.Invoke("after-commit");
        Interlocked.Increment(ref runtime.Counters.DecisionBatches);

        // Durable: now act.
        foreach (var node in batch.NodeTransitions)
        {
            runtime.Nodes.ApplyControl(node);
        }
        runtime.Samples.Track(state.Rollouts);
        foreach (var action in decisions.Actions)
        {
            switch (action)
            {
                case RunDataPhase run:
                    StartDataPhase(config, run, cancellationToken);
                    break;
                case RaiseAlert raise:
                    webhook.Enqueue(new AlertNotification("raised", raise.Alert.Key, raise.Alert.Severity, raise.Alert.Guarantee?.ToString(), raise.Alert.Message, now));
                    break;
                case ClearAlert clear:
                    webhook.Enqueue(new AlertNotification("cleared", clear.Key, null, null, clear.Reason, now));
                    break;
            }
        }
    }

    /// <summary>
    /// A replica that becomes leader starts from the store. A data phase the store shows Running that this process
    /// does not run was interrupted by a crash: it is marked Failed (never started a second time by itself) so an
    /// operator checks the store and runs it again.
    /// </summary>
    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        var store = runtime.Store;
        runtime.Nodes.Load(await store.LoadNodesAsync(cancellationToken));
        var control = await store.LoadControlStateAsync(cancellationToken);
        var now = runtime.Time.GetUtcNow();
        foreach (var phase in control.DataPhases.Where(p => p.State == DataPhaseState.Running))
        {
            if (runningPhases.TryGetValue((phase.Change, phase.Phase, phase.Store), out var task) && !task.IsCompleted)
            {
                continue;
            }
            var reason = "the controller stopped while this phase ran, so its outcome is unknown; it is not restarted by itself. Check the store, then run the phase again";
            await store.SetDataPhaseAsync(phase with { State = DataPhaseState.Failed }, reason,
                new NewEvent("data-phase-failed", $"{phase.Change} {Lower(phase.Phase)} on {phase.Store}: {reason}", phase.Change), now, leadership.Session, cancellationToken);
        }
        log.LogInformation("leading: reconciler runs on this replica ({Store})", store.Url.Display);
    }

    private List<Refusal> NewRefusals(Decisions decisions)
    {
        // Refusals of requests are always recorded (the request completes with them); standing refusals (a plan step
        // that waits, a guarantee observation) are recorded when they first appear, not on every tick.
        var current = new HashSet<string>(StringComparer.Ordinal);
        var fresh = new List<Refusal>();
        foreach (var refusal in decisions.Refusals)
        {
            var key = $"{refusal.Guarantee}|{refusal.Subject}|{refusal.Message}";
            current.Add(key);
            if (refusal.Request is not null || !reportedRefusals.Contains(key))
            {
                fresh.Add(refusal);
            }
        }
        reportedRefusals.Clear();
        reportedRefusals.UnionWith(current);
        return fresh;
    }

    private static TickBatch BuildBatch(DateTimeOffset now, Decisions decisions, List<Refusal> newRefusals, ControllerState state, ControlState before)
    {
        var nodeIds = new List<string>();
        var rolloutIds = new List<string>();
        var services = new List<ServiceStatus>();
        var plans = new List<PlanProgress>();
        var phases = new List<DataPhaseStatus>();
        var raised = new List<Alert>();
        var cleared = new List<string>();
        var completed = new List<RequestCompletion>();
        var events = new List<NewEvent>();
        foreach (var action in decisions.Actions)
        {
            string? subject = null;
            switch (action)
            {
                case SetDesiredRelease a:
                    nodeIds.AddRange(a.Nodes);
                    subject = a.Rollout ?? a.Service;
                    break;
                case INodeChange a:
                    nodeIds.Add(a.Node);
                    subject = a.Node;
                    break;
                case RunDataPhase a:
                    phases.Add(new DataPhaseStatus(a.Change, a.Phase, a.Store, DataPhaseState.Running));
                    subject = a.Change;
                    break;
                case IRolloutChange a:
                    rolloutIds.Add(a.Rollout);
                    subject = a.Rollout;
                    break;
                case SetCurrentRelease a:
                    services.Add(new ServiceStatus(a.Service, a.Release));
                    subject = a.Service;
                    break;
                case AdvancePlan a:
                    plans.Add(state.Plans.Last(p => p.Plan == a.Plan));
                    subject = a.Plan;
                    break;
                case RaiseAlert a:
                    raised.Add(a.Alert);
                    subject = a.Alert.Key;
                    break;
                case ClearAlert a:
                    cleared.Add(a.Key);
                    subject = a.Key;
                    break;
                case CompleteRequest a:
                    completed.Add(Completion(a, decisions, before));
                    subject = a.Request;
                    break;
                case RecordAnalysis a:
                    subject = a.Rollout;
                    break;
                case UseOverride a:
                    subject = a.Subject;
                    break;
            }
            events.Add(new NewEvent(EventKinds.Of(action.Kind), action.Reason, subject, JsonSerializer.Serialize(action, SnapshotJson.Options)));
        }
        foreach (var refusal in newRefusals)
        {
            events.Add(new NewEvent("refusal", refusal.Describe(), refusal.Subject, JsonSerializer.Serialize(refusal, SnapshotJson.Options)));
        }
        var nodes = nodeIds.Distinct(StringComparer.Ordinal).Select(id => state.Node(id)).OfType<Node>().ToList();
        var rollouts = rolloutIds.Distinct(StringComparer.Ordinal).Select(id => state.Rollouts.Last(r => r.Id == id)).ToList();
        return new TickBatch(now, decisions, nodes, rollouts, services, plans.DistinctBy(p => p.Plan).ToList(), phases, raised, cleared, completed, events);
    }

    private static RequestCompletion Completion(CompleteRequest done, Decisions decisions, ControlState before)
    {
        var request = before.Requests.FirstOrDefault(r => r.Id == done.Request);
        string? rollout = request?.Rollout;
        if (request is { Kind: RequestKind.StartRollout })
        {
            rollout = decisions.Actions.OfType<StartRollout>().FirstOrDefault(s => s.Service == request.Service && s.To == request.Version)?.Rollout
                ?? before.Rollouts.LastOrDefault(r => r.Service == request.Service && r.To == request.Version && r.InFlight)?.Id;
        }
        var refusals = decisions.Refusals.Where(r => r.Request == done.Request).ToList();
        return new RequestCompletion(done.Request, done.Accepted, done.Reason, rollout, refusals);
    }

    private void StartDataPhase(EffectiveConfig config, RunDataPhase run, CancellationToken cancellationToken)
    {
        var change = config.Config.FindChange(run.Change);
        var key = (run.Change, run.Phase, run.Store);
        if (runningPhases.TryGetValue(key, out var existing) && !existing.IsCompleted)
        {
            return;
        }
        runningPhases[key] = Task.Run(async () =>
        {
            DataPhaseOutcome outcome;
            try
            {
                outcome = change is null
                    ? new DataPhaseOutcome(false, $"data change {run.Change} is no longer declared")
                    : await dataRunner.RunAsync(change, run.Phase, run.Store, runtime.Options.DataStores.GetValueOrDefault(run.Store),
                        runtime.Options.ConfigFile is { } file ? Path.GetDirectoryName(Path.GetFullPath(file)) : null, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcome = new DataPhaseOutcome(false, e.Message);
            }
            var now = runtime.Time.GetUtcNow();
            var status = new DataPhaseStatus(run.Change, run.Phase, run.Store, outcome.Succeeded ? DataPhaseState.Complete : DataPhaseState.Failed, outcome.Succeeded ? now : null);
            var what = $"{run.Change} {Lower(run.Phase)} on {run.Store}";
            try
            {
                await runtime.Store.SetDataPhaseAsync(status, outcome.Succeeded ? null : outcome.Message,
                    new NewEvent(outcome.Succeeded ? "data-phase-complete" : "data-phase-failed", $"{what}: {outcome.Message}", run.Change), now, leadership.Session, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogError(e, "could not record the outcome of {Phase}; it stays Running in the store and is marked Failed when a leader takes over", what);
            }
        }, cancellationToken);
    }

    private static string Lower(DataPhaseKind phase) => phase.ToString().ToLowerInvariant();
}

/// <summary>Event kinds of the event log: the action kinds as written in decision JSON, plus the server's own. Stable: clients filter on them.</summary>
public static class EventKinds
{
    public static string Of(ActionKind kind) => kind switch
    {
        ActionKind.SetDesiredRelease => "set-desired-release",
        ActionKind.QuarantineNode => "quarantine-node",
        ActionKind.ReleaseNode => "release-node",
        ActionKind.AdmitNode => "admit-node",
        ActionKind.MarkNodeOffline => "mark-node-offline",
        ActionKind.DecommissionNode => "decommission-node",
        ActionKind.RunDataPhase => "run-data-phase",
        ActionKind.StartRollout => "start-rollout",
        ActionKind.AdvanceRollout => "advance-rollout",
        ActionKind.PauseRollout => "pause-rollout",
        ActionKind.RollBackRollout => "roll-back-rollout",
        ActionKind.SetCurrentRelease => "set-current-release",
        ActionKind.AdvancePlan => "advance-plan",
        ActionKind.RaiseAlert => "raise-alert",
        ActionKind.ClearAlert => "clear-alert",
        ActionKind.CompleteRequest => "complete-request",
        ActionKind.RecordAnalysis => "record-analysis",
        ActionKind.UseOverride => "use-override",
        _ => kind.ToString(),
    };
}
