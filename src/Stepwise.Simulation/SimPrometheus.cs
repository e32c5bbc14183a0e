using Stepwise.Core.Analysis;

namespace Stepwise.Simulation;

/// <summary>
/// The simulated Prometheus (<see cref="SimulationOptions.Prometheus"/>): it scrapes every serving node's app every
/// <see cref="ScrapeInterval"/> (each node at its own offset; a crashed node is not scraped), one series per node and
/// release, and answers the queries Core planned (<see cref="PrometheusPlan"/>) from those series — a rate's events or
/// total as the sum of each node's errors or requests over the query's range, a distribution's points as each node's
/// latency gauge at every step of the range (the last scrape within <see cref="Lookback"/>, as Prometheus does).
/// What was scraped is visible only after <see cref="Lag"/> (ingestion), so the newest data lags. Scrapes happen
/// lazily, when a node's series is read or its state changes, on the grid they would have happened on; its own
/// seeded random source draws the traffic. With <see cref="FaultProfile.QueryFailures"/> it goes down for a few
/// minutes now and then, fails single queries (an error answer, a timeout) and sometimes answers with the series of
/// only some of the nodes.
/// </summary>
internal sealed class SimPrometheus
{
    public static readonly TimeSpan ScrapeInterval = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Lookback = TimeSpan.FromMinutes(5);

    /// <summary>How far back a node's scrapes are made up when its series is first read (and how long they are kept: twice that).</summary>
    private static readonly TimeSpan History = TimeSpan.FromHours(1);

    /// <summary>Requests a node's app serves per second.</summary>
    private const double RequestsPerSecond = 20;

    private readonly record struct Point(long At, int Release, long Requests, long Errors, double LatencyMs);

    private readonly Random random;
    private readonly Func<int, (bool Serving, int Release, double ErrorRate, double LatencyFactor)> app;
    private readonly Dictionary<int, List<Point>> series = [];
    private readonly Dictionary<int, long> scrapedTo = [];
    private readonly List<(DateTimeOffset From, DateTimeOffset To)> outages = [];
    private readonly bool faulty;

    /// <param name="seed">The simulation's seed (this model draws from its own source, seeded from it).</param>
    /// <param name="app">What node i's app does now: whether it serves, its release ordinal, its error rate and latency factor.</param>
    public SimPrometheus(int seed, bool faulty, Func<int, (bool Serving, int Release, double ErrorRate, double LatencyFactor)> app)
    {
        random = new Random(unchecked(seed * 31 + 0x5EED));
        this.app = app;
        this.faulty = faulty;
        Lag = TimeSpan.FromSeconds(10 + random.Next(30));
        if (faulty)
        {
            // Two outages of one to four minutes in the first three hours.
            for (var k = 0; k < 2; k++)
            {
                var from = SimWorld.Epoch + TimeSpan.FromMinutes(5 + random.Next(175));
                outages.Add((from, from + TimeSpan.FromSeconds(60 + random.Next(180))));
            }
        }
    }

    /// <summary>How long a scrape takes to show in answers.</summary>
    public TimeSpan Lag { get; }

    /// <summary>What happened to the queries: "prometheus queries answered", "... failed", "... with fewer nodes".</summary>
    public SortedDictionary<string, int> Counts { get; } = new(StringComparer.Ordinal);

    /// <summary>Brings node <paramref name="node"/>'s series up to <paramref name="now"/> with what its app does now (called before the app changes).</summary>
    public void Scrape(int node, DateTimeOffset now)
    {
        var last = scrapedTo.TryGetValue(node, out var to) ? to : long.MinValue;
        var from = Math.Max(last, (now - History).UtcTicks);
        var offset = (node * 7_919L % (long)ScrapeInterval.TotalMilliseconds) * TimeSpan.TicksPerMillisecond;
        var step = ScrapeInterval.Ticks;
        // The first grid time after `from`: Epoch + offset + k × step.
        var origin = SimWorld.Epoch.UtcTicks + offset;
        var k = from < origin ? 0 : (from - origin) / step + 1;
        var (serving, release, errorRate, latencyFactor) = app(node);
        if (!series.TryGetValue(node, out var points))
        {
            series[node] = points = [];
        }
        for (var at = origin + k * step; at <= now.UtcTicks; at += step)
        {
            if (serving)
            {
                var requests = (long)(ScrapeInterval.TotalSeconds * RequestsPerSecond);
                points.Add(new Point(at, release, requests, Draws.Errors(random, requests, errorRate), Draws.Latency(random, 100 * latencyFactor)));
            }
        }
        scrapedTo[node] = now.UtcTicks;
        var keep = (now - 2 * History).UtcTicks;
        if (points.Count > 0 && points[0].At < keep)
        {
            points.RemoveAll(p => p.At < keep);
        }
    }

    /// <summary>
    /// Answers one planned query at <paramref name="now"/>: the series of the nodes it names (by <paramref name="indexOf"/>;
    /// -1: no such node) on <paramref name="release"/> (the ordinal of the query's release).
    /// </summary>
    public QueryAnswer Answer(PlannedQuery query, DateTimeOffset now, Func<string, int> indexOf, int release)
    {
        if (faulty && Failure(now) is { } error)
        {
            Count("prometheus queries failed");
            return QueryAnswer.Failed(error);
        }
        var nodes = query.Nodes.Select(indexOf).Where(i => i >= 0).ToList();
        if (faulty && random.NextDouble() < 0.08)
        {
            // Some targets' series are missing (a scrape pool behind, a shard down): only some nodes answer.
            nodes = nodes.Where(_ => random.NextDouble() < 0.5).ToList();
            Count("prometheus answers with fewer nodes");
        }
        var visible = (now - Lag).UtcTicks;
        var values = new List<double>();
        foreach (var node in nodes)
        {
            Scrape(node, now);
            var points = series[node];
            if (query.Step is not { } step)
            {
                // increase(...[range]) at End, by node: the node's counts in (End - Range, End], if it has the series.
                var from = (query.End - query.Range).UtcTicks;
                var end = Math.Min(query.End.UtcTicks, visible);
                var inRange = points.Where(p => p.Release == release && p.At > from && p.At <= end).ToList();
                if (inRange.Count > 0)
                {
                    values.Add(query.Role == QueryRole.Events ? inRange.Sum(p => p.Errors) : inRange.Sum(p => p.Requests));
                }
                continue;
            }
            // A range query of the latency gauge: at each step, the last point within the lookback.
            var mine = points.Where(p => p.Release == release && p.At <= visible).ToList();
            for (var t = query.Start; t <= query.End && values.Count < query.MaxPoints; t += step)
            {
                var at = t.UtcTicks;
                var last = mine.LastOrDefault(p => p.At <= at);
                if (last.At > 0 && at - last.At <= Lookback.Ticks)
                {
                    values.Add(last.LatencyMs);
                }
            }
        }
        Count("prometheus queries answered");
        return QueryAnswer.Of(values.Count > query.MaxPoints ? values.Take(query.MaxPoints).ToList() : values);
    }

    /// <summary>Why a query fails now, if it does: an outage, or (rarely) an error answer or a timeout.</summary>
    private string? Failure(DateTimeOffset now)
    {
        if (outages.Any(o => now >= o.From && now < o.To))
        {
            return "http://prometheus:9090 did not answer (Connection refused (prometheus:9090))";
        }
        var draw = random.NextDouble();
        return draw < 0.04 ? "execution: query timed out in expression evaluation"
            : draw < 0.07 ? "no answer within 10 s"
            : null;
    }

    private void Count(string what) => Counts[what] = Counts.GetValueOrDefault(what) + 1;
}
