using Stepwise.Core.Model;

namespace Stepwise.Server.Reconciling;

/// <summary>The outcome of running one data phase on one store.</summary>
public sealed record DataPhaseOutcome(bool Succeeded, string Message);

/// <summary>Runs one phase of one data change on one store (the reconciler calls it after marking the phase Running durably).</summary>
public interface IDataPhaseRunner
{
    Task<DataPhaseOutcome> RunAsync(DataChange change, DataPhaseKind phase, string store, string? storeUrl, string? configDirectory, CancellationToken cancellationToken);
}

/// <summary>Used when no runner is configured: every phase fails with a reason that says so (nothing runs on any store).</summary>
public sealed class NoDataPhaseRunner : IDataPhaseRunner
{
    public Task<DataPhaseOutcome> RunAsync(DataChange change, DataPhaseKind phase, string store, string? storeUrl, string? configDirectory, CancellationToken cancellationToken) =>
        Task.FromResult(new DataPhaseOutcome(false, "this server has no data-change runner; nothing ran on the store"));
}
