using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Shouldly;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Testing;
using Xunit;

namespace Stepwise.Server.Tests;

/// <summary>Documented error paths give their documented answer: 415, 408, 429 and 503 problems with a reason, never a bare 500.</summary>
public class FailureAnswerTests
{
    [Fact]
    public async Task a_heartbeat_that_is_not_json_gets_415()
    {
        await using var server = await TestServer.StartAsync();
        var agent = await server.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
        using var client = server.Client(agent);
        using var response = await client.PostAsync(Routes.Heartbeat.TrimStart('/'), new StringContent("node=n1", Encoding.UTF8, "application/x-www-form-urlencoded"));
        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        var problem = await TestServer.ProblemAsync(response);
        problem.GetProperty("type").GetString().ShouldBe(ProblemTypes.UnsupportedMediaType);
        problem.GetProperty("detail").GetString()!.ShouldContain("application/json");
        server.Host.Runtime.Nodes.Find("n1").ShouldBeNull();
    }

    [Fact]
    public async Task a_body_that_trickles_in_gets_408()
    {
        await using var server = await TestServer.StartAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST {Routes.Overrides} HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\nAuthorization: Bearer {TestServer.AdminSecret}\r\n" +
                   "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        // One byte a second is far under the minimum data rate: the server gives up on the body after its grace period.
        using var give = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var reading = Task.Run(async () =>
        {
            int n;
            while ((n = await stream.ReadAsync(buffer, give.Token)) > 0)
            {
                answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }, give.Token);
        while (!reading.IsCompleted && !give.IsCancellationRequested)
        {
            try
            {
                await stream.WriteAsync(" "u8.ToArray(), give.Token);
            }
            catch (IOException)
            {
                break;
            }
            await Task.WhenAny(reading, Task.Delay(1000, give.Token));
        }
        await reading.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
        var text = answer.ToString();
        text.ShouldStartWith("HTTP/1.1 408");
        text.ShouldContain(ProblemTypes.Timeout);
    }

    [Fact]
    public async Task a_client_over_its_rate_gets_429_with_retry_after_and_liveness_is_never_limited()
    {
        await using var server = await TestServer.StartAsync(tweak: o => o with { RateLimitPerToken = 5 });
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 40 && limited is null; i++)
        {
            var response = await server.Admin.GetAsync(Routes.Services.TrimStart('/'));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }
        limited.ShouldNotBeNull($"40 requests at once from one token were all served: {string.Join(",", statuses)}");
        statuses.Count(s => s == HttpStatusCode.OK).ShouldBeGreaterThanOrEqualTo(5); // the burst allowance is served
        limited.Headers.RetryAfter.ShouldNotBeNull();
        (await TestServer.ProblemAsync(limited)).GetProperty("type").GetString().ShouldBe(ProblemTypes.RateLimited);
        limited.Dispose();
        using var anonymous = server.Client(null);
        for (var i = 0; i < 50; i++)
        {
            (await anonymous.GetAsync(Routes.Liveness.TrimStart('/'))).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        // Another token has its own allowance.
        var reader = await TokenAfterLimitAsync(server);
        using var other = server.Client(reader);
        (await other.GetAsync(Routes.Services.TrimStart('/'))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task the_per_address_limit_counts_every_token_from_that_address()
    {
        await using var server = await TestServer.StartAsync(tweak: o => o with { RateLimitPerToken = 0, RateLimitPerAddress = 5 });
        var limited = false;
        for (var i = 0; i < 40 && !limited; i++)
        {
            using var response = await server.Admin.GetAsync(Routes.Services.TrimStart('/'));
            limited = response.StatusCode == HttpStatusCode.TooManyRequests;
        }
        limited.ShouldBeTrue("40 requests at once from one address were all served");
        // Another token from the same address shares the address's allowance: refused before its token is even looked at.
        using var other = server.Client("sw_another-token-from-the-same-address");
        using var refused = await other.GetAsync(Routes.Services.TrimStart('/'));
        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        (await TestServer.ProblemAsync(refused)).GetProperty("type").GetString().ShouldBe(ProblemTypes.RateLimited);
        using var anonymous = server.Client(null);
        (await anonymous.GetAsync(Routes.Liveness.TrimStart('/'))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task<string> TokenAfterLimitAsync(TestServer server)
    {
        // The admin token is limited for a moment: create the read token once its bucket refills.
        return await TestServer.EventuallyAsync(async () =>
        {
            using var response = await server.Admin.PostAsJsonAsync(Routes.Tokens.TrimStart('/'), new TokenBody(TokenKind.Read, "reader"), SnapshotJson.Options);
            return response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<TokenCreated>(SnapshotJson.Options))!.Token : null;
        }, t => t is not null, "the admin token's allowance to refill", 30) ?? "";
    }

    [Fact]
    public async Task a_full_disk_gets_503_naming_the_store_failure_and_loses_nothing()
    {
        await using var disk = await SmallDisk.MountAsync();
        await using var server = await TestServer.StartAsync(store: "sqlite:" + Path.Combine(disk.Path, "stepwise.db"));
        var filler = Path.Combine(disk.Path, "filler");
        await FillAsync(filler);
        HttpResponseMessage? failed = null;
        for (var i = 0; i < 50 && failed is null; i++)
        {
            var response = await server.Admin.PostAsJsonAsync(Routes.Tokens.TrimStart('/'), new TokenBody(TokenKind.Read, $"reader-{i}"), SnapshotJson.Options);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                failed = response;
            }
        }
        failed.ShouldNotBeNull("every write succeeded on a full disk");
        failed.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var problem = await TestServer.ProblemAsync(failed);
        problem.GetProperty("type").GetString().ShouldBe(ProblemTypes.Unavailable);
        problem.GetProperty("detail").GetString()!.ShouldContain("store write failed");
        File.Delete(filler);
        using var after = await server.Admin.PostAsJsonAsync(Routes.Tokens.TrimStart('/'), new TokenBody(TokenKind.Read, "after-the-disk-was-freed"), SnapshotJson.Options);
        after.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await server.Admin.GetFromJsonAsync<List<TokenView>>(Routes.Tokens.TrimStart('/'), SnapshotJson.Options))!.ShouldContain(t => t.Name == "after-the-disk-was-freed");
    }

    private static async Task FillAsync(string path)
    {
        await using var file = new FileStream(path, FileMode.Create);
        var block = new byte[64 * 1024];
        try
        {
            while (true)
            {
                await file.WriteAsync(block);
                await file.FlushAsync();
            }
        }
        catch (IOException)
        {
            // full
        }
    }

    /// <summary>A 4 MB tmpfs, mounted for one test (needs root: skipped elsewhere, failed in CI).</summary>
    private sealed class SmallDisk : IAsyncDisposable
    {
        public string Path { get; } = Scratch.Directory("stepwise-small-disk-");

        public static async Task<SmallDisk> MountAsync()
        {
            var disk = new SmallDisk();
            if (Environment.UserName != "root" || await RunAsync("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk.Path) != 0)
            {
                Need.Missing("root with permission to mount a tmpfs", "run the tests as root (CI does)");
            }
            return disk;
        }

        public async ValueTask DisposeAsync() => await RunAsync("umount", "-l", Path);

        private static async Task<int> RunAsync(string program, params string[] args)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args)
            {
                start.ArgumentList.Add(a);
            }
            using var process = Process.Start(start)!;
            await process.WaitForExitAsync();
            return process.ExitCode;
        }
    }
}
