using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Stepwise.Data.Lint;

namespace Stepwise.Benchmarks;

/// <summary>
/// Linting 10,000 PostgreSQL migration statements (the lint corpus's statements repeated), measured beside squawk 2.66 in the
/// same run: both as whole processes on the same file (what a CI step pays), and Stepwise's linter in-process.
/// squawk comes from eng/peers.sh (or STEPWISE_SQUAWK).
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class SqlLintBenchmarks
{
    private string file = null!;
    private string text = null!;
    private string squawk = null!;
    private string cli = null!;

    [GlobalSetup]
    public void Setup()
    {
        var root = RepoRoot();
        var statements = Directory.GetFiles(Path.Combine(root, "test", "Stepwise.Data.Tests", "Corpus", "sql"), "*.sql")
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)
            .Where(s => !s.Contains("BEGIN", StringComparison.Ordinal))
            .SelectMany(s => s.Trim().Split('\n'))
            .ToList();
        var lines = Enumerable.Range(0, 10_000).Select(i => statements[i % statements.Count]);
        text = string.Join('\n', lines) + "\n";
        file = Path.Combine(Path.GetTempPath(), "stepwise-lint-10k.sql");
        File.WriteAllText(file, text);
        squawk = Environment.GetEnvironmentVariable("STEPWISE_SQUAWK") is { Length: > 0 } s ? s
            : Directory.EnumerateFiles(Path.Combine(Environment.GetEnvironmentVariable("STEPWISE_PEERS") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "stepwise-peers"), "squawk"), "squawk", SearchOption.AllDirectories)
                .FirstOrDefault(p => !p.Contains("/js/", StringComparison.Ordinal))
              ?? throw new InvalidOperationException("squawk not found: run eng/peers.sh or set STEPWISE_SQUAWK");
        cli = Path.Combine(Path.GetDirectoryName(typeof(Stepwise.Cli.StepwiseCli).Assembly.Location)!, "stepwise.dll");
    }

    [Benchmark(Baseline = true, Description = "squawk 2.66 process, 10k statements")]
    public int Squawk() => Run(squawk, "--reporter", "gcc", file);

    [Benchmark(Description = "stepwise lint-sql process, 10k statements")]
    public int StepwiseProcess() => Run("dotnet", cli, "lint-sql", file, "--format", "json");

    [Benchmark(Description = "SqlLinter.Lint in-process, 10k statements")]
    public int StepwiseInProcess() => SqlLinter.Lint([new SqlSource("10k.sql", text)], SqlDialect.Postgres, phase: null).Statements.Count;

    private static int Run(string exe, params string[] args)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return output.Result.Length + errors.Result.Length;
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stepwise.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("run the benchmarks from inside the Stepwise repository");
    }
}
