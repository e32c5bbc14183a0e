using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Stepwise.Testing;

namespace Stepwise.EndToEnd.Tests;

/// <summary>
/// The dashboard in a real browser (Debian's chromium through Playwright) while <c>stepwise demo --dashboard</c> runs
/// its whole story: a real server, six agents, the orders sample, traffic and an old client. The test reads the demo's
/// narration only to know where the dashboard is and when to look; what it asserts is what a person sees there.
/// Screenshots go to TestResults/demo-dashboard/ beside the test assembly.
/// </summary>
public class DemoDashboardTests
{
    private static readonly TimeSpan StoryStep = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task a_person_follows_the_demo_in_the_dashboard_and_approves_its_rollouts_by_clicking()
    {
        var chromium = Tools.Chromium();
        var shots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "TestResults", "demo-dashboard")).FullName;
        await using var demo = Narration.Start(["demo", "--non-interactive", "--dashboard", "--sample", Fleet.OrdersDll]);
        var signIn = Regex.Match(await demo.WaitForAsync(l => l.Contains("dashboard: ", StringComparison.Ordinal), StoryStep),
            @"dashboard: (?<url>\S+) \(sign in with the admin token (?<token>\S+);");
        signIn.Success.ShouldBeTrue(demo.Output);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox", "--disable-dev-shm-usage"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 1000 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.SetDefaultTimeout((float)StoryStep.TotalMilliseconds);
        Assertions.SetDefaultExpectTimeout((float)StoryStep.TotalMilliseconds);
        await page.GotoAsync(signIn.Groups["url"].Value);
        await page.GetByLabel("Token").FillAsync(signIn.Groups["token"].Value);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // The fleet inside its window, then the first rollout advancing to its gate.
        var orders = page.Locator("article[aria-label='service orders']");
        await Assertions.Expect(orders.Locator(".window")).ToContainTextAsync("inside the window");
        await Assertions.Expect(orders).ToContainTextAsync("6 active");
        var first = await ApproveAtGateAsync(page, demo, "1.1.0", shots, "watched the canary and the rehearsal");
        var firstCard = page.Locator($"[data-rollout='{first}']");

        // A node taken offline mid-push comes back on the old release. Once the demo has seen it quarantined, the page
        // shows it too: in the node's row while it lasts (it may serve again within a second), in the timeline, and
        // in the alerts, which stay for the quiet period after their condition clears.
        var straggler = Regex.Match(await demo.WaitForAsync(l => l.Contains("offline mid-push", StringComparison.Ordinal), StoryStep), @"taking (\S+) offline").Groups[1].Value;
        await demo.WaitForAsync(l => l.Contains("stale node quarantined", StringComparison.Ordinal), StoryStep);
        demo.Output.ShouldContain("ok: stale node quarantined", customMessage: "the demo's own act");
        var seen = page.Locator($"tr[data-node='{straggler}']", new() { HasTextString = "quarantined" })
            .Or(page.Locator("#timeline li", new() { HasTextRegex = new Regex($@"quarantin.*\b{straggler}\b|\b{straggler}\b.*quarantin") }))
            .Or(page.Locator("#alerts tr", new() { HasTextString = $"node {straggler} is quarantined" }));
        await DemoSaysAsync(demo, Assertions.Expect(seen.First).ToBeVisibleAsync());
        await Assertions.Expect(firstCard.Locator(".phase")).ToContainTextAsync("complete");
        await Assertions.Expect(orders.Locator(".window")).ToContainTextAsync("1.1.0");
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "2-quarantined-and-complete.png"), FullPage = true });

        // N+2: the refusal with its guarantee, its reason and the way out.
        await demo.WaitForAsync(l => l.Contains("ok: N+2 refused", StringComparison.Ordinal), StoryStep);
        var recent = page.Locator("[aria-label='recently refused']");
        await Assertions.Expect(recent).ToContainTextAsync("G1");
        await Assertions.Expect(recent).ToContainTextAsync("would put more than two adjacent releases in the fleet");
        await Assertions.Expect(recent).ToContainTextAsync("roll orders through 1.2.0 on every node first");
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "3-refused.png"), FullPage = true });

        // The code that needs the data change waits at its gate too; the data change shows its phases.
        await ApproveAtGateAsync(page, demo, "1.2.0", shots, "expand and backfill baked");
        await Assertions.Expect(page.Locator("#data")).ToContainTextAsync("backfill complete");

        // Old clients: who calls the operation a release removes, and the refusal that names them.
        await demo.WaitForAsync(l => l.Contains("ok: removal refused while a client calls", StringComparison.Ordinal), StoryStep);
        await Assertions.Expect(page.Locator("#callers")).ToContainTextAsync("old-client 1.4.2");
        await Assertions.Expect(page.Locator("#callers")).ToContainTextAsync("DELETE /orders/{id}");
        await Assertions.Expect(recent).ToContainTextAsync("old-client 1.x");
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "4-old-clients.png"), FullPage = true });

        (await demo.ExitAsync(StoryStep)).ShouldBe(0, demo.Output);
        Regex.Match(demo.Output, @"(\d+)/\1 acts as expected").Success.ShouldBeTrue(demo.Output);
        errors.ShouldBeEmpty("the page raised errors");
    }

    /// <summary>Awaits a page assertion; when it fails, the failure carries the demo's narration too.</summary>
    private static async Task DemoSaysAsync(Narration demo, Task assertion)
    {
        try
        {
            await assertion;
        }
        catch (PlaywrightException e)
        {
            throw new ShouldAssertException($"{e.Message}\n--- the demo so far ---\n{demo.Output}", e);
        }
    }

    /// <summary>Waits for the rollout to <paramref name="version"/> to stop at its gate on the page, then approves it with a click and a confirmation.</summary>
    private static async Task<string> ApproveAtGateAsync(IPage page, Narration demo, string version, string shots, string reason)
    {
        var id = Regex.Match(await demo.WaitForAsync(l => l.Contains($"-> {version} started", StringComparison.Ordinal), StoryStep), @"rollout (\S+): ").Groups[1].Value;
        var card = page.Locator($"[data-rollout='{id}']");
        await Assertions.Expect(card).ToContainTextAsync("waits for approval: before-waves");
        await Assertions.Expect(card.Locator("[aria-current='step']")).ToHaveTextAsync("waves");
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, $"1-gate-{version}.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = $"approve rollout {id}" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Assertions.Expect(dialog).ToContainTextAsync($"Approve {id}?");
        await dialog.GetByLabel("Reason").FillAsync(reason);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(card.Locator(".phase")).ToContainTextAsync("waves");
        await Assertions.Expect(page.Locator("#timeline")).ToContainTextAsync(reason);
        return id;
    }

    /// <summary>A <c>stepwise</c> process whose output lines are kept, with bounded waits for a line and for its end; killed on dispose.</summary>
    private sealed class Narration : IAsyncDisposable
    {
        private readonly Process process;
        private readonly ConcurrentQueue<string> lines = new();
        private readonly SemaphoreSlim arrived = new(0);

        private Narration(Process process) => this.process = process;

        public string Output => string.Join('\n', lines);

        public static Narration Start(IReadOnlyList<string> args)
        {
            var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Fleet.StepwiseDll);
            foreach (var a in args)
            {
                info.ArgumentList.Add(a);
            }
            var narration = new Narration(Process.Start(info) ?? throw new InvalidOperationException("could not start stepwise"));
            narration.process.OutputDataReceived += (_, e) => narration.Add(e.Data);
            narration.process.ErrorDataReceived += (_, e) => narration.Add(e.Data);
            narration.process.BeginOutputReadLine();
            narration.process.BeginErrorReadLine();
            return narration;
        }

        private void Add(string? line)
        {
            if (line is not null)
            {
                lines.Enqueue(line);
                arrived.Release();
            }
        }

        /// <summary>The first line, said so far or from now on, that matches; fails with the whole narration after <paramref name="limit"/>.</summary>
        public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan limit)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (lines.FirstOrDefault(match) is { } line)
                {
                    return line;
                }
                if (process.HasExited && lines.FirstOrDefault(match) is null)
                {
                    throw new ShouldAssertException($"stepwise exited ({process.ExitCode}) before saying what the test waits for:\n{Output}");
                }
                var left = limit - clock.Elapsed;
                if (left <= TimeSpan.Zero)
                {
                    throw new ShouldAssertException($"stepwise did not say what the test waits for within {limit.TotalSeconds:0} s:\n{Output}");
                }
                await arrived.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            }
        }

        public async Task<int> ExitAsync(TimeSpan limit)
        {
            using var cancel = new CancellationTokenSource(limit);
            await process.WaitForExitAsync(cancel.Token);
            return process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            process.Dispose();
            arrived.Dispose();
        }
    }
}
