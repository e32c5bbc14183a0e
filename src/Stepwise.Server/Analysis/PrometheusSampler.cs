using System.Globalization;
using Stepwise.Core.Analysis;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;

namespace Stepwise.Server.Analysis;

/// <summary>
/// Queries Prometheus (<c>--prometheus</c>) for the analysis metrics the policy reads from it
/// (<see cref="MetricSpec.Prometheus"/>), on every replica (the leader judges on the answers; the others show the same
/// analysis in their views and dashboards, since every replica tracks the stages the leader runs): for every stage in analysis, each side (canary and baseline,
/// by Core's <see cref="SampleCollector.Sides"/>) is queried over the whole stage so far, again every half analysis
/// interval, so the judgement due each interval reads samples at most that old. What to ask and what the answers mean
/// are Core's (<see cref="PrometheusPlan"/>, which the simulator runs against its model of Prometheus); this class
/// runs the queries over HTTP. The reconciler reads the last results
/// (<see cref="Current"/>) without waiting on Prometheus: a slow or failing Prometheus delays data, never a tick. A
/// query that fails leaves its metric without data, with the reason in its analysis ("prometheus: ...").
/// </summary>
public sealed class PrometheusSampler(ServerRuntime runtime, HttpClient http, ILogger<PrometheusSampler> log)
{
    /// <summary>The largest answer read from Prometheus.</summary>
    public const int MaxAnswerBytes = 16 * 1024 * 1024;

    private readonly SemaphoreSlim concurrency = new(4, 4);
    private Dictionary<string, (DateTimeOffset At, RolloutSamples Samples)> byStage = new(StringComparer.Ordinal);

    /// <summary>The last results for the stages in analysis now (a result for an earlier stage is never reused).</summary>
    public IReadOnlyList<RolloutSamples> Current()
    {
        var cached = Volatile.Read(ref byStage);
        if (cached.Count == 0)
        {
            return [];
        }
        return runtime.Samples.Tracked()
            .Select(r => cached.TryGetValue(SampleCollector.StageKey(r), out var entry) ? entry.Samples : null)
            .OfType<RolloutSamples>()
            .ToList();
    }

    /// <summary>Refreshes once a second, until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromSeconds(1), runtime.Time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogWarning(e, "querying Prometheus for the canary analysis failed; retrying in a second");
                await Task.Delay(TimeSpan.FromSeconds(1), runtime.Time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Queries the stages whose results are missing or older than half an analysis interval. Public for tests.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var analysis = runtime.Config.Config.Policy.Analysis;
        var metrics = PrometheusPlan.Metrics(analysis);
        var stages = metrics.Count == 0 ? [] : runtime.Samples.Tracked();
        if (stages.Count == 0)
        {
            Volatile.Write(ref byStage, new Dictionary<string, (DateTimeOffset, RolloutSamples)>(StringComparer.Ordinal));
            return;
        }
        var now = runtime.Time.GetUtcNow();
        var cached = Volatile.Read(ref byStage);
        var next = new Dictionary<string, (DateTimeOffset, RolloutSamples)>(StringComparer.Ordinal);
        List<Node>? nodes = null;
        foreach (var rollout in stages)
        {
            var key = SampleCollector.StageKey(rollout);
            if (cached.TryGetValue(key, out var entry) && PrometheusPlan.Fresh(analysis, entry.At, now))
            {
                next[key] = entry;
                continue;
            }
            nodes ??= runtime.Nodes.All();
            var plan = PrometheusPlan.Plan(rollout, metrics, nodes, now);
            if (runtime.Options.Prometheus is null)
            {
                next[key] = (now, PrometheusPlan.Unavailable(plan));
                continue;
            }
            var answers = await Task.WhenAll(plan.Queries.Select(q => AskAsync(q, cancellationToken)));
            next[key] = (now, PrometheusPlan.Assemble(plan, answers));
        }
        Volatile.Write(ref byStage, next);
    }

    private Task<QueryAnswer> AskAsync(PlannedQuery query, CancellationToken cancellationToken) => query.Step is not { } step
        ? AskAsync("api/v1/query", query.PromQL, [new("time", Seconds(query.End))], query.MaxPoints, cancellationToken)
        : AskAsync("api/v1/query_range", query.PromQL,
            [new("start", Seconds(query.Start)), new("end", Seconds(query.End)), new("step", step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture))],
            query.MaxPoints, cancellationToken);

    private async Task<QueryAnswer> AskAsync(string path, string promql, List<KeyValuePair<string, string>> parameters, int maxPoints, CancellationToken cancellationToken)
    {
        var url = new Uri(new Uri(runtime.Options.Prometheus!.AbsoluteUri.TrimEnd('/') + "/"), path);
        await concurrency.WaitAsync(cancellationToken);
        try
        {
            using var content = new FormUrlEncodedContent([new("query", promql), .. parameters]);
            using var response = await http.PostAsync(url, content, cancellationToken);
            var body = await ReadBoundedAsync(response, cancellationToken);
            if (body is null)
            {
                return Failed($"the answer is larger than {MaxAnswerBytes / (1024 * 1024)} MB");
            }
            // Prometheus answers errors (400 bad_data, 422 execution, 503 timeout) with its JSON error body.
            var (values, error) = PrometheusResult.Values(body.Value, maxPoints);
            if (error is null && !response.IsSuccessStatusCode)
            {
                error = $"HTTP {(int)response.StatusCode}";
            }
            return error is null ? Succeeded(values!) : Failed(error);
        }
        catch (HttpRequestException e)
        {
            return Failed($"{url.GetLeftPart(UriPartial.Authority)} did not answer ({e.Message})");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed($"no answer within {http.Timeout.TotalSeconds:0} s");
        }
        finally
        {
            concurrency.Release();
        }

        QueryAnswer Succeeded(List<double> values)
        {
            runtime.Metrics.AnalysisQueries.WithLabels("ok").Inc();
            return QueryAnswer.Of(values);
        }

        QueryAnswer Failed(string error)
        {
            runtime.Metrics.AnalysisQueries.WithLabels("error").Inc();
            log.LogWarning("Prometheus query for the canary analysis failed: {Error} (query: {Query})", error, promql.Length > 500 ? promql[..500] + "…" : promql);
            return QueryAnswer.Failed(error);
        }
    }

    private static async Task<ReadOnlyMemory<byte>?> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxAnswerBytes)
        {
            return null;
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxAnswerBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static string Seconds(DateTimeOffset at) => (at.ToUnixTimeMilliseconds() / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
}
