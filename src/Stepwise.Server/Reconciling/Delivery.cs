using System.Net.Http.Json;
using System.Text.Json;

namespace Stepwise.Server.Reconciling;

/// <summary>
/// One JSON POST to one receiver of alerts (the webhook, an Alertmanager), tried <see cref="Attempts"/> times with
/// backoff between them (0.5 s, 1 s, 2 s, 4 s). A receiver that stays down loses nothing: alerts are in the event log.
/// </summary>
internal static class Delivery
{
    public const int Attempts = 5;

    /// <summary>Whether the receiver took the body (answered 2xx) within the attempts.</summary>
    public static async Task<bool> PostAsync<T>(HttpClient http, Uri target, T body, JsonSerializerOptions options, string receiver, string what, ILogger log, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            try
            {
                using var response = await http.PostAsJsonAsync(target, body, options, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
                log.LogWarning("{Receiver} answered {Status} for {What} (attempt {Attempt}/{Attempts})", receiver, (int)response.StatusCode, what, attempt, Attempts);
            }
            catch (HttpRequestException e)
            {
                log.LogWarning("{Receiver} failed for {What} (attempt {Attempt}/{Attempts}): {Error}", receiver, what, attempt, Attempts, e.Message);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                log.LogWarning("{Receiver} timed out for {What} (attempt {Attempt}/{Attempts})", receiver, what, attempt, Attempts);
            }
            if (attempt < Attempts)
            {
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
        return false;
    }
}
