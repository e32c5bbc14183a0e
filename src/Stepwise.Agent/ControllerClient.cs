using System.Net.Http.Headers;
using System.Net.Http.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent;

/// <summary>The agent's side of the heartbeat route: one POST per heartbeat, the reply or a <see cref="ControllerException"/>.</summary>
public sealed class ControllerClient : IDisposable
{
    public const int MaxReply = 1 << 20;

    private readonly HttpClient http;

    public ControllerClient(Uri controller, string token, TimeSpan timeout, HttpMessageHandler? handler = null)
    {
        http = handler is null ? new HttpClient() : new HttpClient(handler);
        http.BaseAddress = controller;
        http.Timeout = timeout;
        // A heartbeat reply is small; anything bigger is refused before it is parsed.
        http.MaxResponseContentBufferSize = MaxReply;
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
            throw new ControllerException($"controller {http.BaseAddress} unreachable: {Reason(e)}", null);
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
                var reply = await response.Content.ReadFromJsonAsync<HeartbeatReply>(SnapshotJson.Tolerant, cancellationToken)
                    ?? throw new ControllerException("controller answered an empty heartbeat reply", (int)response.StatusCode);
                if (Problem(reply, heartbeat.Node) is { } problem)
                {
                    throw new ControllerException($"controller answered an invalid heartbeat reply: {problem}", (int)response.StatusCode);
                }
                return reply;
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new ControllerException($"controller answered a malformed heartbeat reply: {e.Message}", (int)response.StatusCode);
            }
        }
    }

    /// <summary>Why a reply can't be acted on (null: it can). The artifact is checked when it is run (a failed install).</summary>
    internal static string? Problem(HeartbeatReply reply, string node)
    {
        if (reply.Node != node)
        {
            return $"it is for node '{Trim(reply.Node ?? "null")}', not {node}";
        }
        if (reply.DesiredRelease is { } release && !AgentPolicy.SafeValue(release))
        {
            return $"desired release '{Trim(release)}' is not a release id (letters, digits and . _ - +, at most {AgentPolicy.MaxReleaseLength})";
        }
        if (!Enum.IsDefined(reply.State))
        {
            return $"unknown node state {(int)reply.State}";
        }
        return null;
    }

    /// <summary>The message of an HTTP failure with its cause (a TLS failure says why the certificate was refused).</summary>
    internal static string Reason(Exception e)
    {
        var parts = new List<string>();
        for (var x = (Exception?)e; x is not null && parts.Count < 4; x = x.InnerException)
        {
            if (!parts.Contains(x.Message))
            {
                parts.Add(x.Message);
            }
        }
        return string.Join(": ", parts);
    }

    private static string Trim(string text) => text.Length <= 300 ? text : text[..300] + "...";

    public void Dispose() => http.Dispose();
}

/// <summary>A heartbeat that got no usable answer: unreachable, timed out, refused (4xx/5xx) or malformed.</summary>
public sealed class ControllerException(string message, int? status) : Exception(message)
{
    public int? Status { get; } = status;
}
