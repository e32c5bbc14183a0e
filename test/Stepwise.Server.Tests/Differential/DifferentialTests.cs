using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Stepwise.Api;
using Stepwise.Core;
using Stepwise.Core.Model;
using Stepwise.Server.Reconciling;
using Stepwise.Simulation;

namespace Stepwise.Server.Tests.Differential;

/// <summary>
/// One seeded scenario through the simulator and through a real server: the simulator records every input its
/// controller took (heartbeats with their traffic, operator requests, finished data phases) and every tick's
/// decisions; the same inputs are then sent to an in-process server over HTTP, with its clock set to each input's
/// time and its reconciler ticked where the simulator's ticked. Both must decide the same thing at every tick.
/// </summary>
public sealed partial class DifferentialTests
{
    /// <summary>The token name of svc-0's telemetry (the middleware's service token).</summary>
    private const string Telemetry = "telemetry";

    public static TheoryData<int, string, bool> Scenarios => new()
    {
        { 11, "crashes,partitions,slow,bad-canary,forbidden", false },
        { 23, "stale,crashes", false },
        { 3, "crashes,stale,partitions,slow,bad-canary,forbidden", false },
        { 42, "none", false },
        // Client populations (G8): the middleware's telemetry, the operator's minimum-version changes and overrides,
        // and the registration of a release that removes an operation old clients may still call.
        { 5, "none", true },
        { 17, "crashes,stale", true },
        // Controller restarts: the server is stopped and started again on its store where the simulator's controller was.
        { 7, "controller-restart", false },
        { 29, "controller-restart,crashes,partitions", false },
        { 13, "controller-restart,stale", true },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task the_server_decides_what_the_simulator_decides_from_the_same_inputs(int seed, string faults, bool clients)
    {
        FaultProfiles.TryParse(faults, out var profile, out var error).ShouldBeTrue(error);
        var options = new SimulationOptions(8, 2, seed, profile) { JoinByHeartbeat = true, TrailLength = 5, Clients = clients ? ClientPopulation.Default : null };
        var tape = new List<TapeEntry>();
        var result = Simulation.Simulation.Run(options, tape: tape.Add);
        result.Violations.ShouldBeEmpty();
        var world = new SimWorld(options);

        var time = new ManualTime(tape[0].At);
        var runner = new TapeRunner();
        var yaml = WorldYaml.Of(world.Initial);
        Task<TestServer> StartAsync(string? store, string? directory) => TestServer.StartAsync(yaml, store, directory, loop: false, runner: runner, tweak: o => o with
        {
            Time = time,
            RequestWait = TimeSpan.FromDays(365),
            RateLimitPerToken = 0,
            RateLimitPerAddress = 0,
        });
        await using var live = new LiveServer(await StartAsync(null, null));
        var server = live.Server!;
        Json(server.Host.Runtime.Config.Config.Services.SelectMany(s => s.Releases))
            .ShouldBe(Json(world.Initial.Services.SelectMany(s => s.Releases)), "the server links the simulator's world to the same releases");

        foreach (var id in world.NodeIds)
        {
            live.Tokens[id] = await server.TokenAsync(TokenKind.Agent, "agent-" + id, id);
        }
        if (clients)
        {
            live.Tokens[Telemetry] = await server.TokenAsync(TokenKind.Agent, "telemetry-" + SimWorld.ServiceName(0), service: SimWorld.ServiceName(0));
        }
        var restarts = 0;
        var g8 = (Telemetry: 0, Policies: 0, Overrides: 0);
        var ids = (Sim: new RequestIds(), Server: new RequestIds());
        var pending = new List<Task<HttpResponseMessage>>();
        var ticks = 0;
        var recent = new Queue<string>();
        foreach (var entry in tape)
        {
            time.Now = entry.At;
            Remember(recent, entry);
            if (entry is TapeControllerUp)
            {
                live.Start(await StartAsync(live.Store, live.Directory));
                restarts++;
                continue;
            }
            server = live.Server ?? throw new ShouldAssertException($"the simulator's controller took an input while down: {recent.Last()}");
            switch (entry)
            {
                case TapeControllerDown:
                    // Stopped as an operator stops it: what it committed stays in its store.
                    await live.StopAsync();
                    break;
                case TapeHeartbeat hb:
                    using (var answer = await live.Agent(hb.Node).PostAsJsonAsync(Routes.Heartbeat,
                        new Heartbeat(hb.Node, hb.Service, hb.Release, NodeHealth.Healthy, true, hb.Requests, hb.Errors, hb.LatencyMs), SnapshotJson.Options))
                    {
                        answer.IsSuccessStatusCode.ShouldBeTrue($"heartbeat of {hb.Node}: {await answer.Content.ReadAsStringAsync()}");
                    }
                    break;
                case TapeRequest r:
                    var before = await PendingRequestsAsync(server);
                    pending.Add(Submit(server.Admin, r.Request));
                    await WaitForAsync(async () => await PendingRequestsAsync(server) > before, $"request {r.Request.Id} ({r.Request.Kind}) to be stored", pending[^1]);
                    break;
                case TapePhaseDone done:
                    runner.Finish(done.Change, done.Phase);
                    await WaitForAsync(async () => (await server.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None)).DataPhases
                        .Any(p => p.Change == done.Change && p.Phase == done.Phase && p.State == DataPhaseState.Complete), $"{done.Change} {Names.Of(done.Phase)} to be recorded complete");
                    break;
                case TapeClientCalls calls:
                    await SendTelemetryAsync(live.Agent(Telemetry), calls);
                    g8.Telemetry++;
                    break;
                case TapeClientPolicy policy:
                    yaml = await PushPolicyAsync(server, world, policy) ?? yaml;
                    g8.Policies++;
                    break;
                case TapeOverride recorded:
                    using (var answer = await server.Admin.PostAsJsonAsync(Routes.Overrides,
                        new OverrideBody(recorded.Override.Guarantee, recorded.Override.Subject, recorded.Override.Reason), SnapshotJson.Options))
                    {
                        answer.IsSuccessStatusCode.ShouldBeTrue($"override: {await answer.Content.ReadAsStringAsync()}");
                    }
                    g8.Overrides++;
                    break;
                case TapeTick tick:
                    await server.Host.Reconciler.TickAsync(CancellationToken.None);
                    ticks++;
                    var expected = tick.Decided.Select(ids.Sim.Canonical).ToList();
                    var actual = TapeTick.Lines(server.Host.Reconciler.LastDecisions!).Select(ids.Server.Canonical).ToList();
                    if (!expected.SequenceEqual(actual))
                    {
                        throw new ShouldAssertException(
                            $"tick {ticks} at +{tick.At - SimWorld.Epoch} (seed {seed}, {faults}) decided differently.\n" +
                            $"simulator:\n  {string.Join("\n  ", expected)}\nserver:\n  {string.Join("\n  ", actual)}\n" +
                            $"last inputs:\n  {string.Join("\n  ", recent)}");
                    }
                    break;
            }
        }
        ticks.ShouldBe((int)result.Decisions);
        if (clients)
        {
            g8.Telemetry.ShouldBeGreaterThan(0, "the scenario ships client telemetry");
            (g8.Policies + g8.Overrides).ShouldBeGreaterThan(0, "the scenario's operator changes a minimum version or records an override");
        }
        if (faults.Contains("controller-restart", StringComparison.Ordinal))
        {
            restarts.ShouldBeGreaterThan(0, "the scenario restarts the controller");
        }
        runner.FinishAll();
    }

