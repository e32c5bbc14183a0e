using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;
using Stepwise.Server.Reconciling;
using Stepwise.Server.Store;

namespace Stepwise.Server.Tests;

/// <summary>
/// A crash at each point of a tick (before the commit, after the commit but before acting) and a restart on the same
/// store: nothing is lost, nothing is done twice, a data phase is never started a second time.
/// </summary>
public sealed class CrashSafetyTests
{
    private sealed class Crash : Exception
    {
        public Crash(string point) : base($"crash at {point}")
        {
        }
    }

    /// <summary>Counts runs; a run never finishes until released (a phase in progress when the process dies).</summary>
    private sealed class HangingRunner : IDataPhaseRunner
    {
        public int Runs;

        public async Task<DataPhaseOutcome> RunAsync(DataChange change, DataPhaseKind phase, string store, string? storeUrl, string? configDirectory, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Runs);
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return new DataPhaseOutcome(true, "unreachable");
        }
    }

    private static async Task<TestServer> FleetOnOneZeroAsync(TestServer server)
    {
        var token = await server.TokenAsync(Stepwise.Api.TokenKind.Agent, "agent-n1", "n1");
        await server.BeatAsync(token, "n1", "1.0.0");
        await server.Host.Reconciler.TickAsync(CancellationToken.None); // flush + admit
        (await server.BeatAsync(token, "n1", "1.0.0")).MayServe.ShouldBeTrue();
        (await server.RegisterAsync("1.1.0")).EnsureSuccessStatusCode();
        return server;
    }

    private static Task InsertStartAsync(TestServer server) => server.Host.Runtime.Store.InsertRequestAsync(
        new OperatorRequest("req-crash", RequestKind.StartRollout, DateTimeOffset.UtcNow, Service: "orders", Version: "1.1.0"), new NewEvent("request", "start"), CancellationToken.None);

    private static async Task<int> StartRolloutsLoggedAsync(StateStore store) =>
        (await store.DecisionLogAsync(CancellationToken.None)).Sum(d => d.Decisions.Actions.OfType<StartRollout>().Count());

    [Fact]
    public async Task a_crash_before_the_commit_leaves_nothing_and_the_restarted_server_decides_it_once()
    {
        var directory = TestServer.NewDirectory();
        await using (var first = await FleetOnOneZeroAsync(await TestServer.StartAsync(directory: directory, loop: false)))
        {
            await InsertStartAsync(first);
            first.Host.Reconciler.CrashPoint = point => throw new Crash(point);
            await Should.ThrowAsync<Crash>(() => first.Host.Reconciler.TickAsync(CancellationToken.None));
            (await first.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None)).Rollouts.ShouldBeEmpty();
            (await StartRolloutsLoggedAsync(first.Host.Runtime.Store)).ShouldBe(0);
            first.Host.Runtime.Nodes.Find("n1")!.DesiredRelease.ShouldBeNull();
        }
        await using var second = await TestServer.StartAsync(directory: directory, loop: false);
        await second.Host.Reconciler.TickAsync(CancellationToken.None);
        await second.Host.Reconciler.TickAsync(CancellationToken.None);
        var control = await second.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None);
        control.Rollouts.ShouldHaveSingleItem().To.ShouldBe("1.1.0");
        control.Requests.ShouldBeEmpty();
        (await StartRolloutsLoggedAsync(second.Host.Runtime.Store)).ShouldBe(1);
        (await second.Host.Runtime.Store.GetRequestAsync("req-crash", CancellationToken.None))!.Accepted.ShouldBe(true);
    }

    [Fact]
    public async Task a_crash_after_the_commit_has_no_effect_yet_and_the_restarted_server_resumes_without_doubling()
    {
        var directory = TestServer.NewDirectory();
        await using (var first = await FleetOnOneZeroAsync(await TestServer.StartAsync(directory: directory, loop: false)))
        {
            await InsertStartAsync(first);
            first.Host.Reconciler.CrashPoint = point =>
            {
                if (point == "after-commit")
                {
                    throw new Crash(point);
                }
            };
            await Should.ThrowAsync<Crash>(() => first.Host.Reconciler.TickAsync(CancellationToken.None));
            // Durable, but not acted on: agents are not told yet.
            (await first.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None)).Rollouts.ShouldHaveSingleItem();
            first.Host.Runtime.Nodes.Find("n1")!.DesiredRelease.ShouldBeNull();
        }
        await using var second = await TestServer.StartAsync(directory: directory, loop: false);
        var token = await second.TokenAsync(Stepwise.Api.TokenKind.Agent, "agent-n1-again", "n1");
        (await second.BeatAsync(token, "n1", "1.0.0")).DesiredRelease.ShouldBe("1.1.0");
        for (var i = 0; i < 5; i++)
        {
            await second.Host.Reconciler.TickAsync(CancellationToken.None);
        }
        (await StartRolloutsLoggedAsync(second.Host.Runtime.Store)).ShouldBe(1);
        (await second.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None)).Rollouts.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task a_data_phase_running_when_the_server_dies_is_marked_failed_and_never_started_twice()
    {
        var directory = TestServer.NewDirectory();
        var runner = new HangingRunner();
        await using (var first = await TestServer.StartAsync(directory: directory, loop: false, runner: runner))
        {
            await first.Host.Runtime.Store.InsertRequestAsync(
                new OperatorRequest("req-expand", RequestKind.RunDataPhase, DateTimeOffset.UtcNow, Change: "add-note", Phase: DataPhaseKind.Expand, Store: "app-db"),
                new NewEvent("request", "expand"), CancellationToken.None);
            await first.Host.Reconciler.TickAsync(CancellationToken.None);
            (await first.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None)).DataPhases.ShouldHaveSingleItem().State.ShouldBe(DataPhaseState.Running);
            await TestServer.EventuallyAsync(() => Task.FromResult(runner.Runs), runs => runs == 1, "the runner starting");
        }
        await using var second = await TestServer.StartAsync(directory: directory, loop: false, runner: runner);
        for (var i = 0; i < 3; i++)
        {
            await second.Host.Reconciler.TickAsync(CancellationToken.None);
        }
        var phase = (await second.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None)).DataPhases.ShouldHaveSingleItem();
        phase.State.ShouldBe(DataPhaseState.Failed);
        runner.Runs.ShouldBe(1);
        (await second.Host.Runtime.Store.EventsAsync(0, 1000, CancellationToken.None)).ShouldContain(e => e.Kind == "data-phase-failed" && e.Message.Contains("not restarted", StringComparison.Ordinal));
    }
}
