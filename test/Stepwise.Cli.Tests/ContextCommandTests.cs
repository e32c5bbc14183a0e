using Stepwise.Cli.Contexts;

namespace Stepwise.Cli.Tests;

/// <summary>The contexts file: set, use, list, delete; commands take their server and token from it; hostile files are refused.</summary>
public sealed class ContextCommandTests
{
    private static string UseScratchFile()
    {
        var path = Path.Combine(Stepwise.Testing.Scratch.Directory("stepwise-contexts-"), "stepwise", "config.yaml");
        ContextsFile.PathOverride.Value = path;
        return path;
    }

    [Fact]
    public async Task a_command_without_server_uses_the_current_context()
    {
        await using var server = await CliServer.StartAsync();
        var path = UseScratchFile();
        var tokenFile = Cli.TempFile(CliServer.AdminSecret + "\n", "admin.token");
        Cli.Run("context", "set", "local", "--server", server.Url, "--token-file", tokenFile).Exit.ShouldBe(0);
        Cli.Run("context", "set", "elsewhere", "--server", "http://127.0.0.1:1").Exit.ShouldBe(0);
        var list = Cli.Run("context", "list");
        list.Out.ShouldContain("local");
        list.Out.ShouldContain("elsewhere");
        list.Out.ShouldContain("*");

        var (exit, output, err) = Cli.Run("alerts");
        exit.ShouldBe(0, err);
        output.ShouldContain("no alerts");

        Cli.Run("context", "use", "elsewhere").Exit.ShouldBe(0);
        Cli.Run("alerts").Err.ShouldContain("cannot reach");
        Cli.Run("alerts", "--context", "local").Exit.ShouldBe(0);

        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [Fact]
    public async Task a_contexts_token_is_never_sent_to_another_server()
    {
        await using var server = await CliServer.StartAsync();
        UseScratchFile();
        Cli.Run("context", "set", "other", "--server", "http://127.0.0.1:1", "--token", CliServer.AdminSecret).Exit.ShouldBe(0);
        var (exit, _, err) = Cli.Run("alerts", "--server", server.Url);
        exit.ShouldBe(2);
        err.ShouldContain("401");
    }

    [Fact]
    public void an_unknown_context_is_bad_input_with_a_suggestion()
    {
        UseScratchFile();
        Cli.Run("context", "set", "production", "--server", "http://127.0.0.1:1").Exit.ShouldBe(0);
        var used = Cli.Run("context", "use", "prodction");
        used.Exit.ShouldBe(2);
        used.Err.ShouldContain("did you mean 'production'");
        var run = Cli.Run("alerts", "--context", "staging");
        run.Exit.ShouldBe(2);
        run.Err.ShouldContain("context 'staging'");
        Cli.Run("context", "delete", "production").Exit.ShouldBe(0);
        Cli.Run("context", "delete", "production").Exit.ShouldBe(2);
    }

    [Fact]
    public void no_server_anywhere_says_the_three_ways_to_give_one()
    {
        UseScratchFile();
        var (exit, _, err) = Cli.Run("alerts");
        exit.ShouldBe(2);
        err.ShouldContain("--server");
        err.ShouldContain("STEPWISE_SERVER");
        err.ShouldContain("stepwise context");
    }

    [Theory]
    [InlineData("contexts: [", "not YAML")]
    [InlineData("current-context: a\nhosts: []\n", ":2")]
    [InlineData("contexts:\n  - name: a\n", "no server")]
    [InlineData("contexts:\n  - name: a\n    server: http://x\n  - name: a\n    server: http://y\n", "twice")]
    [InlineData("contexts:\n  - name: a\n    server: http://x\n    token: t\n    token-file: f\n", "both")]
    [InlineData("contexts:\n  - name: a\n    server: [1, 2]\n", "single value")]
    [InlineData("- just\n- a list\n", "one mapping")]
    public void a_malformed_contexts_file_is_bad_input_naming_the_file(string text, string expected)
    {
        var path = UseScratchFile();
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        var (exit, _, err) = Cli.Run("alerts");
        exit.ShouldBe(2);
        err.ShouldContain(path);
        err.ShouldContain(expected);
    }

    [Fact]
    public void hostile_contexts_files_are_refused_within_bounds()
    {
        var bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + string.Join("", Enumerable.Range(1, 9).Select(i => $"{(char)('a' + i)}: &{(char)('a' + i)} [*{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}]\n"));
        var many = "contexts:\n" + string.Concat(Enumerable.Range(0, ContextsFile.MaxContexts + 1).Select(i => $"  - {{ name: c{i}, server: 'http://x' }}\n"));
        var aliases = "contexts: &l\n  - &c { name: a, server: 'http://x' }\n  - *c\n";
        foreach (var text in new[] { bomb, many, aliases, new string('[', 100_000), new string('x', ContextsFile.MaxBytes + 1), "\0\u0001binary" })
        {
            Should.Throw<ContextsFileException>(() => ContextsFile.Parse(text, "config.yaml"));
        }
    }

    [Fact]
    public void the_file_lives_under_xdg_config_home_or_stepwise_config()
    {
        var env = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = "/srv/conf" };
        ContextsFile.PathFrom(k => env.GetValueOrDefault(k)).ShouldBe(Path.Combine("/srv/conf", "stepwise", "config.yaml"));
        env["STEPWISE_CONFIG"] = "/etc/stepwise.yaml";
        ContextsFile.PathFrom(k => env.GetValueOrDefault(k)).ShouldBe("/etc/stepwise.yaml");
        ContextsFile.PathFrom(_ => null).ShouldEndWith(Path.Combine(".config", "stepwise", "config.yaml"));
    }

    [Fact]
    public void names_and_tokens_with_quotes_and_newlines_survive_a_save_and_load()
    {
        var path = UseScratchFile();
        var file = new ContextsFile { Current = "we\"ird: name" };
        file.Contexts.Add(new ServerContext("we\"ird: name", "http://127.0.0.1:5080", "to\\ken\n#x"));
        file.Save(path);
        var back = ContextsFile.Load(path);
        back.Current.ShouldBe("we\"ird: name");
        back.Contexts.ShouldHaveSingleItem().ShouldBe(file.Contexts[0]);
    }
}
