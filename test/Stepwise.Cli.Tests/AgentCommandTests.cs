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

    [Theory]
    [InlineData("--metric-requests", "", "empty")]
    [InlineData("--metric-errors", "http_requests_received_total{code=~\"5..}", "never closed")]
    [InlineData("--metric-errors", "http_requests_received_total{code==\"500\"}", "unknown operator")]
    [InlineData("--metric-latency", "http_request_duration_seconds_bucket", "without _bucket")]
    [InlineData("--metric-latency", "http_request_duration", "--latency-unit")]
    public void a_bad_metric_selector_is_bad_input_naming_the_option(string option, string value, string expected)
    {
        var (exit, _, err) = Agent(option, value);
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldStartWith($"error: {option}");
        err.ShouldContain(expected);
    }

    [Fact]
    public void an_unknown_latency_unit_is_bad_input_listing_the_units()
    {
        var (exit, _, err) = Agent("--latency-unit", "minutes");
        exit.ShouldBe(ExitCodes.BadInput);
        err.ShouldContain("minutes");
        Stepwise.Agent.AppMetricsSpec.UnitNames.ShouldAllBe(unit => err.Contains(unit));
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
