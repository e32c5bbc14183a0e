using Stepwise.Core;
using Stepwise.Core.Model;

namespace Stepwise.Simulation.Tests;

/// <summary>
/// Client populations (G8): client versions that age out call svc-0, the controller decides over their telemetry with
/// Core's G8, the operator tries removals and minimum-version raises, and the checker holds the run to G8.
/// </summary>
public class ClientPopulationTests
{
    private static readonly TimeSpan Window = ClientPopulation.Default.Window;

    private static SimulationOptions Options(int seed, FaultProfile faults, int nodes = 60, int services = 3) =>
        new(nodes, services, seed, faults) { Clients = ClientPopulation.Default };

    private static (SimulationResult Result, List<TapeEntry> Tape) Run(SimulationOptions options)
    {
        var tape = new List<TapeEntry>();
        return (Simulation.Run(options, tape: tape.Add), tape);
    }

    private static string Explain(SimulationResult result) =>
        string.Join("\n", result.Violations.Select(v => $"{v.Guarantee}: {v.Message}\n  " + string.Join("\n  ", v.Trail)));

    /// <summary>When the controller last received a call of <paramref name="operation"/> from a client matching <paramref name="who"/>, up to <paramref name="at"/>.</summary>
    private static DateTimeOffset? LastShipped(List<TapeEntry> tape, string operation, DateTimeOffset at, Func<ClientCalls, bool>? who = null) =>
        tape.OfType<TapeClientCalls>().Where(b => b.At <= at).SelectMany(b => b.Calls)
            .Where(c => c.Operation == operation && (who?.Invoke(c) ?? true)).Select(c => (DateTimeOffset?)c.LastSeen).Max();

    [Fact]
    public void the_plan_removes_a_deprecated_operation_only_after_its_callers_have_aged_out_of_the_window()
    {
        var (result, tape) = Run(Options(1, FaultProfile.None));

        result.Violations.ShouldBeEmpty(Explain(result));
        result.PlanState.ShouldBe(Names.Of(PlanState.Complete));
        var ticks = tape.OfType<TapeTick>().ToList();
        var refused = ticks.FirstOrDefault(t => t.Decided.Any(d => d.StartsWith($"refused G8 rollout svc-0@{SimWorld.ReadsNew} ", StringComparison.Ordinal)));
        refused.ShouldNotBeNull("G8 never held the plan's removal of the deprecated operation: the gate was not exercised");
        // Refused for a reason: a client had called the operation within the window.
        LastShipped(tape, SimWorld.Legacy, refused.At).ShouldNotBeNull().ShouldBeGreaterThan(refused.At - Window);
        var started = ticks.First(t => t.Decided.Any(d => d.StartsWith("start rollout svc-0-", StringComparison.Ordinal) && d.Contains($"-> {SimWorld.ReadsNew},", StringComparison.Ordinal)));
        started.At.ShouldBeGreaterThan(refused.At);
        // Allowed once they aged out: mobile (whose minimum was never raised past them) had stopped calling it a window before.
        LastShipped(tape, SimWorld.Legacy, started.At, c => c.App == "mobile").ShouldNotBeNull().ShouldBeLessThanOrEqualTo(started.At - Window);
        result.Counters["client versions aged out"].ShouldBeGreaterThan(0);
    }

    [Fact]
    public void a_release_that_drops_an_operation_nobody_deprecated_is_registered_only_with_an_override_and_its_reason()
    {
        var (result, tape) = Run(Options(2, FaultProfile.None));
        var subject = $"release svc-0@{SimWorld.DropExport}";

        result.Violations.ShouldBeEmpty(Explain(result));
        var ticks = tape.OfType<TapeTick>().ToList();
        var refused = ticks.First(t => t.Decided.Any(d => d.StartsWith($"refused G8 {subject} ", StringComparison.Ordinal)));
        var recorded = tape.OfType<TapeOverride>().Single(o => o.Override.Subject == subject);
        recorded.Override.Guarantee.ShouldBe(GuaranteeId.G8);
        recorded.Override.Reason.ShouldNotBeNullOrWhiteSpace();
        var registered = ticks.Single(t => t.Decided.Contains($"register svc-0@{SimWorld.DropExport}"));
        registered.Decided.ShouldContain(d => d.StartsWith("override ", StringComparison.Ordinal) && d.EndsWith($"for {subject}", StringComparison.Ordinal));
        refused.At.ShouldBeLessThan(recorded.At);
        recorded.At.ShouldBeLessThanOrEqualTo(registered.At);
        result.Counters["releases that drop an operation registered"].ShouldBe(1);
    }

