using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Agent.Tests;

/// <summary>
/// Agents and the CLI update on their own schedule, so they meet newer servers: a reply carrying fields this build
/// does not know is read for the fields it does (a tolerant reader), never refused. The server stays strict on
/// what it is sent.
/// </summary>
public sealed class ProtocolSkewTests : IAsyncLifetime
{
    private FakeController controller = null!;
    private readonly string dir = TestApp.TempDir();

    public async ValueTask InitializeAsync() => controller = await FakeController.StartAsync();

    public async ValueTask DisposeAsync() => await controller.DisposeAsync();

    private const string NewerReply = """
        {"node":"n1","desiredRelease":"1.0.0","mayServe":true,"state":"active","heartbeatSeconds":1,
         "artifact":{"command":"sleep","arguments":["60"],"checksum":"sha256:abc"},
         "drainBy":"2026-12-01T10:00:00Z","labels":{"zone":"b"}}
        """;

    [Fact]
    public async Task an_agent_acts_on_a_reply_from_a_newer_server_with_fields_it_does_not_know()
    {
        controller.RawReply = _ => NewerReply;
        var lines = new List<string>();
        await using var agent = new NodeAgent(new AgentOptions(controller.Address, "agent-token", "n1", "orders", Path.Combine(dir, "n1"),
            RequestTimeout: TimeSpan.FromSeconds(2), MaxBackoff: TimeSpan.FromMilliseconds(100)), line => { lock (lines) { lines.Add(line); } });
        agent.Start();
        for (var i = 0; i < 3 && agent.Running is null; i++)
        {
            await agent.StepAsync(TestContext.Current.CancellationToken);
        }
        agent.Running.ShouldBe("1.0.0", string.Join('\n', lines));
        lock (lines)
        {
            lines.ShouldNotContain(l => l.Contains("malformed", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task the_api_client_reads_an_answer_with_fields_it_does_not_know()
    {
        controller.RawReply = _ => NewerReply;
        using var client = new ApiClient(controller.Address, "agent-token");
        var answer = await client.PostAsync<HeartbeatReply>(Routes.Heartbeat, new Heartbeat("n1", "orders", "1.0.0", NodeHealth.Healthy, true, 0, 0, []), TestContext.Current.CancellationToken);
        answer.Ok.ShouldBeTrue(answer.Problem?.ToString());
        answer.Value.ShouldNotBeNull().DesiredRelease.ShouldBe("1.0.0");
    }
}
