using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Operators;

/// <summary>Releases registered through the API go through the same linker and gates as stepwise.yaml's.</summary>
public class RegistrationTests
{
    private static World OrdersOn13() =>
        new World().Nodes("payments", "1.1.0", 2).Current("payments", "1.1.0").Nodes("orders", "1.3.0", 3).Current("orders", "1.3.0")
            .Phase("contact-email", DataPhaseKind.Expand, DataPhaseState.Complete)
            .Phase("contact-email", DataPhaseKind.Backfill, DataPhaseState.Complete);

    [Fact]
    public void a_registered_release_that_uses_the_old_shape_blocks_the_contract_like_a_declared_one()
    {
        var world = OrdersOn13();
        world.Register("orders", World.Declared("1.4.0", provides: ["GET /orders/{id}", "POST /orders/{id}/refund"], usesOldShapeOf: ["contact-email"]));
        world.Step().Of<RegisterRelease>().ShouldHaveSingleItem();
        world.State.Config.OldShapeUsers("contact-email").ShouldContain(new ReleaseRef("orders", "1.4.0"));
        world.Nodes("orders", "1.4.0", 1, prefix: "hot");
        world.RunPhase("contact-email", DataPhaseKind.Contract);

        var decisions = world.Decide();

        decisions.Refusal(GuaranteeId.G4).ShouldNotBeNull().Message.ShouldContain("orders@1.4.0 on hot-4");
        decisions.Of<RunDataPhase>().ShouldBeEmpty();
    }

    [Fact]
    public void a_registered_release_is_found_by_its_version_even_when_a_plan_names_releases()
    {
        // The configuration was linked (and its plan looked releases up) before the registration: nothing cached goes stale.
        var world = new World(World.ShopYaml + "\nplans:\n  - id: ship-refunds\n    steps:\n      - release: orders@1.3.0\n")
            .Nodes("orders", "1.3.0", 3).Current("orders", "1.3.0");
        world.State.Config.FindPlan("ship-refunds").ShouldNotBeNull().Steps.ShouldHaveSingleItem();
        world.Register("orders", World.Declared("1.4.0", provides: ["GET /orders/{id}", "POST /orders/{id}/refund"]));

        world.Step();

        var release = world.State.Config.FindRelease("orders", "1.4.0").ShouldNotBeNull();
        release.Ordinal.ShouldBe(4);
        release.Origin.ShouldBe(ReleaseOrigin.Registered);
        // It calls what its service calls from every release (linked like a declared one).
        release.Calls.ShouldContain(new OperationCall("payments", "POST /payments"));
    }

    [Fact]
    public void the_same_registration_again_is_accepted_without_a_second_release_and_another_body_is_refused()
    {
        var world = OrdersOn13();
        world.Register("orders", World.Declared("1.4.0", provides: ["GET /orders/{id}", "POST /orders/{id}/refund"]));
        world.Step();

        var again = world.Register("orders", World.Declared("1.4.0", provides: ["GET /orders/{id}", "POST /orders/{id}/refund"]));
        var other = world.Register("orders", World.Declared("1.4.0", provides: ["GET /orders/{id}", "GET /orders"]));
        var decisions = world.Step();

        decisions.Of<RegisterRelease>().ShouldBeEmpty();
        decisions.Of<CompleteRequest>().Single(c => c.Request == again).Accepted.ShouldBeTrue();
        decisions.Of<CompleteRequest>().Single(c => c.Request == other).Accepted.ShouldBeFalse();
        world.State.Config.FindService("orders")!.Releases.Count(r => r.Version == "1.4.0").ShouldBe(1);
    }

    [Fact]
    public void a_registration_that_does_not_link_is_refused_with_what_is_wrong()
    {
        var world = OrdersOn13();
        var id = world.Register("orders", World.Declared("1.4.0", needs: ["contact-emial"]));

        var done = world.Step().Of<CompleteRequest>().Single(c => c.Request == id);

        done.Accepted.ShouldBeFalse();
        done.Reason.ShouldContain("unknown data change 'contact-emial'");
        done.Reason.ShouldContain("did you mean 'contact-email'");
        world.State.Config.FindRelease("orders", "1.4.0").ShouldBeNull();
    }

    [Fact]
    public void a_release_nobody_runs_can_be_retired_and_then_no_longer_holds_the_window()
    {
        var world = OrdersOn13();
        world.Register("orders", World.Declared("1.4.0", provides: ["GET /orders/{id}", "POST /orders/{id}/refund"]));
        world.Step();
        world.Register("orders", World.Declared("1.5.0", provides: ["GET /orders/{id}", "POST /orders/{id}/refund"]));
        world.Step();
        world.StartRollout("orders", "1.5.0");
        world.Step().Refusal(GuaranteeId.G1).ShouldNotBeNull().Unblock.ShouldContain("roll orders through 1.4.0");

        var retire = world.Request(RequestKind.RetireRelease, "orders", "1.4.0");
        world.Step().Of<RetireRelease>().ShouldHaveSingleItem();

        world.State.Config.FindRelease("orders", "1.4.0").ShouldBeNull();
        world.State.Config.FindRelease("orders", "1.5.0")!.Ordinal.ShouldBe(4);
        world.StartRollout("orders", "1.5.0");
        world.Step().Started("orders").ShouldBeTrue();
        retire.ShouldNotBeNull();
    }

    [Fact]
    public void retiring_a_release_a_node_runs_or_the_current_one_is_refused_with_what_holds_it()
    {
        var world = OrdersOn13().Nodes("orders", "1.2.0", 1, prefix: "lag");
        var running = world.Request(RequestKind.RetireRelease, "orders", "1.2.0");
        var current = world.Request(RequestKind.RetireRelease, "orders", "1.3.0");

        var done = world.Step().Of<CompleteRequest>().ToList();

        done.Single(c => c.Request == running).Reason.ShouldContain("lag-4");
        done.Single(c => c.Request == current).Reason.ShouldContain("current release");
        done.ShouldAllBe(c => !c.Accepted);
        world.State.Config.FindRelease("orders", "1.2.0").ShouldNotBeNull();
    }
}
