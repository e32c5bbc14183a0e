using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stepwise.Clients.Middleware;

namespace Stepwise.Clients.Telemetry;

/// <summary>The flush loop: the server's policy at start, then a flush every interval, and a last one at shutdown.</summary>
internal sealed partial class TelemetryService(TelemetryShipper shipper, ClientsRuntime runtime, ILogger<TelemetryService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!shipper.Enabled)
        {
            return;
        }
        await Task.Yield();
        try
        {
            await shipper.FetchPolicyAsync(stoppingToken);
            using var timer = new PeriodicTimer(runtime.Options.FlushInterval, runtime.Time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await shipper.FlushAsync(force: false, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFlushFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!shipper.Enabled)
        {
            return;
        }
        try
        {
            await shipper.FlushAsync(force: true, cancellationToken); // the last counts, bounded by the send timeout
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(10, LogLevel.Error, "Stepwise client telemetry: a flush failed unexpectedly; the loop goes on")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
