using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stepwise.Clients.Middleware;
using Stepwise.Clients.Wire;

namespace Stepwise.Clients.Telemetry;

/// <summary>
/// Ships counts to the server and reads its policy, off the request path. Each flush drains the call table into
/// batches (while fewer than <see cref="StepwiseClientsOptions.MaxRetainedBatches"/> wait; otherwise counts stay in
/// the table) and sends the waiting batches oldest first. 202: sent, the answer's policy applied. 400 or 413: the
/// batch is dropped and its calls counted as dropped. 429, 503, any other failure or no answer: the batch stays and
/// the next attempt waits (exponential backoff, at least the server's Retry-After).
/// </summary>
internal sealed partial class TelemetryShipper
{
    public const string HttpClientName = "Stepwise.Clients";

    private readonly ClientsRuntime runtime;
    private readonly IHttpClientFactory http;
    private readonly ILogger logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Queue<PendingBatch> outbox = new();
    private DateTimeOffset windowStart;
    private DateTimeOffset nextAttempt = DateTimeOffset.MinValue;
    private int failures;

    public TelemetryShipper(ClientsRuntime runtime, IHttpClientFactory http, ILogger<TelemetryShipper> logger)
    {
        this.runtime = runtime;
        this.http = http;
        this.logger = logger;
        windowStart = runtime.Time.GetUtcNow();
        runtime.PendingBatches = () => PendingBatches;
    }

    private StepwiseClientsOptions Options => runtime.Options;

    public bool Enabled => runtime.Calls is not null;

    public int PendingBatches
    {
        get
        {
            lock (outbox)
            {
                return outbox.Count;
            }
        }
    }

