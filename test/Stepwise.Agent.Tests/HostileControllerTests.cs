using System.Text.Json;
using CsCheck;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent.Tests;

/// <summary>
/// The agent checks everything a controller sends: crafted replies from a fake controller on 127.0.0.1 never crash
/// it, a bad artifact is a failed install reported to the controller, and a bad artifact saved in the state file is
/// one again after a restart.
/// </summary>
public sealed class HostileControllerTests : IAsyncLifetime
{
    private FakeController controller = null!;
    private readonly string dir = TestApp.TempDir();
    private readonly List<string> log = [];
    private readonly List<NodeAgent> agents = [];

    public async ValueTask InitializeAsync() => controller = await FakeController.StartAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }
        await controller.DisposeAsync();
    }

    private NodeAgent NewAgent(AgentPolicy? policy = null)
    {
        var options = new AgentOptions(controller.Address, "agent-token", "n1", "orders", Path.Combine(dir, "n1"),
            RequestTimeout: TimeSpan.FromSeconds(2), MaxBackoff: TimeSpan.FromMilliseconds(100), Policy: policy);
        var agent = new NodeAgent(options, line => { lock (log) { log.Add(line); } });
        agents.Add(agent);
        agent.Start();
        return agent;
    }

    private string Log()
    {
        lock (log)
        {
            return string.Join('\n', log);
        }
    }

    private static string Reply(string artifactJson, string release = "\"1.0.0\"", string seconds = "1", string node = "\"n1\"") =>
        $$"""{"node":{{node}},"desiredRelease":{{release}},"mayServe":true,"state":"active","artifact":{{artifactJson}},"heartbeatSeconds":{{seconds}}}""";

    private const string SleepArtifact = """{"command":"sleep","arguments":["60"]}""";

    private async Task Steps(NodeAgent agent, int n)
    {
        for (var i = 0; i < n; i++)
        {
            await agent.StepAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task a_heartbeat_interval_of_int_max_is_clamped_with_a_logged_reason()
    {
        var agent = NewAgent();
        controller.RawReply = _ => Reply(SleepArtifact, seconds: "2147483647");

        var wait = await agent.StepAsync(TestContext.Current.CancellationToken);

        wait.ShouldBeLessThanOrEqualTo(TimeSpan.FromMinutes(10));
        Log().ShouldContain("2147483647");
        // The wait it returns is one Task.Delay accepts (the agent loop sleeps on it).
        await Task.Delay(TimeSpan.Zero, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task an_artifact_with_a_null_argument_is_a_failed_install_reported_as_unhealthy_never_a_crash()
    {
        var agent = NewAgent();
        controller.RawReply = _ => Reply("""{"command":"sleep","arguments":["60",null]}""");

        await Steps(agent, 3);

        agent.Running.ShouldBeNull();
        controller.Last.ShouldNotBeNull();
        controller.Last.Release.ShouldBe("1.0.0");
        controller.Last.Health.ShouldBe(NodeHealth.Unhealthy);
        Log().ShouldContain("argument 1 is null");
        Log().Split('\n').Count(l => l.Contains("failed install", StringComparison.Ordinal)).ShouldBe(1, "refused once, not on every heartbeat");
    }

    [Fact]
    public async Task a_bad_artifact_saved_in_the_state_file_is_a_failed_install_again_after_a_restart()
    {
        var first = NewAgent();
        controller.RawReply = _ => Reply("""{"command":"sleep","arguments":[null]}""");
        await Steps(first, 2);
        File.ReadAllText(Path.Combine(dir, "n1", AgentStateFile.FileName)).ShouldContain("null");
        await first.DisposeAsync();
        agents.Remove(first);

        var second = NewAgent();
        controller.RawReply = _ => Reply("null", release: "\"1.0.0\"");
        await Steps(second, 2);

        second.Running.ShouldBeNull();
        controller.Last!.Health.ShouldBe(NodeHealth.Unhealthy);
    }

    [Theory]
    [InlineData("{\"command\":null,\"arguments\":[]}", "command")]
    [InlineData("{\"command\":\"sleep\",\"arguments\":null}", "arguments")]
    [InlineData("{\"command\":\"sleep\",\"arguments\":[\"60\"],\"healthPath\":\"http://169.254.169.254/latest\"}", "health path")]
    [InlineData("{\"command\":\"sleep\",\"arguments\":[\"60\"],\"healthPath\":\"//evil.example/x\"}", "health path")]
    [InlineData("{\"command\":\"sleep\",\"arguments\":[\"60\"],\"metricsPath\":\"@evil.example/x\"}", "metrics path")]
    [InlineData("{\"command\":\"sleep\",\"arguments\":[\"60\"],\"metricsPath\":null}", "metrics path")]
    [InlineData("{\"command\":\"sleep\",\"arguments\":[\"60\"],\"environment\":{\"A\":null}}", "environment")]
    [InlineData("{\"command\":\"sleep\",\"arguments\":[\"6\\u00000\"]}", "NUL")]
    [InlineData("{\"command\":\"/bin/sh\",\"arguments\":[\"-c\",\"echo {version}\"]}", "shell")]
    [InlineData("{\"command\":\"/usr/bin/env\",\"arguments\":[\"X=1\",\"bash\",\"-ec\",\"run {node}\"]}", "shell")]
    [InlineData("{\"command\":\"no-such-program-stepwise\",\"arguments\":[]}", "no such executable")]
    public async Task a_malformed_or_dangerous_artifact_is_refused_with_its_reason_and_reported_unhealthy(string artifact, string reason)
    {
        var agent = NewAgent();
        controller.RawReply = _ => Reply(artifact);

        await Steps(agent, 2);

        agent.Running.ShouldBeNull();
        controller.Last!.Health.ShouldBe(NodeHealth.Unhealthy);
        Log().ShouldContain(reason);
    }

    [Theory]
    [InlineData("\"1.0.0; rm -rf /\"")]
    [InlineData("\"../../etc\"")]
    [InlineData("\"\"")]
    [InlineData("\"1.0.0\\u202e\"")]
    public async Task a_desired_release_that_is_not_a_release_id_is_refused_and_nothing_is_installed(string release)
    {
        var agent = NewAgent();
        controller.RawReply = _ => Reply(SleepArtifact, release: release);

        await Steps(agent, 2);

        agent.State.Release.ShouldBeNull();
        agent.Running.ShouldBeNull();
        Log().ShouldContain("invalid heartbeat reply");
    }

    [Fact]
    public async Task a_reply_for_another_node_is_refused()
    {
        var agent = NewAgent();
        controller.RawReply = _ => Reply(SleepArtifact, node: "\"n2\"");

        await Steps(agent, 2);

        agent.State.Release.ShouldBeNull();
        Log().ShouldContain("not n1");
    }

    [Fact]
    public async Task a_reply_over_one_mebibyte_is_refused_before_it_is_parsed()
    {
        var agent = NewAgent();
        var big = new string('9', ControllerClient.MaxReply);
        controller.RawReply = _ => Reply($$"""{"command":"sleep","arguments":["{{big}}"]}""");

        await Steps(agent, 2);

        agent.State.Release.ShouldBeNull();
        Log().ShouldContain("heartbeat failed");
    }

    [Fact]
    public async Task with_an_allow_list_only_allowed_programs_run()
    {
        var sleep = AppLauncher.Find("sleep")!;
        var agent = NewAgent(new AgentPolicy(["/nonexistent/allowed/"]));
        controller.RawReply = _ => Reply(SleepArtifact);
        await Steps(agent, 2);
        agent.Running.ShouldBeNull();
        Log().ShouldContain($"{sleep} is not an allowed command");
        controller.Last!.Health.ShouldBe(NodeHealth.Unhealthy);

        await agent.DisposeAsync();
        agents.Remove(agent);
        var allowed = NewAgent(new AgentPolicy([sleep]));
        await Steps(allowed, 2);
        allowed.Running.ShouldBe("1.0.0");
    }

    [Fact]
    public async Task a_shell_script_with_a_placeholder_runs_only_when_explicitly_allowed()
    {
        var agent = NewAgent(new AgentPolicy([], AllowShellPlaceholders: true));
        controller.RawReply = _ => Reply("""{"command":"/bin/sh","arguments":["-c","exec sleep 60 # {version}"]}""");

        await Steps(agent, 2);

        agent.Running.ShouldBe("1.0.0");
    }

    [Fact]
    public async Task generated_hostile_replies_never_crash_the_agent()
    {
        // Valid replies with one field swapped for null, a wrong type, a huge or negative number, a long or odd string.
        string[] values = ["null", "0", "-1", "2147483647", "9223372036854775807", "1e308", "\"\"", "\"x\"", "[]", "{}", "true",
            "[null]", "\"../..\"", "\"http://10.0.0.1/\"", "\"" + new string('a', 5000) + "\"", "\"\\u0000\""];
        string[] fields = ["node", "desiredRelease", "mayServe", "state", "artifact", "heartbeatSeconds", "artifact.command", "artifact.arguments",
            "artifact.healthPath", "artifact.metricsPath", "artifact.environment", "artifact.arguments.0"];
        var agent = NewAgent();
        var gen = Gen.Select(Gen.Int[0, fields.Length - 1], Gen.Int[0, values.Length - 1]).Array[1, 3];
        await gen.SampleAsync(async swaps =>
        {
            var reply = JsonNode(Reply("""{"command":"sleep","arguments":["60"],"environment":{"A":"b"}}"""));
            foreach (var (f, v) in swaps)
            {
                Set(reply, fields[f], values[v]);
            }
            controller.RawReply = _ => reply.ToJsonString();
            var wait = await agent.StepAsync(TestContext.Current.CancellationToken);
            return wait >= TimeSpan.Zero && wait <= TimeSpan.FromMinutes(10);
        }, iter: 150, threads: 1);
    }

    private static System.Text.Json.Nodes.JsonObject JsonNode(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();

    private static void Set(System.Text.Json.Nodes.JsonObject root, string path, string value)
    {
        var parts = path.Split('.');
        System.Text.Json.Nodes.JsonNode? node = root;
        foreach (var p in parts[..^1])
        {
            // An earlier swap may have replaced a parent with a scalar: then there is nothing to set below it.
            node = node switch
            {
                System.Text.Json.Nodes.JsonArray a => int.TryParse(p, out var i) && i < a.Count ? a[i] : null,
                System.Text.Json.Nodes.JsonObject o => o[p],
                _ => null,
            };
        }
        var parsed = System.Text.Json.Nodes.JsonNode.Parse(value);
        switch (node)
        {
            case System.Text.Json.Nodes.JsonObject o:
                o[parts[^1]] = parsed;
                break;
            case System.Text.Json.Nodes.JsonArray a when int.TryParse(parts[^1], out var i) && i < a.Count:
                a[i] = parsed;
                break;
        }
    }
}
