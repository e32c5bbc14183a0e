using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Server.Http;
using Stepwise.Server.Store;

// Heartbeat ingestion on SQLite: NODES agents, each sending a heartbeat every INTERVAL seconds (open loop: each
// heartbeat has a scheduled time; latency is measured from that time, so a stalled server cannot hide its queue),
// over CONNECTIONS concurrent connections, against a real `stepwise server` process on loopback.
// Usage: dotnet run -c Release --project bench/Stepwise.HeartbeatBench -- [nodes] [interval-s] [seconds] [warmup-s] [connections] [http|https] [token-limit|no-token-limit]
// With https the server listens with a certificate made for the run (ECDSA P-256, PEM files) and the client accepts
// only that certificate. Both rate limits are on at their defaults: each connection comes from its own loopback
// address (127.1.x.y), so the per-address limit sees CONNECTIONS clients, as it would see many nodes; no-token-limit
// turns both off, to measure what the limiters cost.
//        dotnet run -c Release --project bench/Stepwise.HeartbeatBench -- rollback   (see RollbackTiming)
//        dotnet run -c Release --project bench/Stepwise.HeartbeatBench -- telemetry [calls] [instances] [intervals]   (see TelemetryIngestion)
if (args.Length > 0 && args[0] == "rollback")
{
    await RollbackTiming.RunAsync();
    return;
}
if (args.Length > 0 && args[0] == "telemetry")
{
    long Long(int index, long fallback) => args.Length > index ? long.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
    await TelemetryIngestion.RunAsync(Long(1, 1_000_000), (int)Long(2, 10), (int)Long(3, 10));
    return;
}
var nodes = Arg(0, 100_000);
var interval = Arg(1, 10);
var seconds = Arg(2, 60);
var warmup = Arg(3, 15);
var connections = Arg(4, 256);
var tls = args.Length > 5 && args[5] == "https";
var tokenLimit = !(args.Length > 6 && args[6] == "no-token-limit");
const string BenchAdmin = "sw_bench-admin-secret-0123456789abcdef"; // the server refuses admin tokens shorter than 24 characters
var scheme = tls ? "https" : "http";
var rate = (double)nodes / interval;

var directory = Directory.CreateTempSubdirectory("stepwise-heartbeat-bench-").FullName;
var database = Path.Combine(directory, "stepwise.db");
var config = Path.Combine(directory, "stepwise.yaml");
await File.WriteAllTextAsync(config, """
    version: 1
    policy:
      heartbeatTimeout: 60s
    services:
      - name: orders
        releases:
          - version: 1.0.0
    """);

// Seed one agent token per node straight into the store (the API would create them one request at a time).
Console.WriteLine($"seeding {nodes:N0} agent tokens...");
var secrets = new string[nodes];
await using (var store = await StateStore.OpenAsync(StoreUrl.Parse("sqlite:" + database), CancellationToken.None))
{
    await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
    await using var tx = await connection.BeginTransactionAsync();
    await using var insert = connection.CreateCommand();
    insert.Transaction = tx;
    insert.CommandText = "INSERT INTO tokens (hash, name, kind, node, created_at) VALUES (@h, @n, 2, @node, 0)";
    var h = insert.CreateParameter();
    h.ParameterName = "h";
    var n = insert.CreateParameter();
    n.ParameterName = "n";
    var node = insert.CreateParameter();
    node.ParameterName = "node";
    insert.Parameters.Add(h);
    insert.Parameters.Add(n);
    insert.Parameters.Add(node);
    for (var i = 0; i < nodes; i++)
    {
        secrets[i] = Tokens.NewSecret();
        h.Value = Tokens.Hash(secrets[i]);
        n.Value = $"agent-n{i:D6}";
        node.Value = $"n{i:D6}";
        await insert.ExecuteNonQueryAsync();
    }
    await tx.CommitAsync();
}

