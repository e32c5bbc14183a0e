using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Npgsql;
using Stepwise.Core.Model;
using Stepwise.Data.Running;

namespace Stepwise.Benchmarks;

/// <summary>
/// Backfills 1,000,000 rows on local PostgreSQL (STEPWISE_TEST_PG, as eng/setup.d/20-postgres.sh starts it) while a
/// concurrent writer keeps updating and inserting rows of the same table the way old code does. Reports the backfill's
/// rows/s and the writer's latency percentiles (printed as a "backfill:" line and appended to stepwise-backfill-results.txt in the temp folder).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class BackfillBenchmarks
{
    private const int Rows = 1_000_000;
    private string server = null!;
    private string database = null!;
    private string connectionString = null!;

    [Params(2_000, 10_000)]
    public int BatchSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        server = Environment.GetEnvironmentVariable("STEPWISE_TEST_PG") ?? throw new InvalidOperationException("STEPWISE_TEST_PG is not set: source eng/setup.sh");
    }

    [IterationSetup]
    public void Seed()
    {
        database = "stepwise_bench_" + Guid.NewGuid().ToString("N")[..10];
        Exec(server, $"CREATE DATABASE {database}");
        connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, Pooling = false }.ConnectionString;
        Exec(connectionString, $"CREATE TABLE customers (id bigint PRIMARY KEY, email text, contact_email text); INSERT INTO customers (id, email) SELECT g, 'c' || g || '@shop.test' FROM generate_series(1, {Rows}) g");
        Exec(connectionString, "VACUUM ANALYZE customers");
    }

    [IterationCleanup]
    public void Drop() => Exec(server, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");

    [Benchmark(Description = "backfill 1M rows with a concurrent writer")]
    public void Backfill()
    {
        var change = new DataChange("bench", ["db"], null, new BackfillSpec("customers", "id", "contact_email = email", null, BatchSize, TimeSpan.Zero, null), null);
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        var store = StoreUrl.Parse($"postgres://{b.Username}@{b.Host}:{b.Port}/{database}");
        using var stop = new CancellationTokenSource();
        var latencies = new List<double>();
        var writer = Task.Run(() => Write(latencies, stop.Token));
        var clock = Stopwatch.StartNew();
        new DataRunner(change, ".").ApplyAsync(store, DataPhaseKind.Backfill).GetAwaiter().GetResult();
        var seconds = clock.Elapsed.TotalSeconds;
        stop.Cancel();
        writer.GetAwaiter().GetResult();
        latencies.Sort();
        double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        var line = string.Create(CultureInfo.InvariantCulture,
            $"backfill: batch={BatchSize} rows={Rows} seconds={seconds:0.00} rows/s={Rows / seconds:0} writer ops={latencies.Count} p50={P(0.50):0.0}ms p99={P(0.99):0.0}ms max={latencies[^1]:0.0}ms");
        Console.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "stepwise-backfill-results.txt"), line + Environment.NewLine);
    }

    /// <summary>Old code: updates a random existing row's email or inserts a new row, one statement at a time, 1 ms apart.</summary>
    private void Write(List<double> latencies, CancellationToken stop)
    {
        using var conn = new NpgsqlConnection(connectionString);
        conn.Open();
        var random = new Random(11);
        var next = Rows;
        while (!stop.IsCancellationRequested)
        {
            var insert = random.Next(4) == 0;
            using var cmd = new NpgsqlCommand(insert ? "INSERT INTO customers (id, email) VALUES (@id, @e)" : "UPDATE customers SET email = @e WHERE id = @id", conn);
            cmd.Parameters.AddWithValue("id", (long)(insert ? ++next : random.Next(1, Rows + 1)));
            cmd.Parameters.AddWithValue("e", "w@shop.test");
            var t = Stopwatch.StartNew();
            cmd.ExecuteNonQuery();
            latencies.Add(t.Elapsed.TotalMilliseconds);
            Thread.Sleep(1);
        }
    }

    private static void Exec(string cs, string sql)
    {
        using var conn = new NpgsqlConnection(cs);
        conn.Open();
        using var cmd = new NpgsqlCommand(sql, conn) { CommandTimeout = 0 };
        cmd.ExecuteNonQuery();
    }
}
