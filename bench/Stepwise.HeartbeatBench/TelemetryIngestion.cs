using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

/// <summary>
/// Client telemetry ingestion: CALLS calls of one service over 10,000 (client app, version, operation) keys (100 apps,
/// 10 versions, 10 operations, drawn uniformly with a fixed seed: the most distinct keys per body), made on INSTANCES
/// instances of the service over INTERVALS shipping intervals. Each instance sends one body per interval with the
/// counts of that interval, split at 5,000 entries as Stepwise.Clients splits them, through a service token, to a real
/// server (SQLite) on loopback, four bodies at a time. Measured: the server's CPU time (user + system) from the first
/// body to the last answer, after three warm-up rounds of the same shape on another service; and the totals read back
/// through GET /api/v1/clients, which must add up to the calls sent.
/// Usage: dotnet run -c Release --project bench/Stepwise.HeartbeatBench -- telemetry [calls] [instances] [intervals]
/// </summary>
internal static class TelemetryIngestion
{
    private const string Admin = "sw_bench-admin-secret-0123456789abcdef";
    private const int Apps = 100;
    private const int Versions = 10;
    private const int Operations = 10;

    public static async Task RunAsync(long calls, int instances, int intervals)
    {
        await using var server = await BenchServer.StartAsync("telemetry", """
            version: 1
            services:
              - name: orders
                releases:
                  - version: 1.0.0
              - name: warmup
                releases:
                  - version: 1.0.0
            """, Admin, TimeSpan.FromSeconds(60));
        var http = server.Admin;
        var bodies = Bodies("orders", calls, instances, intervals, seed: 1);
        var entries = bodies.Sum(b => b.Calls!.Count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"telemetry: {calls:N0} calls over {Apps * Versions * Operations:N0} keys, {instances} instances x {intervals} intervals = {bodies.Count:N0} bodies, {entries:N0} entries"));
        // Warm-up: three rounds of the same shape on another service, then time for the JIT's optimised tiers to be
        // compiled in the background, so that the measured round runs the code a long-running server runs.
        for (var round = 0; round < 3; round++)
        {
            await SendAsync(http, "warmup", $"w{round}", Bodies("warmup", calls, instances, intervals, seed: 2 + round));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        var cpuBefore = BenchProcess.CpuSeconds(server.Process.Id);
        var clock = Stopwatch.StartNew();
        await SendAsync(http, "orders", "m", bodies);
        var wall = clock.Elapsed.TotalSeconds;
        var cpu = BenchProcess.CpuSeconds(server.Process.Id) - cpuBefore;
        var stored = (await http.GetFromJsonAsync<List<ClientView>>($"{Routes.Clients.TrimStart('/')}?service=orders", SnapshotJson.Options))!;
        var total = stored.Sum(v => v.Calls);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"server CPU {cpu:0.00} s ({cpu * 1e6 / entries:0.0} us per entry), wall {wall:0.00} s; read back {stored.Count:N0} keys, {total:N0} calls ({(total == calls ? "all" : "MISMATCH")})"));
    }

    /// <summary>The bodies the instances would ship: per (instance, interval) the distinct keys called, with counts.</summary>
    private static List<ClientTelemetryBody> Bodies(string service, long calls, int instances, int intervals, int seed)
    {
        var random = new Random(seed);
        var buckets = instances * intervals;
        var counts = new Dictionary<int, long>[buckets];
        for (var b = 0; b < buckets; b++)
        {
            counts[b] = [];
        }
        for (long i = 0; i < calls; i++)
        {
            var bucket = counts[(int)(i % buckets)];
            var key = random.Next(Apps * Versions * Operations);
            bucket[key] = bucket.GetValueOrDefault(key) + 1;
        }
        var start = DateTimeOffset.UtcNow.AddMinutes(-1);
        var bodies = new List<ClientTelemetryBody>();
        for (var b = 0; b < buckets; b++)
        {
            var entries = counts[b].Select(kv => (ClientCallCount?)new ClientCallCount(
                $"app-{kv.Key / (Versions * Operations)}", $"1.{kv.Key / Operations % Versions}.0", $"GET /orders/op{kv.Key % Operations}", kv.Value)).ToList();
            var from = start.AddSeconds(b / instances);
            foreach (var chunk in entries.Chunk(Stepwise.Clients.StepwiseProtocol.MaxCallsPerBatch))
            {
                bodies.Add(new ClientTelemetryBody(service, "1.0.0", $"i{b % instances}", from, from.AddSeconds(1), chunk, 0));
            }
        }
        return bodies;
    }

    private static async Task SendAsync(HttpClient admin, string service, string round, List<ClientTelemetryBody> bodies)
    {
        // A service token per instance, as each instance would have its own (the per-token rate limit stays on).
        var clients = new Dictionary<string, HttpClient>();
        foreach (var instance in bodies.Select(b => b.Instance!).Distinct())
        {
            using var create = await admin.PostAsJsonAsync(Routes.Tokens.TrimStart('/'), new TokenBody(TokenKind.Agent, $"bench-{service}-{round}-{instance}", Service: service), SnapshotJson.Options);
            create.EnsureSuccessStatusCode();
            var client = new HttpClient { BaseAddress = admin.BaseAddress, Timeout = admin.Timeout };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await create.Content.ReadFromJsonAsync<TokenCreated>(SnapshotJson.Options))!.Token);
            clients[instance] = client;
        }
        try
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < bodies.Count; i = Interlocked.Increment(ref next))
                {
                    using var response = await clients[bodies[i].Instance!].PostAsJsonAsync(Routes.ClientTelemetry.TrimStart('/'), bodies[i], SnapshotJson.Options);
                    if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
                    {
                        throw new InvalidOperationException($"telemetry body {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                    }
                }
            })));
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }
}
