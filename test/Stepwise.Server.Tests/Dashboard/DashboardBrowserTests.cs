using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Server.Tests.Observability;
using Stepwise.Testing;

namespace Stepwise.Server.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser (Debian's chromium through Playwright) while a release story runs against a test
/// server: what a person sees and does. Screenshots go to TestResults/dashboard/ beside the test assembly.
/// </summary>
public class DashboardBrowserTests
{
    private const string GatedYaml = "  approve: [before-waves]\n";

    [Fact]
    public async Task a_person_sees_the_window_a_rollout_advancing_a_refusal_a_quarantined_node_and_approves_a_gate_by_clicking()
    {
        var chromium = Tools.Chromium();
        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "dashboard")).FullName;
        var yaml = TestServer.ThreeStepYaml.Replace("  heartbeatTimeout: 30s\n", "  heartbeatTimeout: 30s\n" + GatedYaml, StringComparison.Ordinal);
        await using var server = await TestServer.StartAsync(yaml);
        var fleet = new FakeFleet(server);
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await fleet.AddAsync(n, "1.0.0");
        }
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission of every node");
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await server.RegisterAsync("1.2.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        await using var beating = new Heartbeats();
        beating.Start(fleet);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 1000 } });
        var errors = new List<string>();
        page.Console += (_, message) => { if (message.Type == "error") errors.Add(message.Text); };
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(server.BaseAddress.ToString());
        page.Url.ShouldEndWith(Routes.Ui);

        // Keyboard: the first Tab reaches the skip link, which leads to the content, where the next Tab is the (labelled)
        // token field; Enter in it signs in.
        await page.Keyboard.PressAsync("Tab");
        (await page.EvaluateAsync<string>("document.activeElement.textContent")).ShouldBe("Skip to content");
        await page.Keyboard.PressAsync("Enter");
        (await page.EvaluateAsync<string>("document.activeElement.id")).ShouldBe("main");
        await page.Keyboard.PressAsync("Tab");
        (await page.EvaluateAsync<string>("document.activeElement.id")).ShouldBe("token");
        var token = page.GetByLabel("Token");
        await token.FillAsync("sw_not-a-token");
        await token.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#sign-in-error")).ToContainTextAsync("not valid");
        errors.ShouldBe(["Failed to load resource: the server responded with a status of 401 (Unauthorized)"], "the refused token, and nothing else");
        errors.Clear();
        await token.FillAsync(TestServer.AdminSecret);
        await token.PressAsync("Enter");
        var orders = page.Locator("article[aria-label='service orders']");
        await Assertions.Expect(orders.Locator(".window")).ToContainTextAsync("1.0.0");
        await Assertions.Expect(orders.Locator(".window")).ToContainTextAsync("inside the window");
        await Assertions.Expect(orders).ToContainTextAsync("3 active");
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "1-fleet.png"), FullPage = true });

        // A rollout starts: the page follows it through its steps to the gate, and the window widens to N and N+1.
        var id = await StartAsync(server, "1.1.0");
        var card = page.Locator($"[data-rollout='{id}']");
        await Assertions.Expect(card).ToContainTextAsync("waits for approval: before-waves", new() { Timeout = 60_000 });
        await Assertions.Expect(card.Locator("[aria-current='step']")).ToHaveTextAsync("waves");
        await Assertions.Expect(orders.Locator(".window")).ToContainTextAsync("1.0.0 and 1.1.0");

        // A second change while this one runs is refused; the page shows the guarantee, the reason and the way out.
        using var refused = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.2.0", "too soon"), SnapshotJson.Options);
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var refusal = (await TestServer.ProblemAsync(refused)).GetProperty("refusals")[0];
        var recent = page.Locator("[aria-label='recently refused']");
        await Assertions.Expect(recent).ToContainTextAsync(refusal.GetProperty("guarantee").GetString()!);
        await Assertions.Expect(recent).ToContainTextAsync(refusal.GetProperty("message").GetString()!);
        await Assertions.Expect(recent).ToContainTextAsync(refusal.GetProperty("unblock").GetString()!);
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "2-gate-and-refusal.png"), FullPage = true });

        // Every action is a labelled button; approving asks first, then the rollout goes on through its waves.
        var approve = page.GetByRole(AriaRole.Button, new() { Name = $"approve rollout {id}" });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"abort rollout {id}" })).ToBeVisibleAsync();
        await approve.ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToBeVisibleAsync();
        await Assertions.Expect(dialog).ToContainTextAsync($"Approve {id}?");
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "3-confirm.png") });
        await dialog.GetByLabel("Reason").FillAsync("watched the canary");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(card.Locator(".phase")).ToContainTextAsync("waves", new() { Timeout = 60_000 });
        await Assertions.Expect(card.Locator(".phase")).ToContainTextAsync("complete", new() { Timeout = 60_000 });
        await Assertions.Expect(card.Locator(".phase")).ToContainTextAsync("3/3 nodes on 1.1.0");
        await Assertions.Expect(orders.Locator(".window")).ToContainTextAsync("1.1.0");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync("watched the canary");

        // A node comes back on the old release: it is quarantined, and the page says so beside the fleet.
        var stale = new FakeFleet(server) { Follow = false };
        await stale.AddAsync(StaleNodeFleet.StaleNode, "1.0.0");
        beating.Start(stale);
        var row = orders.Locator($"tr[data-node='{StaleNodeFleet.StaleNode}']");
        await Assertions.Expect(row).ToContainTextAsync("quarantined", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#alerts")).ToContainTextAsync($"node {StaleNodeFleet.StaleNode} is quarantined");
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "4-quarantined.png"), FullPage = true });

        errors.ShouldBeEmpty("the page logged errors");
    }

    [Fact]
    public async Task a_read_token_sees_the_fleet_and_an_action_it_may_not_take_says_so()
    {
        var chromium = Tools.Chromium();
        var yaml = TestServer.ThreeStepYaml.Replace("  heartbeatTimeout: 30s\n", "  heartbeatTimeout: 30s\n" + GatedYaml, StringComparison.Ordinal);
        await using var server = await TestServer.StartAsync(yaml);
        var fleet = new FakeFleet(server);
        await fleet.AddAsync("n1", "1.0.0");
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission");
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        await using var beating = new Heartbeats();
        beating.Start(fleet);
        var id = await StartAsync(server, "1.1.0");
        var reader = await server.TokenAsync(TokenKind.Read, "dashboard-viewer");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] });
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(server.BaseAddress, Routes.Ui.TrimStart('/')).ToString());
        await page.GetByLabel("Token").FillAsync(reader);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var card = page.Locator($"[data-rollout='{id}']");
        await Assertions.Expect(card).ToContainTextAsync("waits for approval", new() { Timeout = 60_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = $"approve rollout {id}" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("needs an admin token");
        (await server.GetAsync<RolloutView>($"api/v1/rollouts/{id}")).WaitsFor.ShouldNotBeNull("nothing was approved");

        // Signing out forgets the token in this tab.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Token")).ToBeVisibleAsync();
        (await page.EvaluateAsync<string?>("sessionStorage.getItem('stepwise-token')")).ShouldBeNull();
    }

    private static async Task<string> StartAsync(TestServer server, string version)
    {
        using var start = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", version, "test"), SnapshotJson.Options);
        start.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        return (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Rollout!;
    }

    /// <summary>Fleets sending heartbeats every 200 ms in the background, stopped (and waited for) on dispose, before the server goes.</summary>
    private sealed class Heartbeats : IAsyncDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly List<Task> loops = [];

        public void Start(FakeFleet fleet) => loops.Add(Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await fleet.BeatAsync();
                await Task.Delay(200, stop.Token);
            }
        }));

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            foreach (var loop in loops)
            {
                try
                {
                    await loop;
                }
                catch (OperationCanceledException)
                {
                }
            }
            stop.Dispose();
        }
    }
}
