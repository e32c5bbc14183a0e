using System.Diagnostics;
using Stepwise.Cli.Commands;

namespace Stepwise.Cli.Tests;

/// <summary>
/// <c>stepwise compat --against REF NEW</c> in a real git repository: the old contract comes from the commit, the
/// report names it <c>REF:path</c>, findings point into the working tree's file, and every way it can go wrong is a
/// clear exit 2.
/// </summary>
public sealed class CompatAgainstGitTests : IDisposable
{
    private const string Before = """{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/pets/{id}": {"get": {"responses": {"200": {"description": "ok"}}}, "delete": {"responses": {"204": {"description": "ok"}}}}}}""";
    private const string After = """{"openapi": "3.1.0", "info": {"title": "t", "version": "2"}, "paths": {"/pets/{id}": {"get": {"responses": {"200": {"description": "ok"}}}}}}""";

    private readonly string repo = Directory.CreateTempSubdirectory("stepwise-compat-git-").FullName;

    public CompatAgainstGitTests()
    {
        Git("init", "-q", "-b", "main");
        Directory.CreateDirectory(Path.Combine(repo, "api", "refs"));
        File.WriteAllText(Path.Combine(repo, "api", "orders.json"), Before);
        File.WriteAllText(Path.Combine(repo, "api", "refs", "shared.json"), "{}");
        Git("add", ".");
        Git("-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-q", "-m", "v1");
        File.WriteAllText(Path.Combine(repo, "api", "orders.json"), After);
    }

    public void Dispose() => Directory.Delete(repo, recursive: true);

    [Fact]
    public void the_old_contract_comes_from_the_commit_and_findings_point_into_the_working_tree()
    {
        var (exit, output, error) = Run("--against", "main", Path.Combine(repo, "api", "orders.json"), "--format", "github");
        exit.ShouldBe(ExitCodes.Refused, error);
        var annotation = output.Split('\n').Single(l => l.StartsWith("::error ", StringComparison.Ordinal));
        annotation.ShouldContain("title=operation-removed (backward)");
        annotation.ShouldContain($"file={Path.Combine(repo, "api", "orders.json").Replace(":", "%3A", StringComparison.Ordinal)},line=1,");

        var (_, text, _) = Run("--against", "main", Path.Combine(repo, "api", "orders.json"));
        text.ShouldContain($"main:{Path.Combine(repo, "api", "orders.json")} -> ");
    }

    [Fact]
    public void an_unchanged_contract_against_its_own_commit_is_compatible()
    {
        File.WriteAllText(Path.Combine(repo, "api", "orders.json"), Before);
        var (exit, output, error) = Run("--against", "HEAD", Path.Combine(repo, "api", "orders.json"));
        exit.ShouldBe(ExitCodes.Ok, error);
        output.ShouldContain("0 errors, 0 warnings, 0 info: compatible");
    }

    [Theory]
    [InlineData("no-such-branch", "orders.json", "no such branch, tag or commit")]
    [InlineData("main", "new.json", "does not exist at main")]
    [InlineData("main", "missing.json", "no such file or folder")]
    [InlineData("-x", "orders.json", "give a branch, tag or commit")]
    public void what_cannot_be_read_from_git_exits_2_saying_why(string reference, string file, string expected)
    {
        File.WriteAllText(Path.Combine(repo, "api", "new.json"), After);
        var (exit, _, error) = Run($"--against={reference}", Path.Combine(repo, "api", file));
        exit.ShouldBe(ExitCodes.BadInput);
        error.ShouldContain(expected);
    }

    [Fact]
    public void against_takes_one_contract_and_without_it_two_are_needed()
    {
        var file = Path.Combine(repo, "api", "orders.json");
        var (exit, _, error) = Run("--against", "main", file, file);
        exit.ShouldBe(ExitCodes.BadInput);
        error.ShouldContain("give only the new one");
        (exit, _, error) = Run(file);
        exit.ShouldBe(ExitCodes.BadInput);
        error.ShouldContain("--against origin/main");
    }

    [Fact]
    public void a_path_outside_any_repository_exits_2()
    {
        var outside = Directory.CreateTempSubdirectory("stepwise-compat-nogit-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "a.json"), After);
            var (exit, _, error) = Run("--against", "main", Path.Combine(outside, "a.json"));
            exit.ShouldBe(ExitCodes.BadInput);
            error.ShouldContain("not in a git repository");
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    private static (int Exit, string Out, string Err) Run(params string[] args) => Cli.Run(["compat", .. args]);

    private void Git(params string[] args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = repo, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        using var process = Process.Start(info)!;
        process.WaitForExit();
        process.ExitCode.ShouldBe(0, process.StandardError.ReadToEnd());
    }
}
