using System.Net;
using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Testing;

namespace Stepwise.Server.Tests.Observability;

/// <summary>A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port receives Stepwise's alerts and sees them resolve.</summary>
public class AlertmanagerTests
{
    [Fact]
    public async Task a_quarantine_alert_reaches_alertmanager_with_its_labels_and_resolves_there_when_it_clears()
    {
        await using var alertmanager = await StartAlertmanagerAsync();
        // Alerts clear one second after their condition is gone, so the test sees the resolution.
        var yaml = TestServer.ThreeStepYaml.Replace("  heartbeatTimeout: 30s\n", "  heartbeatTimeout: 30s\n  alertQuietPeriod: 1s\n", StringComparison.Ordinal);
        yaml.ShouldContain("alertQuietPeriod");
        await using var server = await TestServer.StartAsync(yaml, tweak: o => o with { Alertmanagers = [alertmanager.Url] });
        var (_, stale) = await StaleNodeFleet.QuarantineAsync(server);
        var key = $"quarantine:{StaleNodeFleet.StaleNode}";

        var sent = await stale.RunUntilAsync(() => alertmanager.AlertAsync(key), a => a.ValueKind == JsonValueKind.Object, "the quarantine alert reaching Alertmanager", 60);
        var labels = sent.GetProperty("labels");
        labels.GetProperty("alertname").GetString().ShouldBe("StepwiseQuarantine");
        labels.GetProperty("service").GetString().ShouldBe("orders");
        labels.GetProperty("guarantee").GetString().ShouldBe("G2");
        labels.GetProperty("severity").GetString().ShouldBe("warning");
        sent.GetProperty("annotations").GetProperty("summary").GetString()!.ShouldContain(StaleNodeFleet.StaleNode);
        sent.GetProperty("status").GetProperty("state").GetString().ShouldBe("active");
        // Sent with a lease: Alertmanager ends it by itself if Stepwise goes quiet, not at its default resolve timeout.
        var endsAt = sent.GetProperty("endsAt").GetDateTimeOffset();
        var startsAt = sent.GetProperty("startsAt").GetDateTimeOffset();
        (endsAt - startsAt).ShouldBeGreaterThan(TimeSpan.FromMinutes(2));
        var raised = (await server.GetAsync<List<Alert>>(Routes.Alerts)).Single(a => a.Key == key);
        startsAt.ShouldBe(raised.Since!.Value, TimeSpan.FromSeconds(1));

        // The node follows the controller again: on 1.1.0 it is no longer quarantined, and the alert clears.
        stale.Follow = true;
        await stale.RunUntilAsync(() => alertmanager.AlertAsync(key), a => a.ValueKind == JsonValueKind.Undefined, "the alert resolving in Alertmanager", 60);
        (await server.GetAsync<List<Alert>>(Routes.Alerts)).ShouldNotContain(a => a.Key == key);
    }

    [Fact]
    public async Task an_alertmanager_that_is_down_at_first_gets_the_alert_when_it_comes_up()
    {
        var port = Scratch.FreePort();
        var url = new Uri($"http://127.0.0.1:{port}/");
        await using var server = await TestServer.StartAsync(tweak: o => o with { Alertmanagers = [url] });
        var (_, stale) = await StaleNodeFleet.QuarantineAsync(server);
        var key = $"quarantine:{StaleNodeFleet.StaleNode}";
        await TestServer.EventuallyAsync(() => server.GetAsync<List<Alert>>(Routes.Alerts), alerts => alerts.Any(a => a.Key == key), "the quarantine alert");

        // Delivery is retried with backoff (0.5 s .. 4 s): an Alertmanager up within those attempts gets it.
        await using var alertmanager = await StartAlertmanagerAsync(port);
        await stale.RunUntilAsync(() => alertmanager.AlertAsync(key), a => a.ValueKind == JsonValueKind.Object, "the alert reaching the late Alertmanager", 90);
    }