    public DateTimeOffset? LastSentAt { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>Drains and sends; <paramref name="force"/> ignores the backoff (an explicit flush, or shutdown).</summary>
    public async Task FlushAsync(bool force, CancellationToken cancellationToken)
    {
        if (runtime.Calls is not { } calls)
        {
            return;
        }
        await gate.WaitAsync(cancellationToken);
        try
        {
            Snapshot(calls);
            var now = runtime.Time.GetUtcNow();
            if (!force && now < nextAttempt)
            {
                return;
            }
            var sent = await SendWaitingAsync(calls, cancellationToken);
            var refresh = runtime.Policy.RefreshInterval ?? TimeSpan.FromSeconds(60);
            if (!sent && failures == 0 && (runtime.Policy.ServerPolicyAt is not { } at || now - at >= refresh))
            {
                await FetchPolicyCoreAsync(cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>GET policy; false when the server did not answer with one.</summary>
    public async Task<bool> FetchPolicyAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return false;
        }
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await FetchPolicyCoreAsync(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private void Snapshot(CallTable calls)
    {
        lock (outbox)
        {
            if (outbox.Count >= Options.MaxRetainedBatches)
            {
                return; // the table keeps counting; its window grows until the server takes the waiting batches
            }
        }
        var now = runtime.Time.GetUtcNow();
        var drained = calls.Drain(StepwiseProtocol.MaxCount);
        var envelope = Envelope(windowStart, now, [], 0);
        windowStart = now;
        lock (outbox)
        {
            foreach (var body in BatchSplitter.Split(drained, envelope))
            {
                outbox.Enqueue(new PendingBatch(envelope.From, envelope.To, body));
            }
            if (outbox.Count == 0 && calls.Unreported > 0)
            {
                outbox.Enqueue(new PendingBatch(envelope.From, envelope.To, [])); // carries the drop count alone
            }
        }
    }

    private async Task<bool> SendWaitingAsync(CallTable calls, CancellationToken cancellationToken)
    {
        var sent = false;
        while (true)
        {
            PendingBatch? batch;
            lock (outbox)
            {
                if (!outbox.TryPeek(out batch))
                {
                    return sent;
                }
            }
            var dropped = calls.TakeUnreported(StepwiseProtocol.MaxDropped);
            var outcome = await SendAsync(batch, dropped, cancellationToken);
            if (outcome.Kind != OutcomeKind.Accepted)
            {
                calls.ReturnUnreported(dropped);
            }
            switch (outcome.Kind)
            {
                case OutcomeKind.Accepted:
                    Dequeue();
                    sent = true;
                    LastSentAt = runtime.Time.GetUtcNow();
                    if (failures > 0)
                    {
                        LogRecovered(logger, failures);
                    }
                    failures = 0;
                    LastError = null;
                    nextAttempt = DateTimeOffset.MinValue;
                    break;
                case OutcomeKind.Rejected:
                    Dequeue();
                    calls.Drop(batch.Calls.Sum(c => c.Count));
                    LastError = outcome.Error;
                    LogRejected(logger, batch.Calls.Count, outcome.Error);
                    break;
                default:
                    failures++;
                    LastError = outcome.Error;
                    nextAttempt = runtime.Time.GetUtcNow() + Backoff(failures, outcome.RetryAfter);
                    if (failures == 1)
                    {
                        LogFailing(logger, Options.Server, outcome.Error);
                    }
                    return sent;
            }
        }

        void Dequeue()
        {
            lock (outbox)
            {
                outbox.Dequeue();
            }
        }
    }

    private async Task<Outcome> SendAsync(PendingBatch batch, long dropped, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(Envelope(batch.From, batch.To, batch.Calls, dropped), ClientsJson.Default.TelemetryBatch);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return await CallAsync(HttpMethod.Post, StepwiseProtocol.TelemetryRoute, content, async (response, ct) =>
        {
            if (response.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                try
                {
                    if (await ReadJsonAsync(response, ClientsJson.Default.TelemetryAnswer, ct) is { Policy: { } policy })
                    {
                        Apply(policy);
                    }
                }
                catch (JsonException e)
                {
                    LogSkipped(logger, $"the answer to an accepted batch is not JSON of the contract ({e.Message})"); // the batch stays sent
                }
                return Outcome.Accepted;
            }
            var error = $"{(int)response.StatusCode} {response.ReasonPhrase}: {await ProblemDetailAsync(response, ct)}";
            return response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge
                ? new Outcome(OutcomeKind.Rejected, error, null)
                : new Outcome(OutcomeKind.Retry, error, RetryAfter(response));
        }, cancellationToken);
    }

    private async Task<bool> FetchPolicyCoreAsync(CancellationToken cancellationToken)
    {
        var query = $"?service={Uri.EscapeDataString(Options.Service!)}" + (Options.Release is { } release ? $"&release={Uri.EscapeDataString(release)}" : "");
        var outcome = await CallAsync(HttpMethod.Get, StepwiseProtocol.PolicyRoute + query, null, async (response, ct) =>
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new Outcome(OutcomeKind.Retry, $"{(int)response.StatusCode} {response.ReasonPhrase}: {await ProblemDetailAsync(response, ct)}", null);
            }
            if (await ReadJsonAsync(response, ClientsJson.Default.PolicyDocument, ct) is not { } policy)
            {
                return new Outcome(OutcomeKind.Retry, "the policy answer was empty", null);
            }
            Apply(policy);
            return Outcome.Accepted;
        }, cancellationToken);
        if (outcome.Kind != OutcomeKind.Accepted)
        {
            LogPolicyUnavailable(logger, Options.Server, outcome.Error);
        }
        return outcome.Kind == OutcomeKind.Accepted;
    }

    private async Task<Outcome> CallAsync(HttpMethod method, string route, HttpContent? content, Func<HttpResponseMessage, CancellationToken, Task<Outcome>> read, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(Options.SendTimeout, runtime.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(method, new Uri(BaseAddress, route.TrimStart('/'))) { Content = content };
            if (ReadToken() is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            var client = http.CreateClient(HttpClientName);
            using var response = await client.SendAsync(request, linked.Token);
            return await read(response, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new Outcome(OutcomeKind.Retry, $"no answer within {Options.SendTimeout.TotalSeconds:0.#} s", null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or JsonException or UnauthorizedAccessException)
        {
            return new Outcome(OutcomeKind.Retry, e.Message, null);
        }
    }

    // The server's address as a base for relative routes, so a path prefix (https://host/stepwise/) is kept.
    private Uri BaseAddress => Options.Server!.AbsoluteUri.EndsWith('/') ? Options.Server : new Uri(Options.Server.AbsoluteUri + "/");

    private string? ReadToken()
    {
        if (Options.TokenFile is { } file)
        {
            return File.ReadAllText(file).Trim(); // IOException: retried like a network error
        }
        return Options.Token;
    }

    private void Apply(PolicyDocument policy)
    {
        foreach (var skipped in runtime.Policy.ApplyServer(policy))
        {
            LogSkipped(logger, skipped);
        }
    }

    private TelemetryBatch Envelope(DateTimeOffset from, DateTimeOffset to, IReadOnlyList<CallCount> calls, long dropped) =>
        new(Options.Service!, Options.Release, Options.Instance, from, to, calls, dropped);

    private TimeSpan Backoff(int failureCount, TimeSpan? retryAfter)
    {
        var exponential = Options.FlushInterval * Math.Pow(2, Math.Min(failureCount - 1, 20));
        var delay = exponential < Options.MaxBackoff ? exponential : Options.MaxBackoff;
        delay *= 0.8 + (Random.Shared.NextDouble() * 0.4); // jitter, so a fleet does not retry in step
        return retryAfter is { } wait && wait > delay ? (wait < TimeSpan.FromHours(1) ? wait : TimeSpan.FromHours(1)) : delay;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - runtime.Time.GetUtcNow(),
        _ => null,
    };

    private static async Task<T?> ReadJsonAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return bytes.Length == 0 ? default : JsonSerializer.Deserialize(bytes, type);
    }

    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await ReadJsonAsync(response, ClientsJson.Default.ProblemFields, cancellationToken);
            return problem?.Detail ?? problem?.Title ?? "(no problem detail)";
        }
        catch (JsonException)
        {
            return "(no problem detail)";
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "Stepwise client telemetry: the server {Server} does not take batches ({Error}); counts are kept (bounded) and retried with backoff")]
    private static partial void LogFailing(ILogger logger, Uri? server, string? error);

    [LoggerMessage(2, LogLevel.Information, "Stepwise client telemetry: the server takes batches again after {Failures} failed attempts")]
    private static partial void LogRecovered(ILogger logger, int failures);

    [LoggerMessage(3, LogLevel.Warning, "Stepwise client telemetry: the server refused a batch of {Entries} entries as invalid ({Error}); its calls are counted as dropped")]
    private static partial void LogRejected(ILogger logger, int entries, string? error);

    [LoggerMessage(4, LogLevel.Warning, "Stepwise client policy: skipped an invalid entry from the server: {Entry}")]
    private static partial void LogSkipped(ILogger logger, string entry);

    [LoggerMessage(5, LogLevel.Debug, "Stepwise client policy: no policy from {Server} ({Error}); the local policy stays in force")]
    private static partial void LogPolicyUnavailable(ILogger logger, Uri? server, string? error);

    private sealed record PendingBatch(DateTimeOffset From, DateTimeOffset To, List<CallCount> Calls);

    private enum OutcomeKind
    {
        Accepted,
        Rejected,
        Retry,
    }

    private sealed record Outcome(OutcomeKind Kind, string? Error, TimeSpan? RetryAfter)
    {
        public static readonly Outcome Accepted = new(OutcomeKind.Accepted, null, null);
    }
}
