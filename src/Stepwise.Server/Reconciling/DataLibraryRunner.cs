using Stepwise.Core.Model;
using Stepwise.Data.Running;

namespace Stepwise.Server.Reconciling;

/// <summary>
/// Runs data phases with Stepwise.Data's runner against the store URL given for the store id
/// (<c>--data-store ID=URL</c>). The runner keeps the phase's progress in the target database, so a phase it
/// finished is never applied twice even if asked again.
/// </summary>
public sealed class DataLibraryRunner : IDataPhaseRunner
{
    public async Task<DataPhaseOutcome> RunAsync(DataChange change, DataPhaseKind phase, string store, string? storeUrl, string? configDirectory, CancellationToken cancellationToken)
    {
        if (storeUrl is null)
        {
            return new DataPhaseOutcome(false, $"no connection URL for store '{store}'; start the server with --data-store {store}=URL");
        }
        try
        {
            var url = Data.Running.StoreUrl.Parse(storeUrl);
            var runner = new DataRunner(change, configDirectory ?? Directory.GetCurrentDirectory());
            var outcome = await runner.ApplyAsync(url, phase, cancellationToken);
            return new DataPhaseOutcome(true, outcome.Summary);
        }
        catch (DataInputException e)
        {
            return new DataPhaseOutcome(false, $"{e.Message}; {e.Fix}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new DataPhaseOutcome(false, e.Message);
        }
    }
}