    private static async Task<RunningAlertmanager> StartAlertmanagerAsync(int? port = null)
    {
        var program = Tools.Alertmanager();
        var dir = Scratch.Directory("stepwise-alertmanager-");
        var listen = port ?? Scratch.FreePort();
        await File.WriteAllTextAsync(Path.Combine(dir, "alertmanager.yml"), """
            route:
              receiver: nowhere
              group_wait: 1s
            receivers:
              - name: nowhere
            """);
        var process = new BackgroundProcess(program,
            ["--config.file=" + Path.Combine(dir, "alertmanager.yml"), "--storage.path=" + Path.Combine(dir, "data"), $"--web.listen-address=127.0.0.1:{listen}", "--cluster.listen-address="]);
        var running = new RunningAlertmanager(process, new Uri($"http://127.0.0.1:{listen}/"));
        await TestServer.EventuallyAsync(running.ReadyAsync, ready => ready, "alertmanager answering", 60);
        return running;
    }

    private sealed class RunningAlertmanager(BackgroundProcess process, Uri url) : IAsyncDisposable
    {
        private readonly HttpClient http = new() { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };

        public Uri Url => url;

        public async Task<bool> ReadyAsync()
        {
            process.Exited.ShouldBeFalse($"alertmanager exited:\n{process.Output}");
            try
            {
                using var response = await http.GetAsync("-/ready");
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }

        /// <summary>The unresolved alert whose key label is <paramref name="key"/>, or an undefined element.</summary>
        public async Task<JsonElement> AlertAsync(string key)
        {
            process.Exited.ShouldBeFalse($"alertmanager exited:\n{process.Output}");
            using var doc = JsonDocument.Parse(await http.GetStringAsync("api/v2/alerts"));
            foreach (var alert in doc.RootElement.EnumerateArray())
            {
                if (alert.GetProperty("labels").TryGetProperty("key", out var k) && k.GetString() == key)
                {
                    return alert.Clone();
                }
            }
            return default;
        }

        public async ValueTask DisposeAsync()
        {
            http.Dispose();
            await process.DisposeAsync();
        }
    }
}

/// <summary>What the Alertmanager client sends, and when, read from the bodies it posts.</summary>
public class AlertmanagerClientTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static string? ServiceOf(string subject) => subject == "n9" ? "orders" : null;

    [Fact]
    public async Task firing_alerts_are_sent_on_change_and_every_minute_a_label_change_ends_the_old_alert_and_a_clear_resolves()
    {
        var recorder = new Recorder();
        var client = new Reconciling.AlertmanagerClient([new Uri("http://am.test/"), new Uri("http://am2.test/prefix/")], new HttpClient(recorder), Microsoft.Extensions.Logging.Abstractions.NullLogger<Reconciling.AlertmanagerClient>.Instance);
        using var stop = new CancellationTokenSource();
        var run = client.RunAsync(stop.Token);
        var warning = new Alert("quarantine:n9", AlertSeverity.Warning, GuaranteeId.G2, "orders node n9 is quarantined", T0);

        client.Observe([warning], [new Core.Decisions.RaiseAlert(warning, "raised")], ServiceOf, T0);
        var first = await recorder.NextAsync();
        first.Uris.ShouldBe([new Uri("http://am.test/api/v2/alerts"), new Uri("http://am2.test/prefix/api/v2/alerts")], ignoreOrder: true);
        var firing = first.Body.ShouldHaveSingleItem();
        firing.Labels.ShouldBe(new Dictionary<string, string> { ["alertname"] = "StepwiseQuarantine", ["key"] = "quarantine:n9", ["severity"] = "warning", ["guarantee"] = "G2", ["service"] = "orders" }, ignoreOrder: true);
        firing.StartsAt.ShouldBe(T0);
        firing.EndsAt.ShouldBe(T0 + Reconciling.AlertmanagerClient.Lease);

        // Nothing changed and no resend is due: nothing is sent. A minute on, the alert is sent again with a new lease.
        client.Observe([warning], [], ServiceOf, T0.AddSeconds(30));
        client.Observe([warning], [], ServiceOf, T0 + Reconciling.AlertmanagerClient.ResendEvery);
        var resent = (await recorder.NextAsync()).Body.ShouldHaveSingleItem();
        resent.EndsAt.ShouldBe(T0 + Reconciling.AlertmanagerClient.ResendEvery + Reconciling.AlertmanagerClient.Lease);

        // The severity changes: to Alertmanager that is another alert, so the old one ends now.
        var at = T0.AddMinutes(2);
        var critical = warning with { Severity = AlertSeverity.Critical };
        client.Observe([critical], [new Core.Decisions.RaiseAlert(critical, "worse", Update: true)], ServiceOf, at);
        var changed = (await recorder.NextAsync()).Body;
        changed.Count.ShouldBe(2);
        changed.Single(a => a.Labels["severity"] == "warning").EndsAt.ShouldBe(at);
        changed.Single(a => a.Labels["severity"] == "critical").EndsAt.ShouldBe(at + Reconciling.AlertmanagerClient.Lease);

        // It clears: sent once more, ending now.
        var cleared = at.AddMinutes(1);
        client.Observe([], [new Core.Decisions.ClearAlert(critical.Key, "gone", critical)], ServiceOf, cleared);
        var resolved = (await recorder.NextAsync()).Body.ShouldHaveSingleItem();
        resolved.Labels["severity"].ShouldBe("critical");
        resolved.EndsAt.ShouldBe(cleared);
        await stop.CancelAsync();
        await run.ContinueWith(_ => { }, TaskScheduler.Default);
        recorder.Pending.ShouldBe(0, "no batch beyond those asserted");
    }

