using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Stepwise.Agent.Tests;

/// <summary>Which series the agent reads: selectors, the latency unit, and the readings they give.</summary>
public class AppMetricsSpecTests
{
    private static readonly string[] Codes = ["200", "201", "404", "500", "503"];

    /// <summary>A prometheus-net style counter: one series per code (and one with no code label), each its own count.</summary>
    private static readonly (string? Code, string Method, double Count)[] Series =
        [.. Codes.Select((c, i) => ((string?)c, i % 2 == 0 ? "GET" : "POST", (double)(10 * (i + 1) + i))), (null, "GET", 3)];

    private static string CounterText(string name) => string.Concat(Series.Select(s =>
        $"{name}{{{(s.Code is null ? "" : $"code=\"{s.Code}\",")}method=\"{s.Method}\"}} {s.Count.ToString(CultureInfo.InvariantCulture)}\n"));

    /// <summary>A cumulative histogram: bounds → counts per series label.</summary>
    private static string HistogramText(string name, double[] bounds, params (string Route, double[] PerBucket)[] series)
    {
        var text = new StringBuilder();
        foreach (var (route, perBucket) in series)
        {
            double cumulative = 0;
            for (var i = 0; i <= bounds.Length; i++)
            {
                cumulative += perBucket[i];
                var le = i < bounds.Length ? bounds[i].ToString(CultureInfo.InvariantCulture) : "+Inf";
                text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{{route=\"{route}\",le=\"{le}\"}} {cumulative}\n");
            }
            text.Append(CultureInfo.InvariantCulture, $"{name}_count{{route=\"{route}\"}} {cumulative}\n");
        }
        return text.ToString();
    }

    /// <summary>The finite bucket bounds (infinity is not within any tolerance of itself).</summary>
    private static double[] Bounds(MetricReading reading) => [.. reading.LatencyBuckets.Select(b => b.UpperBound).Where(double.IsFinite)];

    private static MetricReading Read(string text, AppMetricsSpec spec) => MetricReading.From(PrometheusText.Parse(text), spec);

    [Fact]
    public void the_defaults_read_the_same_series_as_before()
    {
        var spec = AppMetricsSpec.Create(null, null, null, null);
        spec.Requests.Name.ShouldBe(AppMetricNames.Requests);
        spec.Errors.Name.ShouldBe(AppMetricNames.Errors);
        spec.Latency.Name.ShouldBe(AppMetricNames.LatencyHistogram);
        new[] { spec.Requests, spec.Errors, spec.Latency }.ShouldAllBe(s => s.Matchers.Count == 0);
        spec.LatencyUnit.ShouldBe(LatencyUnit.Milliseconds);
        AppMetricsSpec.Default.ToString().ShouldBe(spec.ToString());

        double[] bounds = [5, 10];
        var text = CounterText(AppMetricNames.Requests) + CounterText(AppMetricNames.Errors) + "other_total 99\n"
            + HistogramText(AppMetricNames.LatencyHistogram, bounds, ("/a", [1, 2, 3]), ("/b", [4, 0, 1]));
        var reading = Read(text, spec);
        reading.Requests.ShouldBe(Series.Sum(s => s.Count));
        reading.Errors.ShouldBe(Series.Sum(s => s.Count));
        reading.LatencyBuckets.ShouldBe([(bounds[0], 1.0 + 4), (bounds[1], 1.0 + 2 + 4), (double.PositiveInfinity, 6.0 + 5)]);
        var unspecified = MetricReading.From(PrometheusText.Parse(text));
        (unspecified.Requests, unspecified.Errors).ShouldBe((reading.Requests, reading.Errors));
        unspecified.LatencyBuckets.ShouldBe(reading.LatencyBuckets);
    }

    [Fact]
    public void a_seconds_histogram_gives_the_same_latency_samples_as_the_same_histogram_in_milliseconds()
    {
        double[] ms = [5, 25, 100, 250];
        double[] perBucket = [7, 3, 0, 2, 1];
        var inMs = Read(HistogramText("app_latency_ms", ms, ("/", perBucket)), AppMetricsSpec.Create(null, null, "app_latency_ms", null));
        var inSeconds = Read(HistogramText("app_latency_seconds", [.. ms.Select(b => b / 1000)], ("/", perBucket)),
            AppMetricsSpec.Create(null, null, "app_latency_seconds", null));

        Bounds(inSeconds).ShouldBe(Bounds(inMs), tolerance: 1e-9);
        inSeconds.LatencyBuckets[^1].UpperBound.ShouldBe(double.PositiveInfinity);
        inSeconds.LatencyBuckets.Select(b => b.Count).ShouldBe(inMs.LatencyBuckets.Select(b => b.Count));
        var fromMs = MetricDelta.Between(MetricReading.Zero, inMs).LatencyMs;
        var fromSeconds = MetricDelta.Between(MetricReading.Zero, inSeconds).LatencyMs;
        fromSeconds.Count.ShouldBe((int)perBucket.Sum());
        fromSeconds.ShouldBe(fromMs, tolerance: 1e-9);
    }

    [Fact]
    public void errors_can_be_read_from_the_requests_counter_with_a_label_matcher()
    {
        const string name = "http_requests_received_total";
        var spec = AppMetricsSpec.Create(name, name + "{code=~\"5..\"}", null, null);
        var reading = Read(CounterText(name), spec);
        reading.Requests.ShouldBe(Series.Sum(s => s.Count));
        reading.Errors.ShouldBe(Series.Where(s => s.Code?.StartsWith('5') == true).Sum(s => s.Count));
        reading.Errors.ShouldBeGreaterThan(0);
    }

    [Theory]
    [InlineData("=", "500")]
    [InlineData("=", "")]
    [InlineData("!=", "200")]
    [InlineData("!=", "")]
    [InlineData("=~", "5..")]
    [InlineData("=~", "2.*|404")]
    [InlineData("=~", "0")]
    [InlineData("!~", "2..")]
    [InlineData("!~", ".*")]
    public void each_operator_selects_what_prometheus_would(string op, string value)
    {
        // Reference semantics: an absent label is "", and a regex must match the whole value.
        Func<string, bool> passes = op switch
        {
            "=" => v => v == value,
            "!=" => v => v != value,
            "=~" => v => Regex.IsMatch(v, $"^(?:{value})$"),
            _ => v => !Regex.IsMatch(v, $"^(?:{value})$"),
        };
        var spec = AppMetricsSpec.Create($"requests_total{{code{op}\"{value}\"}}", null, null, null);
        spec.Requests.Matchers.ShouldHaveSingleItem().Value.ShouldBe(value);
        Read(CounterText("requests_total"), spec).Requests.ShouldBe(Series.Where(s => passes(s.Code ?? "")).Sum(s => s.Count));
    }

    [Fact]
    public void several_matchers_must_all_pass()
    {
        var spec = AppMetricsSpec.Create(" requests_total { code != \"200\" , method=\"GET\", } ", null, null, null);
        spec.Requests.Matchers.Count.ShouldBe(2);
        Read(CounterText("requests_total"), spec).Requests.ShouldBe(Series.Where(s => s.Code != "200" && s.Method == "GET").Sum(s => s.Count));
    }

    [Theory]
    [InlineData("x{path=\"a\\\"b\\\\c\"}", "a\"b\\c")]
    [InlineData("x{path='it\\'s'}", "it's")]
    [InlineData("x{path=\"\\u00e9\\x41\\t\"}", "éA\t")]
    [InlineData("x{path=~`5\\d\\d`}", "5\\d\\d")]
    public void quoted_values_unescape_as_in_promql(string selector, string value)
    {
        MetricSelector.Parse(selector, AppMetricsSpec.RequestsOption).Matchers.ShouldHaveSingleItem().Value.ShouldBe(value);
    }

    [Fact]
    public void the_histogram_matchers_pick_its_buckets()
    {
        double[] bounds = [0.1, 1];
        double[] a = [1, 2, 3], b = [10, 20, 30];
        var text = HistogramText("h_seconds", bounds, ("/a", a), ("/b", b));
        var all = Read(text, AppMetricsSpec.Create(null, null, "h_seconds", null));
        var onlyA = Read(text, AppMetricsSpec.Create(null, null, "h_seconds{route=\"/a\"}", null));
        all.LatencyBuckets[^1].Count.ShouldBe(a.Sum() + b.Sum());
        onlyA.LatencyBuckets.Select(x => x.Count).ShouldBe([a[0], a[0] + a[1], a.Sum()]);
        Bounds(onlyA).ShouldBe([.. bounds.Select(x => x * 1000)], tolerance: 1e-9);
    }

    [Theory]
    [InlineData("http_request_duration_seconds", null, LatencyUnit.Seconds)]
    [InlineData("http_server_request_duration_seconds{route!=\"/healthz\"}", null, LatencyUnit.Seconds)]
    [InlineData("rpc_latency_ms", null, LatencyUnit.Milliseconds)]
    [InlineData("rpc_latency_milliseconds", null, LatencyUnit.Milliseconds)]
    [InlineData("rpc_latency_seconds", "milliseconds", LatencyUnit.Milliseconds)]
    [InlineData("rpc_latency", "seconds", LatencyUnit.Seconds)]
    public void the_unit_is_the_option_or_else_the_name_suffix(string latency, string? unit, LatencyUnit expected)
    {
        AppMetricsSpec.Create(null, null, latency, unit).LatencyUnit.ShouldBe(expected);
    }

    [Theory]
    [InlineData("rpc_latency")]
    [InlineData("rpc_latency_sec")]
    [InlineData("rpc_seconds_total")]
    public void a_name_that_does_not_say_its_unit_needs_the_unit_option(string latency)
    {
        var e = Should.Throw<FormatException>(() => AppMetricsSpec.Create(null, null, latency, null));
        e.Message.ShouldContain(AppMetricsSpec.LatencyOption);
        e.Message.ShouldContain(AppMetricsSpec.LatencyUnitOption);
        e.Message.ShouldContain(latency);
    }

    [Theory]
    [InlineData("sec")]
    [InlineData("Seconds")]
    [InlineData("")]
    [InlineData("ms")]
    public void an_unknown_unit_is_an_error_naming_the_option_and_the_units(string unit)
    {
        var e = Should.Throw<FormatException>(() => AppMetricsSpec.Create(null, null, null, unit));
        e.Message.ShouldContain(AppMetricsSpec.LatencyUnitOption);
        AppMetricsSpec.UnitNames.ShouldAllBe(name => e.Message.Contains(name));
    }

    [Fact]
    public void errors_more_than_requests_are_capped_so_heartbeats_are_not_refused()
    {
        var delta = MetricDelta.Between(MetricReading.Zero, new MetricReading(3, 5, []));
        delta.Errors.ShouldBe(delta.Requests);
    }
}
