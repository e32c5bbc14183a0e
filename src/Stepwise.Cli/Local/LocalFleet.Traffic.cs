namespace Stepwise.Cli.Local;

/// <summary>Orders traffic on every node's port, one loop per node, so canary analysis has samples to judge.</summary>
public sealed partial class LocalFleet
{
    private CancellationTokenSource? traffic;
    private Task? trafficTask;

    /// <summary>Starts traffic on every node: about 40 requests a second each, one write in four when <paramref name="writes"/>.</summary>
    public void StartTraffic(bool writes = true)
    {
        if (traffic is not null)
        {
            return;
        }
        traffic = new CancellationTokenSource();
        var ports = nodes.Values.Select(n => n.Port).ToList();
        var token = traffic.Token;
        trafficTask = Task.Run(async () =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            await Task.WhenAll(ports.Select(port => NodeTrafficAsync(http, port, writes, token)));
        }, CancellationToken.None);
    }

    private async Task StopTrafficAsync()
    {
        if (traffic is null)
        {
            return;
        }
        await traffic.CancelAsync();
        if (trafficTask is not null)
        {
            await trafficTask;
        }
        traffic.Dispose();
        traffic = null;
    }

    private static async Task NodeTrafficAsync(HttpClient http, int port, bool writes, CancellationToken ct)
    {
        var url = $"http://127.0.0.1:{port}/orders";
        for (var n = 0; !ct.IsCancellationRequested; n++)
        {
            try
            {
                if (writes && n % 4 == 0)
                {
                    using var body = new StringContent($"{{\"item\":\"tea\",\"quantity\":1,\"email\":\"c{n}@example.com\"}}", System.Text.Encoding.UTF8, "application/json");
                    (await http.PostAsync(url, body, ct)).Dispose();
                }
                else
                {
                    (await http.GetAsync($"{url}/{1 + (n % 50)}", ct)).Dispose();
                }
                await Task.Delay(25, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // a node that is down or not serving: nothing to measure there
                try
                {
                    await Task.Delay(100, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
