using Stepwise.Cli;

namespace Stepwise.Cli.Tests;

public sealed class ServerCommandTests
{
    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = StepwiseCli.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void an_unknown_store_is_bad_input_and_names_the_accepted_forms()
    {
        var (exit, _, err) = Run("server", "--store", "mysql://db/stepwise", "--urls", "http://127.0.0.1:0");
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain("sqlite:PATH or postgres://");
    }

    [Theory]
    [InlineData("--tick", "soon")]
    [InlineData("--tick", "0s")]
    [InlineData("--alert-webhook", "not a url")]
    [InlineData("--data-store", "orders-db")]
    [InlineData("--config", "no-such-stepwise.yaml")]
    public void a_malformed_option_is_bad_input(string option, string value)
    {
        var (exit, _, err) = Run("server", option, value, "--store", "sqlite:" + Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".db"));
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain(option);
    }

    [Fact]
    public void an_invalid_configuration_is_bad_input_with_file_and_line()
    {
        var directory = Directory.CreateTempSubdirectory("stepwise-server-cli-").FullName;
        var config = Path.Combine(directory, "stepwise.yaml");
        File.WriteAllText(config, "services:\n  - name: orders\n    releases: 7\n");
        var (exit, _, err) = Run("server", "--config", config, "--store", "sqlite:" + Path.Combine(directory, "s.db"), "--urls", "http://127.0.0.1:0");
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain("stepwise.yaml:3");
    }
}
