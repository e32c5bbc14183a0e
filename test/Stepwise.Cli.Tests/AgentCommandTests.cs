namespace Stepwise.Cli.Tests;

/// <summary><c>stepwise agent</c>'s own options: bad input exits 2 with the option named, before anything runs.</summary>
public sealed class AgentCommandTests
{
    private static (int Exit, string Out, string Err) Agent(params string[] extra) =>
        Cli.Run(["agent", "--controller", "http://127.0.0.1:1", "--token", "t0123456789abcdef", "--node", "n1", "--service", "orders",
            "--state-dir", Stepwise.Testing.Scratch.Directory(), .. extra]);

    [Theory]
    [InlineData("--allow-command", "sleep")]
    [InlineData("--allow-command", "bin/{version}/app")]
    [InlineData("--allow-list", "no-such-allow-list.txt")]
    [InlineData("--run", "sh -c 'echo {version}'")]
    public void a_bad_policy_option_is_bad_input(string option, string value)
    {
        var (exit, _, err) = Agent(option, value);
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain(option == "--allow-command" ? "absolute path" : option == "--run" ? "placeholder" : value);
    }

    [Fact]
    public void an_allow_list_line_that_is_not_an_absolute_path_is_bad_input_at_file_and_line()
    {
        var file = Cli.TempFile("# allowed\n/usr/bin/dotnet\n\nrelative/app\n", "allow.txt");
        var (exit, _, err) = Agent("--allow-list", file);
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain($"{file}:4");
    }
}
