using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Server.Tests.Observability;
using Stepwise.Testing;

namespace Stepwise.Server.Tests.Dashboard;

/// <summary>The dashboard's data and files, over HTTP: what it shows, who may see it, and that it stays small as the fleet grows.</summary>
public partial class DashboardApiTests
{
    [Fact]
    public async Task the_page_is_served_without_a_token_under_a_strict_policy_and_the_data_needs_one()
    {
        await using var server = await TestServer.StartAsync();
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        using (var root = await anonymous.GetAsync(""))
        {
            root.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            root.Headers.Location!.ToString().ShouldBe(Routes.Ui);
        }
        foreach (var (file, type) in new[] { ("", "text/html"), ("app.js", "text/javascript"), ("app.css", "text/css") })
        {
            using var response = await anonymous.GetAsync(Routes.Ui.TrimStart('/') + file);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, file);
            response.Content.Headers.ContentType!.MediaType.ShouldBe(type);
            var policy = response.Headers.GetValues("Content-Security-Policy").Single();
            policy.ShouldContain("script-src 'self'");
            policy.ShouldNotContain("unsafe-inline");
            response.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        }
        using (var missing = await anonymous.GetAsync(Routes.Ui.TrimStart('/') + "nothing.js"))
        {
            missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
        using (var data = await anonymous.GetAsync(Routes.Dashboard.TrimStart('/')))
        {
            data.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using (var stream = await anonymous.GetAsync(Routes.DashboardStream.TrimStart('/')))
        {
            stream.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task the_view_shows_the_window_the_node_that_needs_a_look_its_alert_and_the_latest_events()
    {
        await using var server = await TestServer.StartAsync();
        await StaleNodeFleet.QuarantineAsync(server);
        var reader = server.Client(await server.TokenAsync(TokenKind.Read, "dashboard-reader"));

        var view = await TestServer.EventuallyAsync(async () => (await reader.GetFromJsonAsync<DashboardView>(Routes.Dashboard.TrimStart('/'), SnapshotJson.Options))!,
            v => v.Alerts.Any(a => a.Key == $"quarantine:{StaleNodeFleet.StaleNode}"), "the quarantine alert in the dashboard");
        var orders = view.Services.ShouldHaveSingleItem();
        orders.Current.ShouldBe("1.1.0");
        orders.Window.ShouldBe(["1.1.0"]);
        orders.Span.ShouldBe(2);
        orders.NodesByRelease.ShouldBe(new Dictionary<string, int> { ["1.1.0"] = 3, ["1.0.0"] = 1 }, ignoreOrder: true);
        orders.NodesByState["quarantined"].ShouldBe(1);
        var stale = orders.Attention.ShouldHaveSingleItem();
        (stale.Id, stale.ActualRelease, stale.State).ShouldBe((StaleNodeFleet.StaleNode, "1.0.0", NodeState.Quarantined));
        orders.AttentionCount.ShouldBe(1);
        view.Rollouts.ShouldHaveSingleItem().Phase.ShouldBe(RolloutPhase.Complete);
        view.Events.Count.ShouldBeInRange(1, Http.DashboardFeed.EventCount);
        view.Events.Select(e => e.Id).ShouldBe(view.Events.Select(e => e.Id).OrderDescending(), "newest first");
        view.Leader.ShouldBeTrue();
    }

    [Fact]
    public async Task callers_of_an_operation_the_newest_release_deprecates_or_removes_come_first()
    {
        var (server, agent) = await ClientTelemetryTests.StartAsync();
        await using var _ = server;
        using var response = await agent.PostAsJsonAsync(Routes.ClientTelemetry,
            ClientTelemetryTests.Body("orders", ("web", "9.0.0", "GET /orders", 500), ("old-client", "1.2.0", "DELETE /orders/{id}", 3), ("batch", "2.0.0", "POST /orders/{id}/cancel", 1)));
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var view = (await server.Admin.GetFromJsonAsync<DashboardView>(Routes.Dashboard.TrimStart('/'), SnapshotJson.Options))!;
        view.CallerCount.ShouldBe(3);
        view.Callers.Select(c => (c.Operation, c.Standing, c.App)).ShouldBe([
            ("DELETE /orders/{id}", "deprecated", "old-client"),
            ("POST /orders/{id}/cancel", "removed", "batch"),
            ("GET /orders", "provided", "web"),
        ]);
        view.Callers[0].Share.ShouldBe(1.0);
    }

    [Fact]
    public async Task a_replica_that_does_not_lead_answers_with_the_refusals_it_works_out_and_says_it_does_not_lead()
    {
        // No tick has run, so this server has not taken the lead: it works the refusals out with a what-if (none here).
        await using var server = await TestServer.StartAsync(loop: false);
        server.Host.Runtime.Nodes.Report("n1", "orders", "1.0.0", NodeHealth.Healthy, server.Host.Runtime.Time.GetUtcNow());
        var view = (await server.Admin.GetFromJsonAsync<DashboardView>(Routes.Dashboard.TrimStart('/'), SnapshotJson.Options))!;
        view.Leader.ShouldBeFalse();
        view.Refusals.ShouldBeEmpty();
        view.Services.Single().NodesByRelease["1.0.0"].ShouldBe(1);
    }

    [Fact]
    public async Task the_view_does_not_grow_with_the_fleet()
    {
        await using var server = await TestServer.StartAsync(loop: false);
        var nodes = server.Host.Runtime.Nodes;
        var now = server.Host.Runtime.Time.GetUtcNow();
        async Task<int> SizeWithAsync(int count)
        {
            for (var i = nodes.Count; i < count; i++)
            {
                nodes.Report($"n{i:D6}", "orders", "1.0.0", NodeHealth.Healthy, now);
            }
            await server.Host.Reconciler.TickAsync(CancellationToken.None);
            await Task.Delay(server.Host.Runtime.Options.Tick * 2);
            return (await server.Admin.GetStringAsync(Routes.Dashboard.TrimStart('/'))).Length;
        }
        var small = await SizeWithAsync(10);
        var large = await SizeWithAsync(20_000);
        // Node counts take a few more digits; at most the capped list of nodes that need a look is per node.
        large.ShouldBeLessThan(small + (DashboardService.MaxAttention * 400), $"{small} bytes with 10 nodes, {large} with 20,000");
        var view = (await server.Admin.GetFromJsonAsync<DashboardView>(Routes.Dashboard.TrimStart('/'), SnapshotJson.Options))!;
        view.Services.Single().NodesByState.Values.Sum().ShouldBe(20_000);
    }

    [Fact]
    public async Task the_stream_sends_the_view_at_once_and_again_when_it_changes()
    {
        await using var server = await TestServer.StartAsync();
        var reader = server.Client(await server.TokenAsync(TokenKind.Read, "dashboard-reader"));
        using var request = new HttpRequestMessage(HttpMethod.Get, Routes.DashboardStream.TrimStart('/'));
        using var response = await reader.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync());

        var first = await NextViewAsync(body);
        first.Rollouts.ShouldBeEmpty();
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        var fleet = new FakeFleet(server);
        await fleet.AddAsync("n1", "1.0.0");
        await fleet.RunUntilAsync(fleet.BeatAsync, r => r.All(x => x.MayServe), "admission");
        var next = await NextViewAsync(body);
        while (next.Services.Single().NodesByRelease.Count == 0)
        {
            next = await NextViewAsync(body);
        }
        next.Services.Single().NodesByRelease["1.0.0"].ShouldBe(1);
    }

    [Fact]
    public async Task a_stopping_server_ends_an_open_stream_instead_of_waiting_for_the_browser()
    {
        await using var server = await TestServer.StartAsync();
        using var reader = server.Client(TestServer.AdminSecret);
        using var response = await reader.SendAsync(new HttpRequestMessage(HttpMethod.Get, Routes.DashboardStream.TrimStart('/')), HttpCompletionOption.ResponseHeadersRead);
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync());
        await NextViewAsync(body);

        var stopping = server.Host.StopAsync();
        // The host would otherwise wait its whole shutdown timeout (30 s) for the open request.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await Should.NotThrowAsync(async () =>
        {
            try
            {
                while (await body.ReadLineAsync(bound.Token) is not null)
                {
                }
            }
            catch (IOException)
            {
                // The connection closed under the read: the stream ended too.
            }
        });
        await stopping.WaitAsync(bound.Token);
    }

