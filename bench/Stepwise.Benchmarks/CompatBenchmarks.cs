using BenchmarkDotNet.Attributes;
using Stepwise.Contracts;
using Stepwise.Contracts.Json;

namespace Stepwise.Benchmarks;

/// <summary>
/// In-process cost of comparing GitHub's REST API description (about 12 MB) release over release, and of parsing
/// one side. The corpus comes from eng/peers.sh ($STEPWISE_PEERS). The end-to-end command, with process start-up,
/// is measured beside Optic by bench/compat/compat-vs-optic.sh.
/// </summary>
[MemoryDiagnoser]
public class CompatBenchmarks
{
    private string _old = "";
    private string _new = "";

    [GlobalSetup]
    public void Locate()
    {
        var peers = Environment.GetEnvironmentVariable("STEPWISE_PEERS") is { Length: > 0 } p
            ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "stepwise-peers");
        _old = Path.Combine(peers, "octokit", "22.0.0", "package", "generated", "api.github.com.json");
        _new = Path.Combine(peers, "octokit", "23.0.0", "package", "generated", "api.github.com.json");
        if (!File.Exists(_old) || !File.Exists(_new))
        {
            throw new InvalidOperationException($"GitHub's descriptions are not installed under {peers}: run eng/peers.sh");
        }
    }

    [Benchmark(Description = "compare GitHub API 22.0.0 -> 23.0.0 (fleet mode)")]
    public int CompareGitHub() => CompatRunner.Run(_old, _new).Findings.Count;

    [Benchmark(Description = "parse GitHub API 23.0.0")]
    public int ParseGitHub()
    {
        var source = JsonSource.Load(_new);
        return source.Root.GetProperty("paths").GetPropertyCount();
    }
}
