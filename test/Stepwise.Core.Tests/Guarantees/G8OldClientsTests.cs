using Stepwise.Core.Clients;
using Stepwise.Core.Config;
using Stepwise.Core.Decisions;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Guarantees;

public class G8OldClientsTests
{
    private const string Yaml = """
        policy:
          canary: { nodes: 1 }
          heartbeatTimeout: 30s
          retention: { clientTelemetry: 30d }
          clients:
            minimumVersions: { old-client: 1.0.0 }
          analysis:
            metrics: []
        services:
          - name: orders
            releases:
              - version: 1.0.0
                provides: ["GET /orders", "DELETE /orders/{id}", "POST /orders/{id}/cancel"]
              - version: 1.1.0
                provides: ["GET /orders", "DELETE /orders/{id}", "POST /orders/{id}/cancel"]
                deprecates: ["DELETE /orders/{id}"]
              - version: 1.2.0
                provides: ["GET /orders"]
        """;

    /// <summary>orders 1.0.0 and 1.1.0 only: registrations compare with the newest earlier release.</summary>
    private static readonly string RegistrationYaml = Yaml[..Yaml.IndexOf("      - version: 1.2.0", StringComparison.Ordinal)];

    private static World NewWorld() => new World(RegistrationYaml).Nodes("orders", "1.1.0", 2).Current("orders", "1.1.0");

    private static (CompleteRequest Done, Decisions.Decisions Decisions) Register(World world, string version, params string[] provides)
    {
        var id = world.Register("orders", World.Declared(version, provides: provides));
        var decisions = world.Step();
        return (decisions.Of<CompleteRequest>().Single(c => c.Request == id), decisions);
    }

    [Fact]
    public void a_registration_that_removes_an_operation_clients_still_call_is_refused_with_the_callers_and_what_unblocks_it()
    {
        var world = NewWorld()
            .Calls("orders", "DELETE /orders/{id}", "old-client", "1.2.0", 40)
            .Calls("orders", "DELETE /orders/{id}", "old-client", "1.0.0", 2, TimeSpan.FromDays(3))
            .Calls("orders", "DELETE /orders/{id}", "ios-app", "4.2.1", 7)
            .Calls("orders", "GET /orders", "web", "9.0.0", 1_000)
            .Calls("payments", "DELETE /orders/{id}", "other", "1.0.0", 5);

        var (done, decisions) = Register(world, "1.3.0", "GET /orders", "POST /orders/{id}/cancel");

        done.Accepted.ShouldBeFalse();
        var refusal = decisions.Refusal(GuaranteeId.G8).ShouldNotBeNull();
        refusal.Subject.ShouldBe("release orders@1.3.0");
        refusal.Message.ShouldContain("old-client 1.x (42 calls: 1.2.0 40, 1.0.0 2)");
        refusal.Message.ShouldContain("ios-app 4.x (7 calls");
        refusal.Message.ShouldNotContain("web");
        refusal.Message.ShouldNotContain("other");
        refusal.Blockers.Where(b => b.Kind == BlockerKind.Client).Select(b => b.Id).ShouldBe(["old-client 1.2.0", "ios-app 4.2.1", "old-client 1.0.0"]);
        refusal.Unblock.ShouldContain("guarantee G8, subject \"release orders@1.3.0\"");
        refusal.Unblock.ShouldContain("not before");
        world.State.Config.FindRelease("orders", "1.3.0").ShouldBeNull();
    }

