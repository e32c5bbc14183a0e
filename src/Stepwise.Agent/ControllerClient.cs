using System.Net.Http.Headers;
using System.Net.Http.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent;

/// <summary>The agent's side of the heartbeat route: one POST per heartbeat, the reply or a <see cref="ControllerException"/>.</summary>
public sealed class ControllerClient : IDisposable
{
    private readonly HttpClient http;

    public ControllerClient(Uri controller, string token, TimeSpan timeout, HttpMessageHandler? handler = null)
    {
        http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.BaseAddress = controller;
        http.Timeout = timeout;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public async Task<HeartbeatReply> SendAsync(Heartbeat heartbeat, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync(Routes.Heartbeat, heartbeat, SnapshotJson.Options, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new ControllerException($"controller {http.BaseAddress} unreachable: {e.Message}", null);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ControllerException($"controller {http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:0.#} s", null);
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new ControllerException($"controller answered {(int)response.StatusCode} {response.ReasonPhrase}: {Trim(body)}", (int)response.StatusCode);
            }
            try
            {
                return await response.Content.ReadFromJsonAsync<HeartbeatReply>(SnapshotJson.Options, cancellationToken)
                    ?? throw new ControllerException("controller answered an empty heartbeat reply", (int)response.StatusCode);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new ControllerException($"controller answered a malformed heartbeat reply: {e.Message}", (int)response.StatusCode);
            }
        }
    }

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300] + "...";

    public void Dispose() => http.Dispose();
}

/// <summary>A heartbeat that got no usable answer: unreachable, timed out, refused (4xx/5xx) or malformed.</summary>
public sealed class ControllerException(string message, int? status) : Exception(message)
{
    public int? Status { get; } = status;
}
