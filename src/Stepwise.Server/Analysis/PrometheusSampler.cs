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
/// interval, so the judgement due each interval reads samples at most that old. The reconciler reads the last results
/// (<see cref="Current"/>) without waiting on Prometheus: a slow or failing Prometheus delays data, never a tick. A
/// query that fails leaves its metric without data, with the reason in its analysis ("prometheus: ...").
/// </summary>
public sealed class PrometheusSampler(ServerRuntime runtime, HttpClient http, ILogger<PrometheusSampler> log)
{
    /// <summary>The largest answer read from Prometheus.</summary>
    public const int MaxAnswerBytes = 16 * 1024 * 1024;

    /// <summary>Prometheus refuses a range query of more than 11,000 points per series; the step grows to stay below.</summary>
    private const int MaxRangePoints = 10_000;

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
        var metrics = analysis.Metrics.Where(m => m.Prometheus is not null).ToList();
        var stages = metrics.Count == 0 ? [] : runtime.Samples.Tracked();
        if (stages.Count == 0)
        {
            Volatile.Write(ref byStage, new Dictionary<string, (DateTimeOffset, RolloutSamples)>(StringComparer.Ordinal));
            return;
        }
        var now = runtime.Time.GetUtcNow();
        var every = analysis.Interval / 2 < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : analysis.Interval / 2;
        var cached = Volatile.Read(ref byStage);
        var next = new Dictionary<string, (DateTimeOffset, RolloutSamples)>(StringComparer.Ordinal);
        List<Node>? nodes = null;
        foreach (var rollout in stages)
        {
            var key = SampleCollector.StageKey(rollout);
            if (cached.TryGetValue(key, out var entry) && now - entry.At < every && now >= entry.At)
            {
                next[key] = entry;
                continue;
            }
            nodes ??= runtime.Nodes.All();
            var (canary, baseline) = SampleCollector.Sides(rollout, nodes);
            var samples = await Task.WhenAll(metrics.Select(m => MetricAsync(m, rollout, canary, baseline, now, cancellationToken)));
            next[key] = (now, new RolloutSamples(rollout.Id, rollout.Phase, samples));
        }
        Volatile.Write(ref byStage, next);
    }

    private async Task<MetricSamples> MetricAsync(MetricSpec metric, Rollout rollout, List<string> canary, List<string> baseline, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var query = metric.Prometheus!;
        var start = rollout.PhaseSince < now ? rollout.PhaseSince : now;
        if (runtime.Options.Prometheus is null)
        {
            return new MetricSamples(metric.Name, [], [], Problem: "prometheus: the server has no Prometheus to query (start it with --prometheus URL)");
        }
        async Task<(List<double>? Values, string? Error)> Side(string role, string release, List<string> nodes)
        {
            if (nodes.Count == 0)
            {
                return ([], null);
            }
            var template = role switch { "events" => query.Events!, "total" => query.Total!, _ => query.Query! };
            var promql = MetricQuery.Fill(template, rollout.Service, release, MetricQuery.Sample(nodes), now - start);
            return role == "query"
                ? await RangeAsync(promql, start, now, query.StepOrDefault, cancellationToken)
                : await InstantAsync(promql, now, cancellationToken);
        }
        if (metric.Kind == MetricKind.Distribution)
        {
            var c = await Side("query", rollout.CanaryRelease, canary);
            var b = await Side("query", rollout.From, baseline);
            return new MetricSamples(metric.Name, c.Values ?? [], b.Values ?? [], Problem: Problem(("canary", c.Error), ("baseline", b.Error)));
        }
        var ce = await Side("events", rollout.CanaryRelease, canary);
        var ct = await Side("total", rollout.CanaryRelease, canary);
        var be = await Side("events", rollout.From, baseline);
        var bt = await Side("total", rollout.From, baseline);
        var (canaryEvents, canaryTotal, canaryError) = Counts(ce, ct);
        var (baselineEvents, baselineTotal, baselineError) = Counts(be, bt);
        return new MetricSamples(metric.Name, [], [], canaryEvents, canaryTotal, baselineEvents, baselineTotal,
            Problem(("canary", canaryError), ("baseline", baselineError)));
    }

    /// <summary>A side's events and total: the sums of what the two queries returned, whole and not negative, events within the total.</summary>
    private static (long Events, long Total, string? Error) Counts((List<double>? Values, string? Error) events, (List<double>? Values, string? Error) total)
    {
        if (events.Error is not null || total.Error is not null)
        {
            return (0, 0, events.Error is not null ? $"events: {events.Error}" : $"total: {total.Error}");
        }
        var e = Whole(events.Values!.Sum());
        var t = Whole(total.Values!.Sum());
        return e > t ? (0, 0, $"events ({e}) above total ({t}): check that both queries count the same requests") : (e, t, null);
    }

    private static long Whole(double value) => value <= 0 || !double.IsFinite(value) ? 0 : value >= long.MaxValue ? long.MaxValue : (long)Math.Round(value);

    private static string? Problem(params (string Side, string? Error)[] errors)
    {
        var failed = errors.Where(e => e.Error is not null).Select(e => $"{e.Side}: {e.Error}").ToList();
        return failed.Count == 0 ? null : "prometheus: " + string.Join("; ", failed);
    }

    private Task<(List<double>?, string?)> InstantAsync(string promql, DateTimeOffset at, CancellationToken cancellationToken) =>
        AskAsync("api/v1/query", promql, [new("time", Seconds(at))], SampleCollector.MaxLatencySamples, cancellationToken);

    private Task<(List<double>?, string?)> RangeAsync(string promql, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
    {
        var span = end - start;
        if (span / step > MaxRangePoints)
        {
            step = span / MaxRangePoints;
        }
        return AskAsync("api/v1/query_range", promql,
            [new("start", Seconds(start)), new("end", Seconds(end)), new("step", step.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture))],
            SampleCollector.MaxLatencySamples, cancellationToken);
    }

    private async Task<(List<double>?, string?)> AskAsync(string path, string promql, List<KeyValuePair<string, string>> parameters, int maxPoints, CancellationToken cancellationToken)
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

        (List<double>?, string?) Succeeded(List<double> values)
        {
            runtime.Metrics.AnalysisQueries.WithLabels("ok").Inc();
            return (values, null);
        }

        (List<double>?, string?) Failed(string error)
        {
            runtime.Metrics.AnalysisQueries.WithLabels("error").Inc();
            log.LogWarning("Prometheus query for the canary analysis failed: {Error} (query: {Query})", error, promql.Length > 500 ? promql[..500] + "…" : promql);
            return (null, error);
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
