using System.Net;
using System.Net.Http.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

/// <summary>With replicas, client telemetry taken by one reaches the others: at its next tick, and when it stops.</summary>
public sealed class ReplicaTelemetryTests
{
    [Fact]
    public async Task telemetry_taken_by_one_replica_is_seen_by_it_at_once_and_by_the_other_after_its_tick_or_its_stop()
    {
        var store = await Postgres.NewDatabaseUrlAsync();
        await using var leader = await TestServer.StartAsync(ClientTelemetryTests.Yaml, store: store);
        var follower = await TestServer.StartAsync(ClientTelemetryTests.Yaml, store: store);
        await using (follower)
        {
            using var reporter = follower.Client(await follower.TokenAsync(TokenKind.Agent, "orders-telemetry", service: "orders"));
            using (var accepted = await reporter.PostAsJsonAsync(Routes.ClientTelemetry, ClientTelemetryTests.Body("orders", ("old-client", "1.2.0", "DELETE /orders/{id}", 7))))
            {
                accepted.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            }
            // The replica that took it reads it at once; the other once the taker's tick has written it.
            (await follower.GetAsync<List<ClientView>>(Routes.Clients)).ShouldHaveSingleItem().Calls.ShouldBe(7);
            await TestServer.EventuallyAsync(() => leader.GetAsync<List<ClientView>>(Routes.Clients), v => v.Sum(c => c.Calls) == 7, "the other replica to see the calls");

            using (var more = await reporter.PostAsJsonAsync(Routes.ClientTelemetry, ClientTelemetryTests.Body("orders", ("old-client", "1.2.0", "DELETE /orders/{id}", 5))))
            {
                more.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            }
        }
        // Whether or not its tick came first, stopping writes what it took.
        (await leader.GetAsync<List<ClientView>>(Routes.Clients)).ShouldHaveSingleItem().Calls.ShouldBe(12);
    }
}