    /// <summary>svc-0's middleware ships a batch, as <c>Stepwise.Clients</c> does (the window ends at the tape's time).</summary>
    private static async Task SendTelemetryAsync(HttpClient telemetry, TapeClientCalls batch)
    {
        foreach (var service in batch.Calls.GroupBy(c => c.Service))
        {
            var body = new ClientTelemetryBody(service.Key, null, "differential", batch.At, batch.At,
                [.. service.Select(c => new ClientCallCount(c.App, c.Version, c.Operation, c.Calls))], 0);
            using var answer = await telemetry.PostAsJsonAsync(Routes.ClientTelemetry, body, SnapshotJson.Options);
            answer.IsSuccessStatusCode.ShouldBeTrue($"telemetry at +{batch.At - SimWorld.Epoch}: {await answer.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>
    /// The operator's stepwise.yaml with the new minimum versions, pushed as <c>stepwise config push</c> does; G8 must
    /// decide as in the simulator. Returns the YAML the server now runs on when it took it.
    /// </summary>
    private static async Task<string?> PushPolicyAsync(TestServer server, SimWorld world, TapeClientPolicy change)
    {
        var yaml = WorldYaml.Of(world.Initial.Relink(d => d with { Policy = d.Policy with { Clients = change.After } }));
        using var content = new StringContent(yaml, System.Text.Encoding.UTF8, "application/yaml");
        using var answer = await server.Admin.PutAsync(Routes.Config, content);
        var text = await answer.Content.ReadAsStringAsync();
        (answer.IsSuccessStatusCode ? "accepted" : $"refused ({(int)answer.StatusCode})").ShouldBe(change.Accepted ? "accepted" : "refused (409)",
            $"minimum versions {string.Join(", ", change.After.MinimumVersions.Select(m => $"{m.App} {m.Version}"))} at +{change.At - SimWorld.Epoch}: {text}");
        return answer.IsSuccessStatusCode ? yaml : null;
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, SnapshotJson.Options);

    private static void Remember(Queue<string> recent, TapeEntry entry)
    {
        var text = entry switch
        {
            TapeTick t => $"+{t.At - SimWorld.Epoch} tick: {string.Join("; ", t.Decided)}",
            TapeRequest r => $"+{r.At - SimWorld.Epoch} request {r.Request.Kind} {r.Request.Service} {r.Request.Version} {r.Request.Rollout} {r.Request.Node}",
            TapeHeartbeat h => $"+{h.At - SimWorld.Epoch} heartbeat {h.Node} on {h.Release} ({h.Requests} requests)",
            _ => $"+{entry.At - SimWorld.Epoch} {entry}",
        };
        recent.Enqueue(text);
        if (recent.Count > 12)
        {
            recent.Dequeue();
        }
    }

    private static async Task<int> PendingRequestsAsync(TestServer server) =>
        (await server.Host.Runtime.Store.LoadControlStateAsync(CancellationToken.None)).Requests.Count;

    private static async Task WaitForAsync(Func<Task<bool>> done, string what, Task? failsEarly = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await done())
        {
            if (failsEarly is { IsCompleted: true })
            {
                using var answer = await (Task<HttpResponseMessage>)failsEarly;
                throw new ShouldAssertException($"waiting for {what}, the call was answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new ShouldAssertException($"{what} did not happen");
            }
            await Task.Delay(5);
        }
    }

    /// <summary>The operator request as the API takes it.</summary>
    private static Task<HttpResponseMessage> Submit(HttpClient admin, OperatorRequest r)
    {
        (string Path, object Body) call = r.Kind switch
        {
            RequestKind.RegisterRelease => (Routes.Releases.Replace("{service}", r.Service, StringComparison.Ordinal), new ReleaseRegistration(
                r.Release!.Version,
                new Artifact("app", ["--release", "{version}"]),
                r.Release.Provides,
                r.Release.Deprecates,
                [.. r.Release.Calls.Select(c => c.Value)],
                [.. r.Release.Needs.Select(n => n.Value)],
                [.. r.Release.UsesOldShapeOf.Select(n => n.Value)])),
            RequestKind.StartPlan => (Routes.StartPlan.Replace("{plan}", r.Plan, StringComparison.Ordinal), new ReasonBody(r.Reason)),
            RequestKind.StartRollout => (Routes.Rollouts, new StartRolloutBody(r.Service!, r.Version!, r.Reason)),
            RequestKind.ResumeRollout => (RolloutAction(r.Rollout!, "resume"), new ReasonBody(r.Reason)),
            RequestKind.PromoteRollout => (RolloutAction(r.Rollout!, "promote"), new ReasonBody(r.Reason)),
            RequestKind.PauseRollout => (RolloutAction(r.Rollout!, "pause"), new ReasonBody(r.Reason)),
            RequestKind.AbortRollout => (RolloutAction(r.Rollout!, "abort"), new ReasonBody(r.Reason)),
            RequestKind.EnableNode => (Routes.EnableNode.Replace("{node}", r.Node, StringComparison.Ordinal), new ReasonBody(r.Reason)),
            RequestKind.DecommissionNode => (Routes.DecommissionNode.Replace("{node}", r.Node, StringComparison.Ordinal), new ReasonBody(r.Reason)),
            RequestKind.RunDataPhase => (Routes.RunDataPhase.Replace("{change}", r.Change, StringComparison.Ordinal).Replace("{phase}", Names.Of(r.Phase!.Value), StringComparison.Ordinal),
                new DataPhaseBody(r.Store, r.Reason)),
            _ => throw new NotSupportedException($"the differential test has no API call for {r.Kind} requests yet"),
        };
        return admin.PostAsJsonAsync(call.Path, call.Body, SnapshotJson.Options);
    }

    private static string RolloutAction(string rollout, string action) =>
        Routes.RolloutAction.Replace("{rollout}", rollout, StringComparison.Ordinal).Replace("{action}", action, StringComparison.Ordinal);

    /// <summary>Request and override ids differ between the two controllers; each is renamed by the order it first appears in.</summary>
    private sealed partial class RequestIds
    {
        private readonly Dictionary<string, string> names = new(StringComparer.Ordinal);

        public string Canonical(string line) => Id().Replace(line, m =>
        {
            if (!names.TryGetValue(m.Value, out var name))
            {
                name = names[m.Value] = $"request#{names.Count + 1}";
            }
            return name;
        });

        [GeneratedRegex(@"\b(op-\d+|req-[0-9a-f]{16}|ovr-sim-\d+|ovr-[0-9a-f]{16})\b")]
        private static partial Regex Id();
    }

    /// <summary>The server's clock, set by the test to each input's time; timers stay real.</summary>
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Data phases that finish when the tape says the simulator's store finished them.</summary>
    private sealed class TapeRunner : IDataPhaseRunner
    {
        private readonly ConcurrentDictionary<(string, DataPhaseKind), TaskCompletionSource<DataPhaseOutcome>> running = new();

        public Task<DataPhaseOutcome> RunAsync(DataChange change, DataPhaseKind phase, string store, string? storeUrl, string? configDirectory, CancellationToken cancellationToken) =>
            Slot(change.Id, phase).Task.WaitAsync(cancellationToken);

        public void Finish(string change, DataPhaseKind phase)
        {
            var slot = Slot(change, phase);
            slot.TrySetResult(new DataPhaseOutcome(true, "done"));
        }

        public void FinishAll()
        {
            foreach (var slot in running.Values)
            {
                slot.TrySetResult(new DataPhaseOutcome(false, "the test is over"));
            }
        }

        private TaskCompletionSource<DataPhaseOutcome> Slot(string change, DataPhaseKind phase) =>
            running.GetOrAdd((change, phase), _ => new TaskCompletionSource<DataPhaseOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
    }
}