    [Fact]
    public void a_minimum_version_rises_only_once_older_versions_stopped_calling_or_with_an_override()
    {
        var (result, tape) = Run(Options(3, FaultProfile.None));

        result.Violations.ShouldBeEmpty(Explain(result));
        // Each attempt, by the app whose minimum it changes from the policy in force.
        var attempts = new List<(string App, TapeClientPolicy Policy)>();
        var inForce = ClientPolicy.Default;
        foreach (var p in tape.OfType<TapeClientPolicy>())
        {
            attempts.AddRange(p.After.MinimumVersions.Where(m => inForce.MinimumOf(m.App) != m.Version).Select(m => (m.App, p)));
            inForce = p.Accepted ? p.After : inForce;
        }
        foreach (var app in new[] { "mobile", "partner" })
        {
            var tries = attempts.Where(a => a.App == app).Select(a => a.Policy).ToList();
            var accepted = tries.First(p => p.Accepted);
            tries.ShouldContain(p => !p.Accepted && p.At < accepted.At, $"raising {app}'s minimum was never refused");
            var minimum = accepted.After.MinimumOf(app)!;
            var overridden = tape.OfType<TapeOverride>().Any(o => o.At <= accepted.At && o.Override.Subject == $"minimum-version {app} {minimum}");
            var lastOlder = LastShipped(tape, SimWorld.Orders, accepted.At, c => c.App == app && Core.Clients.ClientVersions.Below(c.Version, minimum));
            if (app == "mobile")
            {
                // It waited: its older versions had stopped calling a window before.
                overridden.ShouldBeFalse();
                lastOlder.ShouldNotBeNull().ShouldBeLessThanOrEqualTo(accepted.At - Window);
            }
            else
            {
                // It cut them off on purpose: they still called, and an override with the refusal's subject was recorded.
                overridden.ShouldBeTrue();
                lastOlder.ShouldNotBeNull().ShouldBeGreaterThan(accepted.At - Window);
            }
        }
        result.Counters["client minimum versions raised"].ShouldBe(2);
        result.Counters["overrides used"].ShouldBeGreaterThanOrEqualTo(2);
    }

    [Fact]
    public void runs_with_every_fault_and_client_populations_keep_G8_and_exercise_its_gates()
    {
        var cases = Enumerable.Range(1, 40).Select(seed => Options(seed, FaultProfile.All, nodes: 30))
            .Concat(Enumerable.Range(1, 10).Select(seed => Options(seed, FaultProfile.All, nodes: 12, services: 1)))
            .Concat(Enumerable.Range(1, 10).Select(seed => Options(seed, FaultProfile.All, nodes: 40, services: 5)))
            .ToList();
        var results = new SimulationResult[cases.Count];
        Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => results[i] = Simulation.Run(cases[i]));

        var failed = results.Where(r => !r.Ok || r.PlanState != Names.Of(PlanState.Complete)).ToList();
        failed.ShouldBeEmpty(string.Join("\n\n", failed.Select(r => $"seed {r.Options.Seed}, {r.Options.Services} services: plan {r.PlanState}\n{Explain(r)}")));
        // Every run refused a registration and both minimum-version raises, and some held the plan's removal.
        results.ShouldAllBe(r => r.Counters.GetValueOrDefault("G8 refused registrations") == 1 && r.Counters.GetValueOrDefault("G8 refused minimum-version raises") == 2);
        results.Count(r => r.Counters.ContainsKey("G8 refused rollouts")).ShouldBeGreaterThan(0);
        results.ShouldAllBe(r => r.Counters.GetValueOrDefault("client minimum versions raised") == 2 && r.Counters.GetValueOrDefault("client versions aged out") > 0);
    }

    [Fact]
    public void the_same_seed_with_client_populations_replays_the_same_run()
    {
        var first = Simulation.Run(Options(7, FaultProfile.All, nodes: 30));
        var second = Simulation.Run(Options(7, FaultProfile.All, nodes: 30));

        Replays.ShouldReplay(first, second);
    }

    [Fact]
    public void without_client_populations_the_world_has_no_client_operations_and_nothing_for_G8()
    {
        var options = new SimulationOptions(60, 3, 1, FaultProfile.None);
        var world = new SimWorld(options);
        var result = Simulation.Run(options);

        options.Clients.ShouldBeNull();
        world.ClientRegistration.ShouldBeNull();
        world.Config.Services.SelectMany(s => s.Releases).SelectMany(r => r.Provides.Concat(r.Deprecates))
            .ShouldNotContain(op => op == SimWorld.Orders || op == SimWorld.Legacy || op == SimWorld.Export);
        result.Violations.ShouldBeEmpty(Explain(result));
        result.Refusals.Keys.ShouldNotContain("G8");
        result.Counters.Keys.ShouldNotContain(k => k.Contains("client", StringComparison.Ordinal) || k.Contains("override", StringComparison.Ordinal));
    }

    [Fact]
    public void options_that_make_no_sense_for_client_populations_are_rejected()
    {
        new SimulationOptions(60, 3, 1, FaultProfile.None, SabotageRule.OldClients).Validate().ShouldNotBeNull().ShouldContain("--clients");
        (new SimulationOptions(60, 3, 1, FaultProfile.None, SabotageRule.OldClients) { Clients = ClientPopulation.Default }).Validate().ShouldBeNull();
        (new SimulationOptions(60, 3, 1, FaultProfile.None) { Clients = ClientPopulation.Default with { Window = TimeSpan.Zero } }).Validate().ShouldNotBeNull().ShouldContain("window");
        (new SimulationOptions(60, 3, 1, FaultProfile.None) { Clients = ClientPopulation.Default with { HalfLife = TimeSpan.FromMinutes(-1) } }).Validate().ShouldNotBeNull().ShouldContain("half-life");
        (new SimulationOptions(60, 3, 1, FaultProfile.None) { Clients = ClientPopulation.Default with { CallsPerMinute = 0.5 } }).Validate().ShouldNotBeNull().ShouldContain("calls a minute");
    }
}
