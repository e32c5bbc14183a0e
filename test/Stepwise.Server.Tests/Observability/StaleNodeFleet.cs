using System.Net;
using System.Net.Http.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests.Observability;

/// <summary>
/// A server whose orders service completed a rollout from 1.0.0 to 1.1.0 on n1..n3, and a node n9 that returned on
/// 1.0.0 and does not follow the controller: quarantined, on an old release. Shared by the metrics tests.
/// </summary>
public sealed class StaleNodeFleet : IAsyncLifetime
{
    public const string StaleNode = "n9";

    private TestServer? server;

    public TestServer Server => server ?? throw new InvalidOperationException("not started");

    public string ReadToken { get; private set; } = "";

    public FakeFleet Fleet { get; private set; } = null!;

    public FakeFleet Stale { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        server = await TestServer.StartAsync();
        (Fleet, Stale) = await QuarantineAsync(server);
        ReadToken = await server.TokenAsync(TokenKind.Read, "metrics-reader");
    }

    /// <summary>
    /// On <paramref name="server"/>: n1..n3 roll from 1.0.0 to 1.1.0, then <see cref="StaleNode"/> comes back on 1.0.0,
    /// in a fleet that does not follow the controller, and is quarantined.
    /// </summary>
    public static async Task<(FakeFleet Fleet, FakeFleet Stale)> QuarantineAsync(TestServer server)
    {
        var fleet = new FakeFleet(server);
        foreach (var n in new[] { "n1", "n2", "n3" })
        {
            await fleet.AddAsync(n, "1.0.0");
        }
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission of every node");
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var start = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.1.0", "test"), SnapshotJson.Options);
        start.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var rollout = (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Rollout!;
        await fleet.RunUntilAsync(() => server.GetAsync<RolloutView>($"api/v1/rollouts/{rollout}"), r => r.Phase == RolloutPhase.Complete, "the rollout completing");
        var stale = new FakeFleet(server) { Follow = false };
        await stale.AddAsync(StaleNode, "1.0.0");
        await stale.RunUntilAsync(async () => (await server.GetAsync<List<NodeView>>(Routes.Nodes)).Single(n => n.Id == StaleNode),
            n => n.State == NodeState.Quarantined, "the returning node being quarantined");
        return (fleet, stale);
    }

    public async Task<string> ScrapeAsync()
    {
        using var client = Server.Client(ReadToken);
        using var response = await client.GetAsync(Routes.Metrics.TrimStart('/'));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }
}
