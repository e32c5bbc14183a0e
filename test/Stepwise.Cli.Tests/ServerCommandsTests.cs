namespace Stepwise.Cli.Tests;

/// <summary>Bad input and unreachable servers for the commands that talk to a server, and the agent's options.</summary>
public class ServerCommandsTests
{
    private static string ClosedPort() => $"http://127.0.0.1:{Stepwise.Testing.Scratch.FreePort()}";

    [Theory]
    [InlineData("fleet")]
    [InlineData("events")]
    [InlineData("rollout", "status")]
    [InlineData("rollout", "start", "orders@1.1.0")]
    [InlineData("rollout", "pause", "orders-1.1.0-1")]
    [InlineData("release", "list", "orders")]
    public void unreachable_server_exits_2_and_says_where_it_looked(params string[] args)
    {
        var server = ClosedPort();
        var (exit, _, err) = Cli.Run([.. args, "--server", server, "--token", "t"]);
        exit.ShouldBe(2);
        err.ShouldContain("cannot reach the Stepwise server");
        err.ShouldContain(server);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://example.com")]
    public void malformed_server_address_exits_2(string server)
    {
        var (exit, _, err) = Cli.Run("fleet", "--server", server);
        exit.ShouldBe(2);
        err.ShouldContain("--server");
    }

    [Fact]
    public void rollout_start_needs_service_at_version()
    {
        var (exit, _, err) = Cli.Run("rollout", "start", "orders", "--server", ClosedPort());
        exit.ShouldBe(2);
        err.ShouldContain("SERVICE@VERSION");
    }

    [Theory]
    [InlineData("--contract", "yaml=x.yaml", "KIND=PATH")]
    [InlineData("--calls", "payments", "SERVICE:OPERATION")]
    public void malformed_release_registration_options_exit_2(string option, string value, string expected)
    {
        var (exit, _, err) = Cli.Run("release", "register", "orders", "1.1.0", "--command", "dotnet", option, value, "--server", ClosedPort());
        exit.ShouldBe(2);
        err.ShouldContain(expected);
    }

    [Fact]
    public void release_registration_without_an_artifact_command_exits_2()
    {
        var (exit, _, err) = Cli.Run("release", "register", "orders", "1.1.0", "--server", ClosedPort());
        exit.ShouldBe(2);
        err.ShouldContain("--command is missing");
    }

    [Fact]
    public void malformed_registration_file_names_the_file_and_line()
    {
        var file = Cli.TempFile("{\n  \"version\": \"1.1.0\",\n  \"artifact\": 3\n}", "release.json");
        var (exit, _, err) = Cli.Run("release", "register", "orders", "1.1.0", "--file", file, "--server", ClosedPort());
        exit.ShouldBe(2);
        err.ShouldContain($"{file}:3");
    }

    [Fact]
    public void events_limit_out_of_range_exits_2()
    {
        var (exit, _, err) = Cli.Run("events", "--limit", "0", "--server", ClosedPort());
        exit.ShouldBe(2);
        err.ShouldContain("--limit");
    }

    [Theory]
    [InlineData(new[] { "--token", "t" }, "--controller")]
    [InlineData(new[] { "--controller", "http://127.0.0.1:1" }, "--token")]
    [InlineData(new[] { "--controller", "http://127.0.0.1:1", "--token", "t", "--run", "dotnet 'app.dll" }, "unterminated")]
    [InlineData(new[] { "--controller", "http://127.0.0.1:1", "--token", "t", "--heartbeat", "soon" }, "--heartbeat")]
    [InlineData(new[] { "--controller", "http://127.0.0.1:1", "--token", "t", "--app-port", "70000" }, "--app-port")]
    public void agent_with_bad_options_exits_2_before_doing_anything(string[] options, string expected)
    {
        var state = Directory.CreateTempSubdirectory("stepwise-agent-cli-").FullName;
        var (exit, _, err) = Cli.Run(["agent", "--node", "n1", "--service", "orders", "--state-dir", state, .. options]);
        exit.ShouldBe(2);
        err.ShouldContain(expected);
        Directory.GetFiles(state).ShouldBeEmpty();
    }

    [Fact]
    public void agent_with_a_corrupt_state_file_exits_2_naming_it()
    {
        var state = Directory.CreateTempSubdirectory("stepwise-agent-cli-").FullName;
        File.WriteAllText(Path.Combine(state, "agent-state.json"), "{ not json");
        var (exit, _, err) = Cli.Run("agent", "--node", "n1", "--service", "orders", "--state-dir", state, "--controller", ClosedPort(), "--token", "t");
        exit.ShouldBe(2);
        err.ShouldContain("agent-state.json");
    }
}
