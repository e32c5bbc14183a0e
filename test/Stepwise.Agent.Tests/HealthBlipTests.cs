using System.Net;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent.Tests;

/// <summary>
/// The agent supervising a process (<c>sleep</c>) while the test answers its health path on the app port, so the
/// test decides when a probe fails.
/// </summary>
public sealed class HealthBlipTests : IAsyncLifetime
{
    private FakeController controller = null!;
    private readonly HttpListener app = new();
    private readonly int port = Stepwise.Testing.Scratch.FreePort();
    private readonly List<string> log = [];
    private volatile bool failing;
    private NodeAgent? agent;

    public async ValueTask InitializeAsync()
    {
        controller = await FakeController.StartAsync();
        app.Prefixes.Add($"http://127.0.0.1:{port}/");
        app.Start();
        _ = Task.Run(AnswerAsync);
    }

    private async Task AnswerAsync()
    {
        while (app.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await app.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            context.Response.StatusCode = context.Request.Url?.AbsolutePath == "/healthz" ? (failing ? 503 : 200) : 404;
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (agent is not null)
        {
            await agent.DisposeAsync();
        }
        app.Close();
        await controller.DisposeAsync();
    }

    private string Diagnostics()
    {
        lock (log)
        {
            return $"agent log:\n{string.Join('\n', log)}\nlast heartbeat: {controller.Last}";
        }
    }

    [Fact]
    public async Task one_failed_probe_keeps_the_node_healthy_and_serving_and_failures_in_a_row_make_it_unhealthy()
    {
        var options = new AgentOptions(controller.Address, "agent-token", "n1", "orders", TestApp.TempDir(), AppPort: port,
            RequestTimeout: TimeSpan.FromSeconds(1), MaxBackoff: TimeSpan.FromMilliseconds(200));
        agent = new NodeAgent(options, line => { lock (log) { log.Add(line); } });
        agent.Start();
        controller.Reply = hb => new HeartbeatReply(hb.Node, "1.1.0", true, NodeState.Active, new Artifact("sleep", ["600"]), 1);
        await TestApp.StepUntil(agent, () => controller.Last is { Health: NodeHealth.Healthy, Serving: true }, "node healthy and serving", Diagnostics);

        failing = true;
        for (var i = 1; i < HealthProbes.DefaultFailureThreshold; i++)
        {
            await agent.StepAsync(TestContext.Current.CancellationToken);
            controller.Last.ShouldNotBeNull().Health.ShouldBe(NodeHealth.Healthy, $"after {i} failed probe(s)\n{Diagnostics()}");
            controller.Last.Serving.ShouldBeTrue(Diagnostics());
        }
        failing = false;
        await agent.StepAsync(TestContext.Current.CancellationToken);
        controller.Last!.Health.ShouldBe(NodeHealth.Healthy, Diagnostics());

        failing = true;
        for (var i = 0; i < HealthProbes.DefaultFailureThreshold; i++)
        {
            await agent.StepAsync(TestContext.Current.CancellationToken);
        }
        controller.Last!.Health.ShouldBe(NodeHealth.Unhealthy, Diagnostics());
        controller.Last.Serving.ShouldBeFalse(Diagnostics());
        agent.Running.ShouldBe("1.1.0", "a failing health path is reported, not acted on: the controller decides");
    }
}
