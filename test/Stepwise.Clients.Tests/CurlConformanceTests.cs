using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Stepwise.Clients.Tests;

/// <summary>
/// What any client sees, checked with the real curl binary (no .NET on the client side): the header in, the problem
/// and the deprecation headers out, and the call counted. Skipped locally without curl; fails when CI is set.
/// </summary>
public sealed class CurlConformanceTests
{
    private static string Curl()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "curl")).FirstOrDefault(File.Exists);
        if (path is null)
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
            {
                Assert.Fail("curl is not on PATH: install it (Debian: apt-get install curl) to run the conformance test");
            }
            Assert.Skip("curl is not on PATH (this test fails instead when CI is set)");
        }
        return path;
    }

    /// <summary>Runs curl with -i; returns the status, the headers (last response) and the body.</summary>
    private static async Task<(int Status, ILookup<string, string> Headers, string Body)> RunAsync(string curl, params string[] arguments)
    {
        var start = new ProcessStartInfo(curl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--silent", "--show-error", "--include", "--max-time", "30" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        process.ExitCode.ShouldBe(0, await error);
        var text = (await output).Replace("\r\n", "\n", StringComparison.Ordinal);
        var split = text.IndexOf("\n\n", StringComparison.Ordinal);
        var head = (split < 0 ? text : text[..split]).Split('\n');
        var status = int.Parse(head[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = head.Skip(1).Select(line => line.Split(':', 2)).ToLookup(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        return (status, headers, split < 0 ? "" : text[(split + 2)..]);
    }

    [Fact]
    public async Task curl_sees_the_upgrade_required_problem_the_deprecation_headers_and_its_calls_counted()
    {
        var curl = Curl();
        await using var server = await FakeStepwiseServer.StartAsync();
        await using var app = await ServiceApp.StartAsync(o =>
        {
            (o.Server, o.Token) = (server.Address, FakeStepwiseServer.Token);
            o.Policy.Remove("DELETE /orders/{id}", "1.4.0").RequireMinimum("ios-app", "4.0.0")
                .Deprecate("GET /orders", "1.2.0", new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), new Uri("https://example.com/docs/orders"));
        });
        var url = app.Address.AbsoluteUri.TrimEnd('/');

        var removed = await RunAsync(curl, "--request", "DELETE", "--header", "Stepwise-Client: ios-app/4.2.1", $"{url}/orders/7");
        var old = await RunAsync(curl, "--header", "Stepwise-Client: ios-app/3.9.0", $"{url}/orders/7");
        var deprecated = await RunAsync(curl, "--header", "Stepwise-Client: ios-app/4.2.1", $"{url}/orders");
        var anonymous = await RunAsync(curl, $"{url}/orders/7");

        removed.Status.ShouldBe(426);
        removed.Headers["Content-Type"].Single().ShouldStartWith("application/problem+json");
        var problem = JsonDocument.Parse(removed.Body).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("https://stepwise.dev/problems/upgrade-required");
        problem.GetProperty("title").GetString().ShouldBe("upgrade required");
        problem.GetProperty("status").GetInt32().ShouldBe(426);
        problem.GetProperty("operation").GetString().ShouldBe("DELETE /orders/{id}");
        problem.GetProperty("removedIn").GetString().ShouldBe("1.4.0");
        problem.GetProperty("minimumVersion").GetString().ShouldBe("4.0.0");
        problem.GetProperty("client").GetString().ShouldBe("ios-app/4.2.1");

        old.Status.ShouldBe(426);
        var oldProblem = JsonDocument.Parse(old.Body).RootElement;
        oldProblem.GetProperty("minimumVersion").GetString().ShouldBe("4.0.0");
        oldProblem.TryGetProperty("removedIn", out _).ShouldBeFalse();

        deprecated.Status.ShouldBe(200);
        deprecated.Headers["Deprecation"].Single().ShouldBe("@1780272000");
        deprecated.Headers["Sunset"].Single().ShouldBe("Fri, 01 Jan 2027 00:00:00 GMT");
        deprecated.Headers["Link"].ShouldContain("<https://example.com/docs/orders>; rel=\"deprecation\"");
        deprecated.Headers["Link"].ShouldContain("<https://example.com/docs/orders>; rel=\"sunset\"");

        anonymous.Status.ShouldBe(200);

        await app.Telemetry.FlushAsync();
        server.Calls.OrderBy(c => c.Operation).ThenBy(c => c.Version).ShouldBe(
        [
            new ReceivedCall("ios-app", "4.2.1", "DELETE /orders/{id}", 1),
            new ReceivedCall("ios-app", "4.2.1", "GET /orders", 1),
            new ReceivedCall("ios-app", "3.9.0", "GET /orders/{id}", 1),
            new ReceivedCall("unknown", "unknown", "GET /orders/{id}", 1),
        ]);
    }
}
