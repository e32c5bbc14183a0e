using System.Net.Sockets;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent.Tests;

/// <summary>The agent against a fake controller, supervising the real orders sample.</summary>
public sealed class NodeAgentTests : IAsyncLifetime
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

    private NodeAgent NewAgent(string node = "n1", AppMetricsSpec? metrics = null)
    {
        var options = new AgentOptions(controller.Address, "agent-token", node, "orders", Path.Combine(dir, node),
            RequestTimeout: TimeSpan.FromSeconds(1), MaxBackoff: TimeSpan.FromMilliseconds(200), HealthTimeout: TimeSpan.FromSeconds(30), Metrics: metrics);
        var agent = new NodeAgent(options, line => { lock (log) { log.Add(line); } });
        agents.Add(agent);
        agent.Start();
        return agent;
    }

    private string Diagnostics()
    {
        lock (log)
        {
            return $"agent log:\n{string.Join('\n', log)}\nlast heartbeat: {controller.Last}";
        }
    }

    private string Db => Path.Combine(dir, "orders.db");

    private void Sanction(string release, bool mayServe = true, NodeState state = NodeState.Active) =>
        controller.Reply = hb => new HeartbeatReply(hb.Node, release, mayServe, state, TestApp.Artifact(Db), 1);

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task<NodeAgent> ServingAgent(string release = "1.1.0", AppMetricsSpec? metrics = null)
    {
        var agent = NewAgent(metrics: metrics);
        Sanction(release);
        await TestApp.StepUntil(agent, () => controller.Last is { Serving: true } hb && hb.Release == release, $"node serving {release}", Diagnostics);
        return agent;
    }

    [Fact]
    public async Task without_an_artifact_the_local_run_command_is_probed_where_the_controller_says()
    {
        // The agent's own --run command names paths the app does not serve; stepwise.yaml's app: (in the reply) does.
        var local = TestApp.Artifact(Db) with { HealthPath = "/not-served", MetricsPath = "/not-served-either" };
        var options = new AgentOptions(controller.Address, "agent-token", "n1", "orders", Path.Combine(dir, "n1"),
            RequestTimeout: TimeSpan.FromSeconds(1), MaxBackoff: TimeSpan.FromMilliseconds(200), HealthTimeout: TimeSpan.FromSeconds(30), LocalArtifact: local);
        var agent = new NodeAgent(options, line => { lock (log) { log.Add(line); } });
        agents.Add(agent);
        agent.Start();
        var paths = new AppPaths("/healthz", "/metrics");
        controller.Reply = hb => new HeartbeatReply(hb.Node, "1.1.0", true, NodeState.Active, null, 1, paths);
        await TestApp.StepUntil(agent, () => controller.Last is { Serving: true, Health: NodeHealth.Healthy } hb && hb.Release == "1.1.0", "node serving 1.1.0", Diagnostics);
        agent.State.App.ShouldBe(paths);
        agent.State.Artifact.ShouldBeNull();
        // Kept across restarts: the state file holds the paths the controller gave.
        new AgentStateFile(Path.Combine(dir, "n1")).Load()!.App.ShouldBe(paths);
    }

    [Fact]
    public async Task app_is_not_started_while_the_controller_has_never_answered()
    {
        var agent = NewAgent();
        controller.Mode = FakeMode.ServerError;
        Sanction("1.1.0");
        for (var i = 0; i < 5; i++)
        {
            await agent.StepAsync(TestContext.Current.CancellationToken);
        }
        controller.Received.Count.ShouldBe(5);
        agent.Running.ShouldBeNull();
        Listening(agent.AppPort).ShouldBeFalse();
        agent.State.Sanctioned.ShouldBeFalse();
    }

    [Fact]
    public async Task sanctioned_release_is_started_and_reported_healthy_and_serving()
    {
        var agent = await ServingAgent("1.1.0");
        agent.Running.ShouldBe("1.1.0");
        var hb = controller.Last!;
        hb.Health.ShouldBe(NodeHealth.Healthy);
        hb.AgentVersion.ShouldBe(NodeAgent.Version);
        using var http = new HttpClient();
        (await http.GetStringAsync($"http://127.0.0.1:{agent.AppPort}/version", TestContext.Current.CancellationToken)).ShouldBe("1.1.0");
        agent.State.Release.ShouldBe("1.1.0");
        agent.State.Sanctioned.ShouldBeTrue();
    }

    [Fact]
    public async Task requests_served_between_heartbeats_are_reported_once()
    {
        var agent = await ServingAgent();
        using var http = new HttpClient();
        for (var i = 0; i < 7; i++)
        {
            (await http.GetAsync($"http://127.0.0.1:{agent.AppPort}/orders", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }
        var before = controller.Received.Count;
        await agent.StepAsync(TestContext.Current.CancellationToken);
        var hb = controller.Received.Skip(before).Single();
        hb.Requests.ShouldBe(7);
        hb.Errors.ShouldBe(0);
        hb.LatencyMs.Count.ShouldBe(7);
        await agent.StepAsync(TestContext.Current.CancellationToken);
        controller.Last!.Requests.ShouldBe(0);
    }

    [Fact]
    public async Task the_agent_reads_the_series_its_metrics_spec_names()
    {
        // Errors read from the requests counter and a histogram filtered to no series: figures the defaults never give.
        var metrics = AppMetricsSpec.Create(null, $"{AppMetricNames.Requests}{{node=\"n1\"}}", $"{AppMetricNames.LatencyHistogram}{{node=\"elsewhere\"}}", null);
        var agent = await ServingAgent(metrics: metrics);
        using var http = new HttpClient();
        for (var i = 0; i < 5; i++)
        {
            (await http.GetAsync($"http://127.0.0.1:{agent.AppPort}/orders", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        }
        var before = controller.Received.Count;
        await agent.StepAsync(TestContext.Current.CancellationToken);
        var hb = controller.Received.Skip(before).Single();
        hb.Requests.ShouldBe(5);
        hb.Errors.ShouldBe(hb.Requests);
        hb.LatencyMs.ShouldBeEmpty();
        lock (log)
        {
            log.ShouldContain($"reads the app's {metrics}");
        }
    }

    [Fact]
    public async Task counts_of_a_failed_heartbeat_are_sent_with_the_next_one()
    {
        var agent = await ServingAgent();
        using var http = new HttpClient();
        for (var i = 0; i < 4; i++)
        {
            await http.GetAsync($"http://127.0.0.1:{agent.AppPort}/orders/1", TestContext.Current.CancellationToken);
        }
        controller.Mode = FakeMode.ServerError;
        await agent.StepAsync(TestContext.Current.CancellationToken);
        controller.Mode = FakeMode.Answer;
        await agent.StepAsync(TestContext.Current.CancellationToken);
        controller.Last!.Requests.ShouldBe(4);
    }

    [Theory]
    [InlineData(FakeMode.ServerError)]
    [InlineData(FakeMode.Hang)]
    public async Task sanctioned_app_keeps_serving_while_the_controller_fails(FakeMode fault)
    {
        var agent = await ServingAgent();
        controller.Mode = fault;
        for (var i = 0; i < 3; i++)
        {
            await agent.StepAsync(TestContext.Current.CancellationToken);
        }
        agent.Running.ShouldBe("1.1.0");
        Listening(agent.AppPort).ShouldBeTrue();
    }

    [Fact]
    public async Task sanctioned_app_keeps_serving_while_the_controller_refuses_connections()
    {
        var agent = await ServingAgent();
        await controller.DisposeAsync();
        for (var i = 0; i < 3; i++)
        {
            await agent.StepAsync(TestContext.Current.CancellationToken);
        }
        agent.Running.ShouldBe("1.1.0");
        controller = await FakeController.StartAsync(); // for DisposeAsync
    }

    [Fact]
    public async Task desired_release_replaces_the_running_one()
    {
        var agent = await ServingAgent("1.0.0");
        Sanction("1.1.0");
        await TestApp.StepUntil(agent, () => controller.Last is { Serving: true } hb && hb.Release == "1.1.0", "node serving 1.1.0", Diagnostics);
        agent.Running.ShouldBe("1.1.0");
        agent.State.Release.ShouldBe("1.1.0");
    }

    [Fact]
    public async Task quarantined_node_stops_serving_and_proves_the_desired_release_healthy_on_a_private_port()
    {
        var agent = await ServingAgent("1.0.0");
        Sanction("1.1.0", mayServe: false, NodeState.Quarantined);
        await TestApp.StepUntil(agent, () => controller.Last is { Health: NodeHealth.Healthy, Serving: false } hb && hb.Release == "1.1.0", "quarantined node healthy on 1.1.0 without serving", Diagnostics);
        agent.Running.ShouldBeNull();
        Listening(agent.AppPort).ShouldBeFalse();
        Sanction("1.1.0");
        await TestApp.StepUntil(agent, () => controller.Last is { Serving: true } hb && hb.Release == "1.1.0", "released node serving 1.1.0", Diagnostics);
    }

    [Fact]
    public async Task restarted_agent_stops_the_app_its_predecessor_left_and_waits_for_the_controller()
    {
        var first = await ServingAgent();
        var port = first.AppPort;
        agents.Remove(first); // the first agent "dies" without stopping its app
        controller.Mode = FakeMode.ServerError;
        var second = NewAgent();
        second.AppPort.ShouldBe(port);
        Listening(port).ShouldBeFalse();
        await second.StepAsync(TestContext.Current.CancellationToken);
        second.Running.ShouldBeNull();
        controller.Last!.Release.ShouldBe("1.1.0");
        controller.Last!.Serving.ShouldBeFalse();
        controller.Mode = FakeMode.Answer;
        await TestApp.StepUntil(second, () => controller.Last is { Serving: true }, "restarted node serving again", Diagnostics);
        await first.DisposeAsync();
    }

    [Fact]
    public async Task app_is_stopped_when_the_controller_withdraws_the_sanction()
    {
        var agent = await ServingAgent();
        Sanction("1.1.0", mayServe: false, NodeState.Quarantined);
        await agent.StepAsync(TestContext.Current.CancellationToken);
        agent.Running.ShouldBeNull();
        agent.State.Sanctioned.ShouldBeFalse();
        Listening(agent.AppPort).ShouldBeFalse();
    }

    [Fact]
    public async Task unsanctioned_node_started_after_a_crash_does_not_serve_when_the_controller_is_unreachable()
    {
        var first = await ServingAgent();
        await first.DisposeAsync();
        agents.Remove(first);
        controller.Mode = FakeMode.Hang;
        var second = NewAgent();
        await second.StepAsync(TestContext.Current.CancellationToken);
        second.Running.ShouldBeNull();
        Listening(second.AppPort).ShouldBeFalse();
    }

    [Fact]
    public async Task app_that_cannot_run_its_release_is_reported_unhealthy()
    {
        var agent = NewAgent();
        controller.Reply = hb => new HeartbeatReply(hb.Node, "1.1.0", true, NodeState.Active, new Artifact("/nonexistent/orders-app", ["{port}"]), 1);
        await agent.StepAsync(TestContext.Current.CancellationToken);
        agent.Running.ShouldBeNull();
        lock (log)
        {
            log.ShouldContain(line => line.Contains("could not start '/nonexistent/orders-app'"));
        }
    }

    [Fact]
    public async Task wrong_token_counts_as_a_controller_failure()
    {
        var options = new AgentOptions(controller.Address, "wrong", "n9", "orders", Path.Combine(dir, "n9"), RequestTimeout: TimeSpan.FromSeconds(1));
        await using var agent = new NodeAgent(options, line => { lock (log) { log.Add(line); } });
        agent.Start();
        Sanction("1.1.0");
        await agent.StepAsync(TestContext.Current.CancellationToken);
        agent.Running.ShouldBeNull();
        lock (log)
        {
            log.ShouldContain(line => line.Contains("401"));
        }
    }
}