    [Fact]
    public async Task an_alert_cleared_before_this_replica_sent_it_is_resolved_from_the_decision()
    {
        var recorder = new Recorder();
        var client = new Reconciling.AlertmanagerClient([new Uri("http://am.test/")], new HttpClient(recorder), Microsoft.Extensions.Logging.Abstractions.NullLogger<Reconciling.AlertmanagerClient>.Instance);
        using var stop = new CancellationTokenSource();
        var run = client.RunAsync(stop.Token);
        var alert = new Alert("approval:orders-1.1.0-1", AlertSeverity.Info, null, "waits for an operator", T0);
        client.Observe([], [new Core.Decisions.ClearAlert(alert.Key, "approved", alert)], ServiceOf, T0.AddMinutes(5));
        var resolved = (await recorder.NextAsync()).Body.ShouldHaveSingleItem();
        resolved.Labels["alertname"].ShouldBe("StepwiseApproval");
        resolved.Labels["guarantee"].ShouldBe("none");
        resolved.Labels.ContainsKey("service").ShouldBeFalse();
        resolved.EndsAt.ShouldBe(T0.AddMinutes(5));
        await stop.CancelAsync();
        await run.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Theory]
    [InlineData("rolled-back", "StepwiseRolledBack")]
    [InlineData("outside-window", "StepwiseOutsideWindow")]
    [InlineData("skew", "StepwiseSkew")]
    public void alert_names_are_the_kind_in_pascal_case(string kind, string name) => Reconciling.AlertmanagerClient.AlertName(kind).ShouldBe(name);

    private sealed class Recorder : HttpMessageHandler
    {
        private readonly System.Threading.Channels.Channel<(Uri Uri, List<Reconciling.PostableAlert> Body)> posts = System.Threading.Channels.Channel.CreateUnbounded<(Uri, List<Reconciling.PostableAlert>)>();

        public int Pending => posts.Reader.Count;

        /// <summary>The next batch: the addresses it went to (one per Alertmanager) and its alerts.</summary>
        public async Task<(List<Uri> Uris, List<Reconciling.PostableAlert> Body)> NextAsync()
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var (uri, body) = await posts.Reader.ReadAsync(limit.Token);
            var uris = new List<Uri> { uri };
            // The same batch to the other Alertmanagers.
            await Task.Delay(200, limit.Token);
            while (posts.Reader.TryPeek(out var next) && JsonSerializer.Serialize(next.Body) == JsonSerializer.Serialize(body) && posts.Reader.TryRead(out next))
            {
                uris.Add(next.Uri);
            }
            return (uris, body);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = JsonSerializer.Deserialize<List<Reconciling.PostableAlert>>(await request.Content!.ReadAsStringAsync(cancellationToken))!;
            await posts.Writer.WriteAsync((request.RequestUri!, body), cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
