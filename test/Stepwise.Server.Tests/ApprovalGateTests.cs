using System.Net;
using System.Net.Http.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

/// <summary>Operator gates through the API: the rollout waits at the gate, shows what it waits for, and an approval (POST .../approve) moves it on.</summary>
public sealed class ApprovalGateTests
{
    private static readonly string GatedYaml = TestServer.ThreeStepYaml.Replace("  waves: [50, 100]\n", "  waves: [50, 100]\n  approve: [after-canary]\n", StringComparison.Ordinal);

    private static Task<HttpResponseMessage> ActAsync(TestServer server, string rollout, string action) =>
        server.Admin.PostAsJsonAsync(ApiClient.Route(Routes.RolloutAction, ("rollout", rollout), ("action", action)).TrimStart('/'), new ReasonBody("watched the canary"), SnapshotJson.Options);

    [Fact]
    public async Task a_rollout_waits_after_the_canary_until_an_operator_approves_it_then_completes()
    {
        GatedYaml.ShouldContain("approve:");
        await using var server = await TestServer.StartAsync(GatedYaml);
        var fleet = new FakeFleet(server);
        foreach (var n in new[] { "n1", "n2", "n3", "n4" })
        {
            await fleet.AddAsync(n, "1.0.0");
        }
        await fleet.RunUntilAsync(fleet.BeatAsync, replies => replies.All(r => r.MayServe), "admission of every node");
        (await server.RegisterAsync("1.1.0")).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var start = await server.Admin.PostAsJsonAsync(Routes.Rollouts.TrimStart('/'), new StartRolloutBody("orders", "1.1.0", "test"), SnapshotJson.Options);
        var id = (await start.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Rollout!;
        Task<RolloutView> Get() => server.GetAsync<RolloutView>(ApiClient.Route(Routes.Rollout, ("rollout", id)).TrimStart('/'));

        var waiting = await fleet.RunUntilAsync(Get, r => r.WaitsFor is not null || !RolloutPhases.IsTerminal(r.Phase) && r.Phase == RolloutPhase.Rehearsing, "the rollout reaching its gate");
        waiting.Phase.ShouldBe(RolloutPhase.Paused);
        waiting.WaitsFor.ShouldBe(ApprovalGate.AfterCanary);
        waiting.Reason.ShouldNotBeNull().ShouldContain("approve");

        // A resume is not an approval: refused, and it still waits.
        using (var resume = await ActAsync(server, id, "resume"))
        {
            resume.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await resume.Content.ReadAsStringAsync()).ShouldContain("approval");
        }
        (await Get()).WaitsFor.ShouldBe(ApprovalGate.AfterCanary);

        using (var approve = await ActAsync(server, id, "approve"))
        {
            approve.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            (await approve.Content.ReadFromJsonAsync<RequestOutcome>(SnapshotJson.Options))!.Accepted.ShouldBeTrue();
        }
        var done = await fleet.RunUntilAsync(Get, r => RolloutPhases.IsTerminal(r.Phase), "the rollout completing");
        done.Phase.ShouldBe(RolloutPhase.Complete);
        done.WaitsFor.ShouldBeNull();
        var events = await server.GetAsync<List<EventView>>(Routes.Events + "?limit=1000");
        events.ShouldContain(e => e.Kind == "approve-rollout" && e.Message.Contains("watched the canary", StringComparison.Ordinal));

        // Nothing is left to approve.
        using var again = await ActAsync(server, id, "approve");
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }
}
