using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Stepwise.Clients;

namespace Stepwise.Samples.Orders;

/// <summary>
/// A client built long ago against orders 1.0.0 and never updated, as a mobile app in a drawer or a partner's batch
/// job: it places an order and cancels it (<c>POST /orders</c>, then <c>DELETE /orders/{id}</c>) over and over,
/// naming itself in the <c>Stepwise-Client</c> header through <see cref="StepwiseClientHandler"/>. It prints a line
/// each time the outcome changes: the status, a deprecation the service announces, or the typed upgrade-required
/// answer with its problem body.
/// </summary>
internal static class OldClient
{
    public const string Usage = "old-client --client APP/VERSION --target URL [--target URL ...] [--every MILLISECONDS]";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var targets = new List<Uri>();
        string? client = null;
        var every = TimeSpan.FromMilliseconds(250);
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--client" when value is not null:
                    client = value;
                    break;
                case "--target" when value is not null && Uri.TryCreate(value, UriKind.Absolute, out var target):
                    targets.Add(target);
                    break;
                case "--every" when value is not null && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms is > 0 and <= 60_000:
                    every = TimeSpan.FromMilliseconds(ms);
                    break;
                default:
                    Console.Error.WriteLine($"error: argument '{args[i]}'{(value is null ? "" : $" '{value}'")}: expected {Usage}");
                    return 2;
            }
            i++;
        }
        if (client is null || !ClientIdentity.TryParse(client, out var identity) || !identity.IsKnown || targets.Count == 0)
        {
            Console.Error.WriteLine($"error: give --client as app/version (e.g. old-client/1.4.2) and at least one --target; usage: {Usage}");
            return 2;
        }

        var monitor = new StepwiseClientMonitor();
        monitor.Deprecated += (_, e) => Say($"deprecated: {e.Operation}{(e.Sunset is { } sunset ? $", sunset {sunset:yyyy-MM-dd}" : "")}{(e.Link is { } link ? $", see {link}" : "")}");
        using var http = new HttpClient(new StepwiseClientHandler(identity, new SocketsHttpHandler(), monitor)) { Timeout = TimeSpan.FromSeconds(2) };
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
        Say($"{identity} calling {string.Join(", ", targets)}");
        var last = "";
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var outcome = await PlaceAndCancelAsync(http, targets[n % targets.Count], stop.Token);
            if (outcome != last && outcome.Length > 0)
            {
                last = outcome;
                Say(outcome);
            }
            try
            {
                await Task.Delay(every, stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        return 0;
    }

    private static async Task<string> PlaceAndCancelAsync(HttpClient http, Uri target, CancellationToken ct)
    {
        try
        {
            using var placed = await http.PostAsJsonAsync(new Uri(target, "/orders"), new { item = "tea", quantity = 1 }, ct);
            if (!placed.IsSuccessStatusCode)
            {
                return $"POST /orders: {(int)placed.StatusCode}";
            }
            var id = (await placed.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetInt64();
            using var cancelled = await http.DeleteAsync(new Uri(target, $"/orders/{id}"), ct);
            return $"POST /orders: {(int)placed.StatusCode}, DELETE /orders/{{id}}: {(int)cancelled.StatusCode}";
        }
        catch (UpgradeRequiredException e)
        {
            return $"upgrade required: {e.Problem}";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return "";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return "unreachable"; // a node restarting or moving between releases: the client simply tries again
        }
    }

    private static void Say(string line) => Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} {line}");
}
