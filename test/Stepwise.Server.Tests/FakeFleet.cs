using System.Net.Http.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

/// <summary>
/// Agents for tests: each node heartbeats with the release it runs and switches to the desired release the reply names,
/// as the real agent does. Metrics per release come from <see cref="Metrics"/>.
/// </summary>
public sealed class FakeFleet(TestServer server)
{
    private readonly Dictionary<string, (string Token, string? Release)> nodes = new(StringComparer.Ordinal);

    /// <summary>(requests, errors, latency) a node running a release reports per heartbeat.</summary>
    public Func<string, string?, (long Requests, long Errors, double[] Latency)> Metrics { get; set; } = (_, _) => (100, 0, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

    public IReadOnlyDictionary<string, string?> Releases => nodes.ToDictionary(n => n.Key, n => n.Value.Release);

    /// <summary>Switches to the desired release only when true (false: a node that ignores the controller).</summary>
    public bool Follow { get; set; } = true;

    public async Task AddAsync(string node, string release)
    {
        nodes[node] = (await server.TokenAsync(TokenKind.Agent, "agent-" + node, node), release);
    }

    /// <summary>Takes over a node another fleet added (its token), e.g. to send its heartbeats to another replica.</summary>
    public void Adopt(FakeFleet from, string node) => nodes[node] = from.nodes[node];

    public async Task<List<HeartbeatReply>> BeatAsync()
    {
        var replies = new List<HeartbeatReply>();
        foreach (var (node, (token, release)) in nodes.ToList())
        {
            var (requests, errors, latency) = Metrics(node, release);
            using var client = server.Client(token);
            using var response = await client.PostAsJsonAsync(Routes.Heartbeat.TrimStart('/'),
                new Heartbeat(node, "orders", release, NodeHealth.Healthy, true, requests, errors, latency), SnapshotJson.Options);
            response.EnsureSuccessStatusCode();
            var reply = (await response.Content.ReadFromJsonAsync<HeartbeatReply>(SnapshotJson.Options))!;
            replies.Add(reply);
            if (Follow && reply.DesiredRelease is { } desired)
            {
                nodes[node] = (token, desired);
            }
        }
        return replies;
    }

    /// <summary>Heartbeats every 100 ms until <paramref name="done"/> holds for what the server shows.</summary>
    public async Task<T> RunUntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, int seconds = 120)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T last;
        do
        {
            await BeatAsync();
            last = await probe();
            if (done(last))
            {
                return last;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new ShouldAssertException($"{what} did not happen; last seen: {System.Text.Json.JsonSerializer.Serialize(last, SnapshotJson.Indented)}");
    }
}
