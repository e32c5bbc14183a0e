using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent.Tests;

public class PrometheusTextTests
{
    [Fact]
    public void samples_with_labels_comments_and_timestamps_are_read()
    {
        var samples = PrometheusText.Parse("# HELP x y\n# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\",path=\"/a,b\"} 12 1700000000\n\nup 1\nh_bucket{le=\"+Inf\"} 3\n");
        samples.Count.ShouldBe(3);
        samples[0].Labels["path"].ShouldBe("/a,b");
        samples[0].Value.ShouldBe(12);
        samples[2].Labels["le"].ShouldBe("+Inf");
    }

    [Theory]
    [InlineData("http_requests_total{code=\"200\" 5", "line 1")]
    [InlineData("ok 1\nhttp_requests_total abc", "line 2")]
    [InlineData("{code=\"1\"} 3", "expected a metric name")]
    [InlineData("x{a=1} 3", "quoted value")]
    [InlineData("x{a=\"1} 3", "unterminated")]
    [InlineData("x", "expected a value")]
    public void malformed_metrics_text_names_the_line(string text, string expected)
    {
        Should.Throw<FormatException>(() => PrometheusText.Parse(text)).Message.ShouldContain(expected);
    }
}

public class MetricDeltaTests
{
    private static MetricReading Reading(double requests, double errors, params (double, double)[] buckets) => new(requests, errors, buckets);

    [Fact]
    public void counts_are_the_change_since_the_previous_reading()
    {
        var delta = MetricDelta.Between(Reading(10, 1, (10, 8), (double.PositiveInfinity, 10)), Reading(25, 4, (10, 18), (double.PositiveInfinity, 25)));
        delta.Requests.ShouldBe(15);
        delta.Errors.ShouldBe(3);
        delta.LatencyMs.Count(x => x == 5).ShouldBe(10);   // midpoint of 0..10
        delta.LatencyMs.Count(x => x == 10).ShouldBe(5);   // +Inf counts as its lower bound
    }

    [Fact]
    public void a_counter_that_went_down_means_the_app_restarted()
    {
        var delta = MetricDelta.Between(Reading(100, 5, (10, 100)), Reading(3, 1, (10, 3)));
        delta.Requests.ShouldBe(3);
        delta.Errors.ShouldBe(1);
        delta.LatencyMs.Count.ShouldBe(3);
    }

    [Fact]
    public void latency_samples_are_thinned_evenly_to_the_api_limit()
    {
        var delta = MetricDelta.Between(MetricReading.Zero, Reading(4000, 0, (10, 2000), (20, 4000)));
        delta.LatencyMs.Count.ShouldBe(MetricDelta.MaxLatencySamples);
        delta.LatencyMs.Count(x => x == 5).ShouldBe(500);
        delta.LatencyMs.Count(x => x == 15).ShouldBe(500);
    }

    [Fact]
    public void readings_sum_every_labelled_series()
    {
        var reading = MetricReading.From(PrometheusText.Parse(
            "http_requests_total{code=\"200\"} 7\nhttp_requests_total{code=\"500\"} 2\nhttp_request_errors_total 2\nhttp_request_duration_ms_bucket{le=\"5\"} 4\nhttp_request_duration_ms_bucket{le=\"+Inf\"} 9\nother_total 99\n"));
        reading.Requests.ShouldBe(9);
        reading.Errors.ShouldBe(2);
        reading.LatencyBuckets.ShouldBe([(5.0, 4.0), (double.PositiveInfinity, 9.0)]);
    }
}

public class BackoffTests
{
    [Fact]
    public void waits_grow_and_stay_under_the_maximum()
    {
        var backoff = new Backoff("n1", TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));
        var waits = Enumerable.Range(0, 12).Select(_ => backoff.Next()).ToList();
        waits[0].ShouldBeLessThanOrEqualTo(TimeSpan.FromMilliseconds(100));
        waits[0].ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(50));
        waits.ShouldAllBe(w => w <= TimeSpan.FromSeconds(2));
        waits[^1].ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1));
        backoff.Reset();
        backoff.Next().ShouldBeLessThanOrEqualTo(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void waits_never_exceed_the_heartbeat_interval_so_a_restarted_controller_hears_every_agent_within_one()
    {
        var backoff = new Backoff("n1", TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30));
        var interval = TimeSpan.FromMilliseconds(500);
        Enumerable.Range(0, 20).Select(_ => backoff.Next(interval)).ShouldAllBe(w => w <= interval);
    }

    [Fact]
    public void the_same_node_replays_the_same_waits_and_nodes_differ()
    {
        static List<TimeSpan> Waits(string node)
        {
            var b = new Backoff(node, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30));
            return [.. Enumerable.Range(0, 8).Select(_ => b.Next())];
        }
        Waits("n1").ShouldBe(Waits("n1"));
        Waits("n1").ShouldNotBe(Waits("n2"));
    }
}