    [Fact]
    public void the_gate_passes_once_the_window_holds_no_calls()
    {
        var world = NewWorld().Calls("orders", "DELETE /orders/{id}", "old-client", "1.2.0", 40, TimeSpan.FromDays(29));
        Register(world, "1.3.0", "GET /orders", "POST /orders/{id}/cancel").Done.Accepted.ShouldBeFalse();

        world.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));

        Register(world, "1.3.0", "GET /orders", "POST /orders/{id}/cancel").Done.Accepted.ShouldBeTrue();
    }

    [Fact]
    public void an_operation_no_earlier_release_deprecated_cannot_be_removed_even_without_callers()
    {
        var world = NewWorld();
        var (done, decisions) = Register(world, "1.3.0", "GET /orders", "DELETE /orders/{id}");

        done.Accepted.ShouldBeFalse();
        var refusal = decisions.Refusal(GuaranteeId.G8).ShouldNotBeNull();
        refusal.Message.ShouldContain("no release before it deprecated POST /orders/{id}/cancel");
        refusal.Unblock.ShouldContain("deprecate POST /orders/{id}/cancel");
    }

    [Fact]
    public void clients_already_below_their_minimum_version_do_not_hold_a_removal()
    {
        var world = NewWorld().Calls("orders", "DELETE /orders/{id}", "old-client", "0.9.0", 40);
        Register(world, "1.3.0", "GET /orders", "POST /orders/{id}/cancel").Done.Accepted.ShouldBeTrue();
    }

    [Fact]
    public void an_override_with_a_reason_sets_the_refusal_aside_and_its_use_is_reported()
    {
        var world = NewWorld().Calls("orders", "DELETE /orders/{id}", "old-client", "1.2.0", 40);
        world.Override(GuaranteeId.G8, "release orders@1.3.0", "old-client 1.x is end-of-life");

        var (done, decisions) = Register(world, "1.3.0", "GET /orders", "POST /orders/{id}/cancel");

        done.Accepted.ShouldBeTrue();
        decisions.Of<UseOverride>().ShouldHaveSingleItem().Reason.ShouldContain("old-client 1.x is end-of-life");
    }

    [Fact]
    public void rolling_out_a_declared_release_that_removes_a_called_operation_is_refused_and_a_rollback_is_not()
    {
        var world = new World(Yaml).Nodes("orders", "1.1.0", 2).Current("orders", "1.1.0").Calls("orders", "DELETE /orders/{id}", "old-client", "1.2.0", 40);
        world.StartRollout("orders", "1.2.0");

        var decisions = world.Step();

        decisions.Started("orders").ShouldBeFalse();
        var refusal = decisions.Refusal(GuaranteeId.G8).ShouldNotBeNull();
        refusal.Subject.ShouldBe("rollout orders@1.2.0");
        refusal.Message.ShouldContain("old-client 1.x (40 calls");
        refusal.Message.ShouldContain("POST /orders/{id}/cancel"); // removed without a deprecation

        var back = new World(Yaml).Nodes("orders", "1.2.0", 2).Current("orders", "1.2.0").Calls("orders", "DELETE /orders/{id}", "old-client", "1.2.0", 40);
        back.StartRollout("orders", "1.1.0");
        back.Step().Refusal(GuaranteeId.G8).ShouldBeNull();
    }

    [Fact]
    public void raising_a_minimum_version_above_clients_that_still_call_is_refused_and_lowering_it_is_not()
    {
        var config = ConfigLoader.Parse(Yaml, "stepwise.yaml");
        var calls = new List<ClientCalls>
        {
            new("orders", "GET /orders", "old-client", "1.2.0", 40, World.Start.AddHours(-1)),
            new("orders", "GET /orders", "old-client", "0.9.0", 3, World.Start.AddHours(-1)), // below the minimum in force: cut off already
            new("orders", "GET /orders", "old-client", "2.1.0", 9, World.Start.AddHours(-1)),
            new("orders", "GET /orders", "old-client", "1.1.0", 9, World.Start.AddDays(-31)), // outside the window
        };
        var snapshot = Snapshot.Of(config, []) with { Clients = calls };

        var raised = G8OldClients.CheckPolicyChange(snapshot, World.Start, new ClientPolicy([new MinimumVersion("old-client", "2.0.0")]));
        var refusal = raised.Refusals.ShouldHaveSingleItem();
        refusal.Guarantee.ShouldBe(GuaranteeId.G8);
        refusal.Subject.ShouldBe("minimum-version old-client 2.0.0");
        refusal.Blockers.Select(b => b.Id).ShouldBe(["old-client 1.2.0"]);
        refusal.Message.ShouldContain("from 1.0.0 to 2.0.0");

        G8OldClients.CheckPolicyChange(snapshot, World.Start, new ClientPolicy([new MinimumVersion("old-client", "0.5.0")])).Refusals.ShouldBeEmpty();
        G8OldClients.CheckPolicyChange(snapshot, World.Start, new ClientPolicy([new MinimumVersion("ios-app", "4.0.0")])).Refusals.ShouldBeEmpty();

        var overridden = snapshot with { Overrides = [new Override("o1", GuaranteeId.G8, "minimum-version old-client 2.0.0", "1.x is insecure", "ops", World.Start)] };
        var allowed = G8OldClients.CheckPolicyChange(overridden, World.Start, new ClientPolicy([new MinimumVersion("old-client", "2.0.0")]));
        allowed.Refusals.ShouldBeEmpty();
        allowed.Actions.OfType<UseOverride>().ShouldHaveSingleItem();
    }

    [Theory]
    [InlineData("1.0.0", "1.0.1", -1)]
    [InlineData("4.2", "4.2.0", 0)]
    [InlineData("4.2.1+build.7", "4.2.1", 0)]
    [InlineData("4.0.0-beta.2", "4.0.0", -1)]
    [InlineData("4.0.0-beta.2", "4.0.0-beta.11", -1)]
    [InlineData("4.0.0-alpha", "4.0.0-alpha.1", -1)]
    [InlineData("4.0.0-1", "4.0.0-alpha", -1)]
    [InlineData("4.10.0", "4.9.0", 1)]
    [InlineData("99999999999999999999.0.0", "9.0.0", 1)]
    public void client_versions_compare_by_semver_precedence(string a, string b, int expected)
    {
        Math.Sign(ClientVersions.Compare(a, b)).ShouldBe(expected);
        Math.Sign(ClientVersions.Compare(b, a)).ShouldBe(-expected);
    }

    [Theory]
    [InlineData("4.02.1")]
    [InlineData("4")]
    [InlineData("v4.2.1")]
    [InlineData("4.2.1-")]
    [InlineData("4.2.1-01")]
    [InlineData("4.2.1+")]
    [InlineData("4.2.1.7")]
    [InlineData("")]
    [InlineData("4.2.1-a..b")]
    public void malformed_client_versions_are_refused(string version) => ClientVersions.Normalise(version).ShouldBeNull();

    [Theory]
    [InlineData("4.2", "4.2.0")]
    [InlineData("4.2.1", "4.2.1")]
    [InlineData("4.2.1+build.7", "4.2.1")]
    [InlineData("4.2+build.7", "4.2.0")]
    [InlineData("4.2-rc.1", "4.2.0-rc.1")]
    [InlineData("4.2-rc.1+b", "4.2.0-rc.1")]
    [InlineData("0.0.0-0-x.y", "0.0.0-0-x.y")]
    [InlineData("10.20.30-alpha.beta+exp.sha.5114f85", "10.20.30-alpha.beta")]
    public void client_versions_are_normalised_with_the_patch_filled_in_and_build_metadata_dropped(string version, string normal)
    {
        ClientVersions.Normalise(version).ShouldBe(normal);
        ClientVersions.Normalise(normal).ShouldBeSameAs(normal, "a version already normal is returned as it is");
    }

    [Fact]
    public void minimum_versions_are_read_from_stepwise_yaml_and_bad_ones_name_the_line()
    {
        ConfigLoader.Parse(Yaml, "stepwise.yaml").Policy.ClientRules.MinimumOf("old-client").ShouldBe("1.0.0");
        var bad = Yaml.Replace("{ old-client: 1.0.0 }", "{ old-client: v1, \"bad app\": 1.0.0, unknown: 1.0.0 }", StringComparison.Ordinal);
        var errors = Should.Throw<ConfigException>(() => ConfigLoader.Parse(bad, "stepwise.yaml")).Errors;
        errors.Count.ShouldBe(3);
        errors.ShouldAllBe(e => e.Line == 6);
    }

    [Fact]
    public void the_policy_a_release_sees_names_what_earlier_releases_removed_and_what_it_deprecates()
    {
        var orders = ConfigLoader.Parse(Yaml, "stepwise.yaml").FindService("orders")!;
        OperationHistory.Removed(orders, orders.Find("1.2.0")!).ShouldBe([
            new RemovedOperation("DELETE /orders/{id}", "1.2.0"), new RemovedOperation("POST /orders/{id}/cancel", "1.2.0")]);
        OperationHistory.Deprecated(orders, orders.Find("1.1.0")!).ShouldBe([new DeprecatedOperation("DELETE /orders/{id}", "1.1.0")]);
        OperationHistory.Removed(orders, orders.Find("1.0.0")!).ShouldBeEmpty();
    }
}