    private static async Task<DashboardView> NextViewAsync(StreamReader body)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? kind = null;
        while (await body.ReadLineAsync(limit.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                kind = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && kind == "dashboard")
            {
                return JsonSerializer.Deserialize<DashboardView>(line[6..], SnapshotJson.Options)!;
            }
        }
        throw new ShouldAssertException("the stream ended");
    }

    /// <summary>Every state colour pair of the dashboard's style sheet keeps WCAG AA contrast (4.5:1) for its text.</summary>
    [Fact]
    public void state_colours_keep_a_contrast_of_at_least_four_and_a_half_to_one()
    {
        var css = File.ReadAllText(Path.Combine(Scratch.RepoRoot(), "src", "Stepwise.Server", "Dashboard", "app.css"));
        var colours = Colour().Matches(css).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        var states = colours.Keys.Where(k => k.StartsWith("state-", StringComparison.Ordinal) && k.EndsWith("-fg", StringComparison.Ordinal)).ToList();
        states.Count.ShouldBeGreaterThanOrEqualTo(5);
        foreach (var fg in states)
        {
            var bg = fg[..^3] + "-bg";
            Contrast(colours[fg], colours[bg]).ShouldBeGreaterThanOrEqualTo(4.5, $"{fg} on {bg}");
            Contrast(colours[fg], colours["page"]).ShouldBeGreaterThanOrEqualTo(4.5, $"{fg} on the page");
        }
        Contrast(colours["text"], colours["page"]).ShouldBeGreaterThanOrEqualTo(4.5);
        Contrast(colours["muted"], colours["page"]).ShouldBeGreaterThanOrEqualTo(4.5);
        Contrast("#ffffff", colours["focus"]).ShouldBeGreaterThanOrEqualTo(4.5, "the primary button");
    }

    /// <summary>WCAG 2 contrast ratio of two #rrggbb colours.</summary>
    private static double Contrast(string a, string b)
    {
        static double Luminance(string hex)
        {
            double Channel(int at)
            {
                var c = int.Parse(hex.AsSpan(at, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture) / 255.0;
                return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
            }
            return (0.2126 * Channel(1)) + (0.7152 * Channel(3)) + (0.0722 * Channel(5));
        }
        var (la, lb) = (Luminance(a), Luminance(b));
        return (Math.Max(la, lb) + 0.05) / (Math.Min(la, lb) + 0.05);
    }

    [GeneratedRegex(@"--([a-z-]+):\s*(#[0-9a-fA-F]{6})\s*;")]
    private static partial Regex Colour();
}
