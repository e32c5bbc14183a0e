using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Simulation.Tests;

/// <summary>The checker's G8 rules on a hand-made world with client populations: each fires on what it forbids, and only then.</summary>
public class InvariantCheckerClientTests
{
    private static readonly TimeSpan Window = ClientPopulation.Default.Window;

    /// <summary>Every node healthy on 1.0.0; every client version there at the start called everything it calls at the epoch.</summary>
    private sealed class Fixture
    {
        public Fixture(ClientPolicy? minimums = null)
        {
            World = new SimWorld(new SimulationOptions(12, 3, 1, FaultProfile.None) { Clients = ClientPopulation.Default });
            Agents = new Agents(12);
            var config = minimums is null ? World.Config : World.Config.Relink(d => d with { Policy = d.Policy with { Clients = minimums } });
            State = new ControllerState(Snapshot.Of(config, []));
            for (var i = 0; i < 12; i++)
            {
                State.Upsert(new Node(World.NodeIds[i], SimWorld.ServiceName(World.NodeService[i]), SimWorld.Base, SimWorld.Base, SimWorld.Epoch, NodeHealth.Healthy, NodeState.Active));
            }
            foreach (var service in World.Config.Services)
            {
                State.Services.Add(new ServiceStatus(service.Name, SimWorld.Base));
            }
            Clients = new ClientPopulationState(ClientPopulation.Default);
            Clients.Call(SimWorld.Epoch, new Random(1));
            Checker = new InvariantChecker(World, Agents, new StoreTruth(), State, State.Node, Clients) { Now = SimWorld.Epoch + TimeSpan.FromMinutes(5) };
        }

        public SimWorld World { get; }
        public Agents Agents { get; }
        public ControllerState State { get; }
        public ClientPopulationState Clients { get; }
        public InvariantChecker Checker { get; }

        public IReadOnlyList<string> Svc0Nodes => [.. Enumerable.Range(0, 12).Where(i => World.NodeService[i] == 0).Select(i => World.NodeIds[i])];

        public void Override(string subject, string reason = "told them months ago") =>
            State.Overrides.Add(new Override("ovr-1", GuaranteeId.G8, subject, reason, "test", SimWorld.Epoch));

        public List<Violation> After(params DecisionAction[] actions)
        {
            Checker.AfterTick(new Decisions(actions, []));
            return [.. Checker.Found];
        }

        public List<Violation> RaiseMinimum(string app, string version)
        {
            State.Config = State.Config.Relink(d => d with { Policy = d.Policy with { Clients = new ClientPolicy([new MinimumVersion(app, version)]) } });
            Checker.Check();
            return [.. Checker.Found.Where(v => v.Guarantee == "G8")];
        }

        public SetDesiredRelease ReadsNew() => new("svc-0", SimWorld.ReadsNew, [Svc0Nodes[0]], "svc-0-1.3.0-1", "canary");
    }

    [Fact]
    public void telling_serving_nodes_to_drop_an_operation_clients_called_within_the_window_breaks_old_clients()
    {
        var f = new Fixture();

        var found = f.After(f.ReadsNew());

        found.Select(v => v.Guarantee).ShouldBe(["G8"]);
        found[0].Message.ShouldContain(SimWorld.Legacy);
        found[0].Message.ShouldContain("mobile 1.0.0");
    }

    [Fact]
    public void the_same_removal_is_kept_once_the_callers_are_older_than_the_window()
    {
        var f = new Fixture();
        f.Checker.Now = SimWorld.Epoch + Window + TimeSpan.FromSeconds(1);

        f.After(f.ReadsNew()).ShouldBeEmpty();
    }

    [Fact]
    public void an_override_with_a_reason_sets_the_removal_aside_and_one_without_a_reason_does_not()
    {
        var f = new Fixture();
        f.Override($"rollout svc-0@{SimWorld.ReadsNew}", reason: " ");

        f.After(f.ReadsNew()).ShouldNotBeEmpty();

        var g = new Fixture();
        g.Override($"rollout svc-0@{SimWorld.ReadsNew}");

        g.After(g.ReadsNew()).ShouldBeEmpty();
    }

    [Fact]
    public void callers_already_below_their_apps_minimum_version_do_not_count()
    {
        var f = new Fixture(new ClientPolicy([new MinimumVersion("mobile", "2.0.0"), new MinimumVersion("partner", "3.1.0")]));

        f.After(f.ReadsNew()).ShouldBeEmpty();
    }

    [Fact]
    public void rolling_back_to_a_release_that_lacks_what_a_later_one_added_is_not_a_removal()
    {
        var f = new Fixture();
        var caller = Enumerable.Range(0, 12).First(i => f.World.NodeService[i] == 1);
        f.Agents.Running[caller] = 1; // svc-1 1.1.0 adds v2; going back to 1.0.0 takes it away again
        f.Checker.Touch(caller);

        f.After(new SetDesiredRelease("svc-1", SimWorld.Base, [f.World.NodeIds[caller]], "svc-1-1.1.0-1", "roll back")).ShouldBeEmpty();
    }

    [Fact]
    public void registering_a_release_that_drops_an_operation_nobody_deprecated_breaks_old_clients_even_once_nobody_calls_it()
    {
        var (service, release) = new Fixture().World.ClientRegistration!.Value;
        var register = new RegisterRelease(service, release, "op-1", "registered");

        var f = new Fixture();
        f.After(register).Select(v => v.Message).ShouldContain(m => m.Contains("no release before it deprecated", StringComparison.Ordinal));
        f.Checker.Found.ShouldContain(v => v.Message.Contains("partner 3.1.0", StringComparison.Ordinal));

        var quiet = new Fixture();
        quiet.Checker.Now = SimWorld.Epoch + Window + TimeSpan.FromMinutes(1);
        quiet.After(register).Select(v => v.Guarantee).ShouldBe(["G8"]);

        var overridden = new Fixture();
        overridden.Override($"release {service}@{release.Version}");
        overridden.After(register).ShouldBeEmpty();
    }

    [Fact]
    public void raising_a_minimum_version_above_versions_that_still_call_breaks_old_clients_unless_overridden()
    {
        var f = new Fixture();
        f.RaiseMinimum("mobile", "2.0.0").ShouldHaveSingleItem().Message.ShouldContain("mobile 1.1.0");

        var g = new Fixture();
        g.Override("minimum-version mobile 2.0.0");
        g.RaiseMinimum("mobile", "2.0.0").ShouldBeEmpty();

        var h = new Fixture();
        h.Checker.Now = SimWorld.Epoch + Window + TimeSpan.FromSeconds(1);
        h.RaiseMinimum("mobile", "2.0.0").ShouldBeEmpty();
    }

    [Fact]
    public void raising_a_minimum_to_the_oldest_version_cuts_nobody_off()
    {
        var f = new Fixture();

        f.RaiseMinimum("mobile", "1.0.0").ShouldBeEmpty();
        f.RaiseMinimum("partner", "3.0.0").ShouldBeEmpty();
    }
}
