using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Api;

/// <summary>An answer of the Stepwise API: the status, the body on success, or the problem details on failure.</summary>
public sealed record ApiAnswer<T>(int Status, T? Value, ApiProblem? Problem)
{
    public bool Ok => Problem is null;
}

/// <summary>RFC 9457 problem details as the Stepwise API sends them, with the refusals of a 409 and the findings of a 422.</summary>
public sealed record ApiProblem(int Status, string? Type, string? Title, string? Detail, IReadOnlyList<Refusal> Refusals, JsonElement? Findings)
{
    public bool IsRefusal => Type == ProblemTypes.Refused || Type == ProblemTypes.Incompatible || Refusals.Count > 0;

    public override string ToString() => $"{Status} {Title}: {Detail}";
}

/// <summary>The server could not be reached, or did not answer in time.</summary>
public sealed class ApiConnectionException(string message) : Exception(message);

/// <summary>
/// The typed client of the Stepwise /api/v1 HTTP API (the CLI's commands, the demo and the end-to-end tests):
/// JSON in <see cref="ApiJson.Options"/>, the bearer token on every call, problems parsed, connection
/// failures turned into <see cref="ApiConnectionException"/>.
/// </summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient http;

    public ApiClient(Uri server, string? token, TimeSpan? timeout = null, HttpMessageHandler? handler = null)
    {
        http = (handler is null ? new HttpClient() : new HttpClient(handler));
        http.BaseAddress = server;
        http.Timeout = timeout ?? TimeSpan.FromSeconds(30);
        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri Server => http.BaseAddress!;

    public Task<ApiAnswer<T>> GetAsync<T>(string path, CancellationToken cancellationToken = default) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);

    public Task<ApiAnswer<T>> PostAsync<T>(string path, object? body, CancellationToken cancellationToken = default) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body is null ? "{}" : SnapshotJson.WriteObject(body, ApiJson.Options), Encoding.UTF8, "application/json"),
        }, cancellationToken);

    public Task<ApiAnswer<T>> PutTextAsync<T>(string path, string text, string contentType, CancellationToken cancellationToken = default) =>
        SendAsync<T>(new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(text, Encoding.UTF8, contentType) }, cancellationToken);

    /// <summary>Fills "{name}" placeholders of a route with escaped values.</summary>
    public static string Route(string template, params (string Name, string Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            template = template.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
        }
        return template;
    }

    private async Task<ApiAnswer<T>> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new ApiConnectionException($"cannot reach the Stepwise server at {http.BaseAddress}: {(e.InnerException is System.Security.Authentication.AuthenticationException tls ? $"{e.Message.TrimEnd('.')}: {tls.Message.TrimEnd('.')} (give the CA that signed the server's certificate with --ca-file or STEPWISE_CA_FILE)" : e.Message)}; is 'stepwise server' running there? (--server or STEPWISE_SERVER)");
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ApiConnectionException($"the Stepwise server at {http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:0} s");
            }
            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                var status = (int)response.StatusCode;
                if (!response.IsSuccessStatusCode)
                {
                    return new ApiAnswer<T>(status, default, ParseProblem(status, text, response.ReasonPhrase));
                }
                if (typeof(T) == typeof(string))
                {
                    return new ApiAnswer<T>(status, (T)(object)text, null);
                }
                try
                {
                    return new ApiAnswer<T>(status, text.Length == 0 ? default : SnapshotJson.Read<T>(text, ApiJson.Tolerant), null);
                }
                catch (JsonException e)
                {
                    return new ApiAnswer<T>(status, default, new ApiProblem(status, null, "malformed answer", $"the server's answer is not the expected JSON: {e.Message}", [], null));
                }
            }
        }
    }

    internal static ApiProblem ParseProblem(int status, string text, string? reason)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            string? Str(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            var refusals = root.TryGetProperty("refusals", out var r) && r.ValueKind == JsonValueKind.Array
                ? SnapshotJson.Read<List<Refusal>>(r, ApiJson.Tolerant) ?? []
                : [];
            JsonElement? findings = root.TryGetProperty("findings", out var f) ? f.Clone() : null;
            return new ApiProblem(status, Str("type"), Str("title"), Str("detail"), refusals, findings);
        }
        catch (JsonException)
        {
            return new ApiProblem(status, null, reason, text.Length > 300 ? text[..300] : text, [], null);
        }
    }

    public void Dispose() => http.Dispose();
}