public class AgentStateFileTests
{
    [Fact]
    public void state_round_trips_and_no_temporary_file_is_left()
    {
        var dir = TestApp.TempDir();
        var file = new AgentStateFile(dir);
        file.Load().ShouldBeNull();
        var state = new AgentState("1.1.0", new Artifact("dotnet", ["app.dll", "{port}"]), 5001, true, DateTimeOffset.UnixEpoch, 42, DateTimeOffset.UnixEpoch);
        file.Save(state);
        var loaded = file.Load()!;
        loaded.ShouldBe(state with { Artifact = loaded.Artifact });
        loaded.Artifact!.Command.ShouldBe("dotnet");
        loaded.Artifact.Arguments.ShouldBe(["app.dll", "{port}"]);
        Directory.GetFiles(dir).Select(Path.GetFileName).ShouldBe([AgentStateFile.FileName]);
    }

    [Theory]
    [InlineData("{ \"release\": ")]
    [InlineData("null")]
    [InlineData("{\"appPort\": \"x\"}")]
    public void corrupt_state_is_an_error_naming_the_file_and_the_fix(string text)
    {
        var dir = TestApp.TempDir();
        File.WriteAllText(Path.Combine(dir, AgentStateFile.FileName), text);
        var e = Should.Throw<AgentStateException>(() => new AgentStateFile(dir).Load());
        e.Message.ShouldContain(AgentStateFile.FileName);
        e.Message.ShouldContain("delete the file");
    }

    [Fact]
    public void persisted_state_field_names_are_stable()
    {
        // agent-state.json outlives agent upgrades: its field names may only grow.
        var json = JsonSerializer.Serialize(new AgentState("1", new Artifact("a", []), 1, false, DateTimeOffset.UnixEpoch, 2, DateTimeOffset.UnixEpoch), SnapshotJson.Options);
        var names = JsonDocument.Parse(json).RootElement.EnumerateObject().Select(p => p.Name).ToList();
        names.ShouldBe(["release", "artifact", "appPort", "sanctioned", "updatedAt", "appPid", "appStartedAt", "appGroup"]);
    }

    [Fact]
    public void artifact_template_fills_version_port_and_node()
    {
        var (file, args) = AppProcess.Expand(new Artifact("/opt/{node}/run", ["--release", "{version}", "--listen=127.0.0.1:{port}"]), "1.2.0", 5005, "n3");
        file.ShouldBe("/opt/n3/run");
        args.ShouldBe(["--release", "1.2.0", "--listen=127.0.0.1:5005"]);
    }
}

public class RunTemplateTests
{
    [Fact]
    public void words_split_on_whitespace_and_quotes_keep_spaces()
    {
        var artifact = RunTemplate.Parse("dotnet  '/opt/my app/orders.dll' --release {version} --name \"a b\" --x a\\ b");
        artifact.Command.ShouldBe("dotnet");
        artifact.Arguments.ShouldBe(["/opt/my app/orders.dll", "--release", "{version}", "--name", "a b", "--x", "a b"]);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("dotnet 'app.dll", "unterminated")]
    public void malformed_run_templates_are_errors(string text, string expected)
    {
        Should.Throw<FormatException>(() => RunTemplate.Parse(text)).Message.ShouldContain(expected);
    }
}

public class HealthProbesTests
{
    [Fact]
    public void an_app_that_never_answered_is_not_healthy_after_one_failed_probe()
    {
        new HealthProbes().Record(passed: false).ShouldBeFalse();
    }

    [Fact]
    public void a_healthy_app_stays_healthy_through_fewer_failed_probes_in_a_row_than_the_threshold()
    {
        var probes = new HealthProbes(3);
        probes.Record(passed: true).ShouldBeTrue();
        probes.Record(passed: false).ShouldBeTrue();
        probes.Record(passed: false).ShouldBeTrue();
        probes.Record(passed: true).ShouldBeTrue();
        probes.FailedInARow.ShouldBe(0);
        probes.Record(passed: false).ShouldBeTrue();
        probes.Record(passed: false).ShouldBeTrue();
        probes.Record(passed: false).ShouldBeFalse();
        probes.FailedInARow.ShouldBe(3);
    }

    [Fact]
    public void a_threshold_of_one_reports_every_failed_probe_and_zero_is_refused()
    {
        var probes = new HealthProbes(1);
        probes.Record(passed: true).ShouldBeTrue();
        probes.Record(passed: false).ShouldBeFalse();
        Should.Throw<ArgumentOutOfRangeException>(() => new HealthProbes(0));
    }
}
