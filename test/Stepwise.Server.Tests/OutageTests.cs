using Shouldly;
using Stepwise.Api;
using Stepwise.Core.Model;
using Xunit;

namespace Stepwise.Server.Tests;

/// <summary>A controller outage never stops a healthy app: a node that comes back on a sanctioned release keeps serving.</summary>
public class OutageTests
{
    private static readonly string FastTimeout = TestServer.ThreeStepYaml.Replace("heartbeatTimeout: 30s", "heartbeatTimeout: 2s", StringComparison.Ordinal);

    [Fact]
    public async Task a_node_that_went_offline_and_comes_back_healthy_on_its_release_may_serve_in_the_same_answer()
    {
        await using var server = await TestServer.StartAsync(FastTimeout);
        var agent = await server.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
        await TestServer.EventuallyAsync(() => server.BeatAsync(agent, "n1", "1.0.0"), r => r.MayServe, "admission of n1");
        await TestServer.EventuallyAsync(() => server.GetAsync<List<NodeView>>(Routes.Nodes), nodes => nodes.Single().State == NodeState.Offline, "n1 to go offline");
        var back = await server.BeatAsync(agent, "n1", "1.0.0");
        back.State.ShouldBe(NodeState.Offline); // the next tick admits it
        back.MayServe.ShouldBeTrue();
    }

    [Fact]
    public async Task after_a_restart_longer_than_the_heartbeat_timeout_a_returning_node_may_serve()
    {
        var directory = TestServer.NewDirectory();
        string agent;
        await using (var first = await TestServer.StartAsync(FastTimeout, directory: directory))
        {
            agent = await first.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
            await TestServer.EventuallyAsync(() => first.BeatAsync(agent, "n1", "1.0.0"), r => r.MayServe, "admission of n1");
        }
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        await using var second = await TestServer.StartAsync(FastTimeout, directory: directory);
        // Silent for longer than the timeout since this controller started: marked offline, then it comes back.
        await TestServer.EventuallyAsync(() => second.GetAsync<List<NodeView>>(Routes.Nodes), nodes => nodes.Single().State == NodeState.Offline, "n1 to go offline");
        (await second.BeatAsync(agent, "n1", "1.0.0")).MayServe.ShouldBeTrue();
    }

    [Fact]
    public async Task right_after_a_restart_a_returning_node_may_serve_before_the_first_tick()
    {
        var directory = TestServer.NewDirectory();
        string agent;
        await using (var first = await TestServer.StartAsync(FastTimeout, directory: directory))
        {
            agent = await first.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
            await TestServer.EventuallyAsync(() => first.BeatAsync(agent, "n1", "1.0.0"), r => r.MayServe, "admission of n1");
        }
        await using var second = await TestServer.StartAsync(FastTimeout, directory: directory, loop: false);
        (await second.BeatAsync(agent, "n1", "1.0.0")).MayServe.ShouldBeTrue();
    }
}