var port = BenchProcess.FreePort();
string? thumbprint = null;
var serverArguments = new List<string> { Path.Combine(AppContext.BaseDirectory, "stepwise.dll"), "server", "--store", "sqlite:" + database, "--urls", $"{scheme}://127.0.0.1:{port}", "--config", config, "--tick", "1s" };
if (!tokenLimit)
{
    serverArguments.AddRange(["--rate-limit-token", "0", "--rate-limit-address", "0"]);
}
if (tls)
{
    using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
    var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
    var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
    names.AddIpAddress(IPAddress.Loopback);
    request.CertificateExtensions.Add(names.Build());
    using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    thumbprint = certificate.GetCertHashString();
    await File.WriteAllTextAsync(Path.Combine(directory, "server.crt"), certificate.ExportCertificatePem());
    await File.WriteAllTextAsync(Path.Combine(directory, "server.key"), key.ExportPkcs8PrivateKeyPem());
    serverArguments.AddRange(["--tls-cert", Path.Combine(directory, "server.crt"), "--tls-key", Path.Combine(directory, "server.key")]);
}
var start = new ProcessStartInfo("dotnet")
{
    UseShellExecute = false,
    RedirectStandardOutput = true,
    Environment = { ["STEPWISE_ADMIN_TOKEN"] = BenchAdmin, ["DOTNET_gcServer"] = "0" },
};
foreach (var argument in serverArguments)
{
    start.ArgumentList.Add(argument);
}
var server = Process.Start(start)!;
server.OutputDataReceived += (_, _) => { };
server.BeginOutputReadLine();
try
{
    var opened = -1;
    using var handler = new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        UseCookies = false,
        // Each connection from its own loopback address, as each node would come from its own.
        ConnectCallback = async (context, ct) =>
        {
            var n = Interlocked.Increment(ref opened);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(new IPAddress([127, 1, (byte)(n / 250 % 250), (byte)(n % 250 + 1)]), 0));
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
    if (thumbprint is not null)
    {
        // The client trusts exactly the run's certificate (as an agent given --ca-file trusts its CA).
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == thumbprint;
    }
    using var http = new HttpClient(handler) { BaseAddress = new Uri($"{scheme}://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
    await BenchProcess.WaitForHealthAsync(http);
    var bodies = new byte[nodes][];
    for (var i = 0; i < nodes; i++)
    {
        bodies[i] = JsonSerializer.SerializeToUtf8Bytes(new Heartbeat($"n{i:D6}", "orders", "1.0.0", NodeHealth.Healthy, true, 120, 0, [12.5, 14.1, 9.8, 11.0, 13.3]), SnapshotJson.Options);
    }

    Console.WriteLine($"load: {nodes:N0} nodes every {interval} s = {rate:N0} heartbeats/s over {connections} {scheme} connections; warm-up {warmup} s, measured {seconds} s");
    var total = (long)(rate * (warmup + seconds));
    var latencies = new double[total];
    var statuses = new int[total];
    long next = -1;
    var clock = Stopwatch.StartNew();
    long peakRss = 0;
    double cpuAtWarmup = -1;
    using var sampler = new CancellationTokenSource();
    var rssTask = Task.Run(async () =>
    {
        while (!sampler.IsCancellationRequested)
        {
            if (clock.Elapsed.TotalSeconds > warmup)
            {
                peakRss = Math.Max(peakRss, BenchProcess.Rss(server.Id));
                if (cpuAtWarmup < 0)
                {
                    cpuAtWarmup = BenchProcess.CpuSeconds(server.Id);
                }
            }
            try
            {
                await Task.Delay(200, sampler.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    });
    var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
    {
        while (true)
        {
            var i = Interlocked.Increment(ref next);
            if (i >= total)
            {
                return;
            }
            var due = TimeSpan.FromSeconds(i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
            var node = (int)(i % nodes);
            using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/agent/heartbeat") { Content = new ByteArrayContent(bodies[node]) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secrets[node]);
            try
            {
                using var response = await http.SendAsync(request);
                await response.Content.ReadAsByteArrayAsync();
                statuses[i] = (int)response.StatusCode;
            }
            catch (HttpRequestException)
            {
                statuses[i] = -1;
            }
            latencies[i] = (clock.Elapsed - due).TotalMilliseconds;
        }
    })).ToArray();
    await Task.WhenAll(workers);
    var elapsed = clock.Elapsed.TotalSeconds;
    using (var metricsRequest = new HttpRequestMessage(HttpMethod.Get, "metrics"))
    {
        metricsRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BenchAdmin);
        using var metricsResponse = await http.SendAsync(metricsRequest);
        foreach (var line in (await metricsResponse.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("stepwise_", StringComparison.Ordinal) && l.Contains("seconds", StringComparison.Ordinal)))
        {
            Console.WriteLine("server " + line);
        }
    }
    var serverCpu = BenchProcess.CpuSeconds(server.Id) - cpuAtWarmup;
    await sampler.CancelAsync();
    await rssTask;

    var first = (long)(rate * warmup);
    var measured = latencies[(int)first..];
    var ok = statuses[(int)first..].Count(s => s == 200);
    Array.Sort(measured);
    double P(double q) => measured[Math.Min(measured.Length - 1, (int)Math.Ceiling(q * measured.Length) - 1)];
    var achieved = measured.Length / (elapsed - warmup);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"measured {measured.Length:N0} heartbeats in {elapsed - warmup:0.0} s = {achieved:N0}/s (target {rate:N0}/s); 200 OK: {ok:N0}; errors: {measured.Length - ok:N0}"));
    Console.WriteLine("answers: " + string.Join(", ", statuses[(int)first..].GroupBy(s => s).OrderByDescending(g => g.Count()).Select(g => $"{(g.Key < 0 ? "no answer" : g.Key.ToString(CultureInfo.InvariantCulture))} x{g.Count():N0}")));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"latency from scheduled time (ms): p50 {P(0.50):0.0}  p90 {P(0.90):0.0}  p99 {P(0.99):0.0}  p99.9 {P(0.999):0.0}  max {measured[^1]:0.0}"));
    // p99 of each 5 s of the measured window, by scheduled time: a backlog left by the warm-up shows as a falling series.
    var windows = latencies[(int)first..].Chunk((int)(rate * 5)).Select(w =>
    {
        var sorted = w.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(0.99 * sorted.Length) - 1)].ToString("0.0", CultureInfo.InvariantCulture);
    });
    Console.WriteLine("p99 (ms) by 5 s window: " + string.Join("  ", windows));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"server CPU in the measured window: {serverCpu:0.0} s = {serverCpu / (elapsed - warmup):0.00} cores = {serverCpu * 1e6 / measured.Length:0} us per heartbeat"));
    Console.WriteLine($"server peak RSS during the measured window: {peakRss / (1024.0 * 1024):N0} MiB; nodes in the store: {await CountNodesAsync(database):N0}");
}
finally
{
    server.Kill(entireProcessTree: true);
    await server.WaitForExitAsync();
    Directory.Delete(directory, recursive: true);
}

int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

static async Task<long> CountNodesAsync(string database)
{
    await using var store = await StateStore.OpenAsync(StoreUrl.Parse("sqlite:" + database), CancellationToken.None);
    await using var connection = await store.OpenConnectionAsync(CancellationToken.None);
    await using var command = connection.CreateCommand();
    command.CommandText = "SELECT COUNT(*) FROM nodes";
    return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
}
