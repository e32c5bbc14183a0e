using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stepwise.Clients.Tests;

/// <summary>The orders sample (the demo's service) with the middleware on, as a process against the fake server.</summary>
public sealed class OrdersSampleTests
{
    private static string OrdersDll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stepwise.slnx")))
        {
            dir = dir.Parent;
        }
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)));
        var path = Path.Combine(dir!.FullName, "samples", "orders", "bin", configuration!, "net10.0", "Stepwise.Samples.Orders.dll");
        File.Exists(path).ShouldBeTrue($"the orders sample is not built at {path}");
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task the_sample_reports_its_client_calls_and_answers_an_old_client_with_the_typed_426()
    {
        await using var server = await FakeStepwiseServer.StartAsync();
        var policy = FakeStepwiseServer.EmptyPolicy("orders");
        policy["removed"]!.AsArray().Add(new JsonObject { ["operation"] = "DELETE /orders/{id}", ["removedIn"] = "1.4.0" });
        server.Policy = policy;
        var dir = Directory.CreateTempSubdirectory("stepwise-clients-sample-").FullName;
        var tokenFile = Path.Combine(dir, "token");
        await File.WriteAllTextAsync(tokenFile, FakeStepwiseServer.Token);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { OrdersDll(), "--release", "1.4.0", "--port", $"{port}", "--db", Path.Combine(dir, "orders.db"), "--node", "n1",
                     "--stepwise-server", server.Address.AbsoluteUri, "--stepwise-token-file", tokenFile })
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            HttpResponseMessage? removed = null;
            for (var i = 0; i < 300 && removed?.StatusCode != (HttpStatusCode)426; i++) // until warmed up and the policy is in
            {
                await Task.Delay(100);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Delete, "/orders/1");
                    request.Headers.Add(StepwiseProtocol.ClientHeader, "old-client/1.0.0");
                    removed = await http.SendAsync(request);
                }
                catch (HttpRequestException)
                {
                }
            }
            removed.ShouldNotBeNull().StatusCode.ShouldBe((HttpStatusCode)426);
            JsonDocument.Parse(await removed.Content.ReadAsStringAsync()).RootElement.GetProperty("removedIn").GetString().ShouldBe("1.4.0");
            using var get = new HttpRequestMessage(HttpMethod.Get, "/orders");
            get.Headers.Add(StepwiseProtocol.ClientHeader, "ios-app/4.2.1");
            // 1.4.0 reads a column the fresh database does not have yet (the demo's data change adds it), so this call
            // fails; it is a client call all the same, and counted.
            (await http.SendAsync(get)).StatusCode.ShouldNotBe((HttpStatusCode)426);
            (await http.GetAsync("/healthz")).Dispose(); // the agent's endpoint (503 here: the schema is older): not counted

            Process.Start("kill", ["-TERM", $"{process.Id}"])!.WaitForExit(); // a graceful stop ships the last counts
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
            Directory.Delete(dir, recursive: true);
        }

        server.Violations.ShouldBeEmpty();
        var calls = server.Calls.GroupBy(c => (c.App, c.Version, c.Operation)).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
        calls.Keys.ShouldBe([("ios-app", "4.2.1", "GET /orders"), ("old-client", "1.0.0", "DELETE /orders/{id}")], ignoreOrder: true, $"{await output}\n{await errors}");
        calls[("ios-app", "4.2.1", "GET /orders")].ShouldBe(1);
        server.Batches.ShouldAllBe(b => b.Service == "orders" && b.Release == "1.4.0" && b.Instance == "n1");
    }
}
