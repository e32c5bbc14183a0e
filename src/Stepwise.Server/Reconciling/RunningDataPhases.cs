using System.Collections.Concurrent;
using Stepwise.Core.Model;

namespace Stepwise.Server.Reconciling;

/// <summary>
/// The data phases this replica runs, each with a token an operator can cancel (POST /api/v1/data-changes/{change}/cancel,
/// <c>stepwise data cancel</c>). A cancelled phase stops where it is (committed work is kept in the store) and is
/// recorded Failed with the operator's reason; running it again resumes it.
/// </summary>
public sealed class RunningDataPhases
{
    private readonly ConcurrentDictionary<(string Change, DataPhaseKind Phase, string Store), Run> runs = new();

    /// <summary>One running phase: its task, its cancellation, and why it was stopped (null while nobody stopped it).</summary>
    public sealed class Run(CancellationToken serverStopping)
    {
        private string? stopReason;

        public CancellationTokenSource Cancellation { get; } = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);

        public Task Task { get; set; } = Task.CompletedTask;

        public string? StopReason => Volatile.Read(ref stopReason);

        public void Stop(string reason)
        {
            Interlocked.CompareExchange(ref stopReason, reason, null);
            try
            {
                Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // It finished meanwhile.
            }
        }
    }

    /// <summary>True while this replica runs the phase.</summary>
    public bool IsRunning(string change, DataPhaseKind phase, string store) =>
        runs.TryGetValue((change, phase, store), out var run) && !run.Task.IsCompleted;

    /// <summary>Registers a new run of the phase, or null when one is already running here.</summary>
    public Run? TryStart(string change, DataPhaseKind phase, string store, CancellationToken serverStopping)
    {
        var key = (change, phase, store);
        if (runs.TryGetValue(key, out var existing) && !existing.Task.IsCompleted)
        {
            return null;
        }
        var run = new Run(serverStopping);
        runs[key] = run;
        return run;
    }

    /// <summary>Cancels the running phases of a change (on one store, or all); returns which ones.</summary>
    public IReadOnlyList<(DataPhaseKind Phase, string Store)> Cancel(string change, string? store, string reason)
    {
        var cancelled = new List<(DataPhaseKind, string)>();
        foreach (var (key, run) in runs)
        {
            if (key.Change == change && (store is null || key.Store == store) && !run.Task.IsCompleted)
            {
                run.Stop(reason);
                cancelled.Add((key.Phase, key.Store));
            }
        }
        return cancelled;
    }
}
