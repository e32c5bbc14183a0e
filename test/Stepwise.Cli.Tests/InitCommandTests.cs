using Stepwise.Cli.Commands.Operator;

namespace Stepwise.Cli.Tests;

/// <summary><c>stepwise init</c>: what it writes validates; it asks, takes defaults, refuses bad answers and never overwrites unasked.</summary>
public sealed class InitCommandTests
{
    [Fact]
    public void init_yes_then_validate_passes()
    {
        var file = Path.Combine(Stepwise.Testing.Scratch.Directory("stepwise-init-"), "stepwise.yaml");
        var (exit, output, err) = Cli.Run("init", "--yes", "--output", file, "--service", "billing");
        exit.ShouldBe(0, err);
        output.ShouldContain("billing@1.0.0");
        var text = File.ReadAllText(file);
        text.ShouldStartWith("# yaml-language-server: $schema=");
        var validate = Cli.Run("validate", file);
        validate.Exit.ShouldBe(0, validate.Err);
        validate.Out.ShouldContain("1 service, 1 release, 0 data changes, 0 plans");
    }

    [Fact]
    public void an_existing_file_is_kept_unless_forced()
    {
        var file = Cli.TempFile("keep me");
        var (exit, _, err) = Cli.Run("init", "--yes", "--output", file);
        exit.ShouldBe(2);
        err.ShouldContain("--force");
        File.ReadAllText(file).ShouldBe("keep me");
        Cli.Run("init", "--yes", "--output", file, "--force").Exit.ShouldBe(0);
        Cli.Run("validate", file).Exit.ShouldBe(0);
    }

    [Fact]
    public void the_answers_are_asked_and_bad_ones_asked_again()
    {
        var file = Path.Combine(Stepwise.Testing.Scratch.Directory("stepwise-init-"), "stepwise.yaml");
        InitCommand.Input.Value = new StringReader("bad name!\norders\n\n2\nsoon\n30m\n");
        var (exit, output, err) = Cli.Run("init", "--output", file);
        exit.ShouldBe(0, err);
        output.ShouldContain("service name");
        err.ShouldContain("service name");
        var text = File.ReadAllText(file);
        text.ShouldContain("name: orders");
        text.ShouldContain("nodes: 2");
        text.ShouldContain("bake: 30m");
        Cli.Run("validate", file).Exit.ShouldBe(0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x y\nx y\nx y\n")]
    [InlineData("orders\n1.0.0\n0\n-1\n99999999999999999999\n")]
    public void end_of_input_or_three_bad_answers_write_nothing(string answers)
    {
        var file = Path.Combine(Stepwise.Testing.Scratch.Directory("stepwise-init-"), "stepwise.yaml");
        InitCommand.Input.Value = new StringReader(answers);
        var (exit, _, err) = Cli.Run("init", "--output", file);
        exit.ShouldBe(2);
        err.ShouldContain("nothing was written");
        File.Exists(file).ShouldBeFalse();
    }

    [Theory]
    [InlineData("--service", "Bad Name")]
    [InlineData("--release", "one")]
    public void bad_options_are_bad_input(string option, string value)
    {
        var file = Path.Combine(Stepwise.Testing.Scratch.Directory("stepwise-init-"), "stepwise.yaml");
        var (exit, _, _) = Cli.Run("init", "--yes", "--output", file, option, value);
        exit.ShouldBe(2);
        File.Exists(file).ShouldBeFalse();
    }
}
