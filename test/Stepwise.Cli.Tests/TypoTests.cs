namespace Stepwise.Cli.Tests;

/// <summary>A mistyped command or option exits 2 with "did you mean" and the help of the command it follows.</summary>
public sealed class TypoTests
{
    [Theory]
    [InlineData(new[] { "rolout" }, "did you mean 'stepwise rollout'?", "Run 'stepwise --help'")]
    [InlineData(new[] { "rollout", "strat", "orders@1.1.0" }, "did you mean 'stepwise rollout start'?", "Run 'stepwise rollout --help'")]
    [InlineData(new[] { "fleet", "--formt", "json" }, "did you mean 'stepwise fleet --format'?", "Run 'stepwise fleet --help'")]
    [InlineData(new[] { "rollout", "start", "--sevrer", "http://127.0.0.1:1", "orders@1.1.0" }, "did you mean 'stepwise rollout start --server'?", "Run 'stepwise rollout start --help'")]
    [InlineData(new[] { "data", "plna" }, "did you mean 'stepwise data plan'?", "Run 'stepwise data --help'")]
    public void a_typo_gets_the_closest_name_and_exit_2(string[] args, string hint, string help)
    {
        var (exit, _, err) = Cli.Run(args);
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain(hint);
        err.ShouldContain(help);
    }

    [Fact]
    public void a_word_far_from_every_name_gets_no_guess()
    {
        var (exit, _, err) = Cli.Run("xyzzy-frobnicate");
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldNotContain("did you mean");
        err.ShouldContain("Unrecognized command or argument 'xyzzy-frobnicate'");
    }
}
