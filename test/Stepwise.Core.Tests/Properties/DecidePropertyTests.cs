using CsCheck;
using Stepwise.Core.Decisions;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Properties;

/// <summary>
/// Property tests: random fleets (releases, states, health, heartbeat ages), data-phase states and operator requests
/// on the shop configuration, run for a few controller steps with agents converging and time passing. After every
/// step an independent checker, written here from the guarantees' statements and not from Core's guarantee classes,
/// looks at what Decide did. Failing cases shrink to a minimal scenario.
/// </summary>
public class DecidePropertyTests
{
    private static readonly string[] Services = ["payments", "orders", "catalog"];

    /// <summary>One node: service, release ordinal, desired (-1 none, 0 same, 1 next), state, health, heartbeat age.</summary>
    public sealed record NodeSpec(int Service, int Actual, int Desired, int State, bool Healthy, int AgeSeconds);

    /// <summary>An operator request: 0 start a rollout (service, version), 1 run a data phase (phase).</summary>
    public sealed record RequestSpec(int Kind, int A, int B);

    public sealed record Scenario(NodeSpec[] Nodes, int[] Current, int[] Phases, RequestSpec[] Requests, int[] Between);

    private static readonly Gen<NodeSpec> NodeGen =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[-1, 1], Gen.Frequency((6, Gen.Const(0)), (1, Gen.Int[1, 3])), Gen.Frequency((5, Gen.Const(true)), (1, Gen.Const(false))), Gen.Int[0, 120])
            .Select((s, a, d, st, h, age) => new NodeSpec(s, a, d, st, h, age));

    private static readonly Gen<Scenario> ScenarioGen = Gen.Select(
        NodeGen.Array[1, 12],
        Gen.Int[0, 3].Array[3],
        Gen.Int[0, 3].Array[3],
        Gen.Select(Gen.Int[0, 1], Gen.Int[0, 3], Gen.Int[0, 3]).Select((k, a, b) => new RequestSpec(k, a, b)).Array[0, 3],
        Gen.Int[0, 3].Array[1, 6])
        .Select((n, c, p, r, b) => new Scenario(n, c, p, r, b));

    private static readonly NodeState[] States = [NodeState.Active, NodeState.Offline, NodeState.Quarantined, NodeState.Decommissioned];

    private static readonly DataPhaseKind[] PhaseKinds = [DataPhaseKind.Expand, DataPhaseKind.Backfill, DataPhaseKind.Contract];

    [Fact]
    public void decide_never_takes_a_step_the_independent_checker_flags() => Holds(Decider.Default, 10_000);

    /// <summary>The checker is not vacuous: with one guarantee's rule switched off, it finds a counterexample.</summary>
    [Theory]
    [InlineData("G1")]
    [InlineData("G3")]
    [InlineData("G4")]
    public void the_checker_catches_a_decide_with_a_rule_switched_off(string rule)
    {
        var set = rule switch
        {
            "G1" => new GuaranteeSet(new LaxG1(), new(), new(), new(), new(), new(), new()),
            "G3" => new GuaranteeSet(new(), new(), new LaxG3(), new(), new(), new(), new()),
            _ => new GuaranteeSet(new(), new(), new(), new LaxG4(), new(), new(), new()),
        };
        Should.Throw<Exception>(() => Holds(new Decider(set), 10_000)).ToString().ShouldContain(rule + ":");
    }

    private sealed class LaxG1 : G1VersionWindow
    {
        public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal) => false;
    }

    private sealed class LaxG3 : G3DataBeforeCode
    {
        public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal) => false;
    }

    private sealed class LaxG4 : G4ContractAfterCode
    {
        public override bool CheckDataPhase(DecisionBuilder builder, DataPhaseProposal proposal) => false;

        public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal) => false;
    }

    private static void Holds(Decider decider, long cases)
    {
        ScenarioGen.Sample(scenario =>
        {
            var world = Build(scenario);
            world.Decider = decider;
            foreach (var between in scenario.Between)
            {
                var before = world.State.CopySnapshot();
                var decisions = world.Decide();
                Summary(world.Decider.Run(world.State.CopySnapshot(), world.Now)).ShouldBe(Summary(decisions), "Decide is not deterministic");
                world.State.Apply(decisions, world.Now);
                var flagged = Checker.Check(before, world.State, decisions, world.Now);
                flagged.ShouldBeEmpty(string.Join("\n", decisions.Actions.Select(a => a.Reason)));
                _ = between switch
                {
                    0 => world.Converge(),
                    1 => world.Advance(TimeSpan.FromSeconds(20)),
                    2 => world.Converge().Advance(TimeSpan.FromMinutes(11)),
                    _ => world.Advance(TimeSpan.FromMinutes(2)),
                };
            }
        }, iter: cases, print: Print);
    }

    private static string Print(Scenario s) =>
        $"nodes [{string.Join("; ", s.Nodes.Select(n => $"{Services[n.Service]} r{n.Actual} d{n.Desired} {States[n.State]} {(n.Healthy ? "healthy" : "unhealthy")} {n.AgeSeconds}s"))}] " +
        $"current [{string.Join(",", s.Current)}] phases [{string.Join(",", s.Phases)}] requests [{string.Join("; ", s.Requests.Select(r => $"{r.Kind}:{r.A}:{r.B}"))}] between [{string.Join(",", s.Between)}]";

    private static string Summary(Decisions.Decisions d) => string.Join("\n", d.Actions.Select(a => $"{a.GetType().Name}: {a.Reason}"));

    private static World Build(Scenario s)
    {
        var world = new World();
        var releases = Services.Select(name => world.State.Config.FindService(name)!.Releases).ToArray();
        for (var i = 0; i < s.Nodes.Length; i++)
        {
            var spec = s.Nodes[i];
            var list = releases[spec.Service];
            var actual = list[Math.Min(spec.Actual, list.Count - 1)];
            var desired = spec.Desired switch
            {
                -1 => null,
                0 => actual.Version,
                _ => list[Math.Min(actual.Ordinal + 1, list.Count - 1)].Version,
            };
            var at = world.Now - TimeSpan.FromSeconds(spec.AgeSeconds);
            world.State.Upsert(new Node($"{Services[spec.Service]}-{i}", Services[spec.Service], actual.Version, desired, at,
                spec.Healthy ? NodeHealth.Healthy : NodeHealth.Unhealthy, States[spec.State], at));
        }
        for (var k = 0; k < Services.Length; k++)
        {
            var list = releases[k];
            world.Current(Services[k], list[Math.Min(s.Current[k], list.Count - 1)].Version);
        }
        // Phases in order: a later phase has a state only when the earlier ones completed.
        for (var k = 0; k < PhaseKinds.Length; k++)
        {
            var state = s.Phases[k] switch { 0 => (DataPhaseState?)null, 1 => DataPhaseState.Running, 2 => DataPhaseState.Complete, _ => DataPhaseState.Failed };
            if (state is null)
            {
                break;
            }
            world.Phase("contact-email", PhaseKinds[k], state.Value, TimeSpan.FromMinutes(5 + (10 * k)));
            if (state != DataPhaseState.Complete)
            {
                break;
            }
        }
        foreach (var r in s.Requests)
        {
            if (r.Kind == 0)
            {
                var list = releases[r.A % Services.Length];
                world.StartRollout(Services[r.A % Services.Length], list[Math.Min(r.B, list.Count - 1)].Version);
            }
            else
            {
                world.RunPhase("contact-email", PhaseKinds[r.B % PhaseKinds.Length]);
            }
        }
        return world;
    }
}
