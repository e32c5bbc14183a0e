using Stepwise.Core.Decisions;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Guarantees;

public class G6CompatibleContractsTests
{
    /// <summary>Records what it was asked to compare; a document whose text holds "break" breaks.</summary>
    private sealed class RecordingComparer : IContractComparer
    {
        public List<(string Kind, string Previous, string Next)> Calls { get; } = [];

        public ContractComparison Compare(string kind, IReadOnlyList<ContractDocument> previous, IReadOnlyList<ContractDocument> next)
        {
            Calls.Add((kind, previous[0].Content, next[0].Content));
            if (next[0].Content.Contains("unreadable", StringComparison.Ordinal))
            {
                throw new ContractInputException("contract.yaml:3: not YAML");
            }
            return next[0].Content.Contains("break", StringComparison.Ordinal)
                ? new ContractComparison([new ContractFinding("response-property-removed", "error", "backward", "#/paths/~1orders/get", "a property callers read is gone", "deprecate it first")], [])
                : new ContractComparison([], []);
        }
    }

    private static (World World, RecordingComparer Comparer) WorldWithComparer()
    {
        var comparer = new RecordingComparer();
        var world = new World().Nodes("catalog", "1.2.0", 2).Current("catalog", "1.2.0");
        world.Decider = new Decider(GuaranteeSet.With(comparer));
        return (world, comparer);
    }

    private static ContractDocument OpenApi(string text) => new("openapi", text);

    private static ContractDocument Schema(string text) => new("jsonschema", text);

    private static CompleteRequest Registered(World world, string version, params ContractDocument[] contracts)
    {
        var id = world.Register("catalog", World.Declared(version, contracts: contracts));
        return world.Step().Of<CompleteRequest>().Single(c => c.Request == id);
    }

    [Fact]
    public void each_contract_kind_is_compared_with_the_newest_earlier_release_that_has_one_of_that_kind()
    {
        var (world, comparer) = WorldWithComparer();
        Registered(world, "1.3.0", OpenApi("openapi-A"), Schema("schema-A")).Accepted.ShouldBeTrue();
        world.Override(GuaranteeId.G6, "release catalog@1.4.0", "the schema moved to another service");
        Registered(world, "1.4.0", OpenApi("openapi-B")).Accepted.ShouldBeTrue();
        comparer.Calls.Clear();

        Registered(world, "1.5.0", OpenApi("openapi-C"), Schema("schema-C")).Accepted.ShouldBeTrue();

        comparer.Calls.ShouldBe([("openapi", "openapi-B", "openapi-C"), ("jsonschema", "schema-A", "schema-C")], ignoreOrder: true);
    }

    [Fact]
    public void a_release_that_drops_a_contract_kind_its_predecessors_had_is_refused_unless_overridden()
    {
        var (world, _) = WorldWithComparer();
        Registered(world, "1.3.0", OpenApi("openapi-A"), Schema("schema-A"));

        var refused = world.Register("catalog", World.Declared("1.4.0", contracts: [OpenApi("openapi-B")]));
        var decisions = world.Step();

        decisions.Of<CompleteRequest>().Single(c => c.Request == refused).Accepted.ShouldBeFalse();
        var refusal = decisions.Refusal(GuaranteeId.G6).ShouldNotBeNull();
        refusal.Subject.ShouldBe("release catalog@1.4.0");
        refusal.Message.ShouldContain("no jsonschema contract");
        refusal.Blockers.ShouldContain(b => b.Kind == BlockerKind.Contract);
        world.State.Config.FindRelease("catalog", "1.4.0").ShouldBeNull();
    }

    [Fact]
    public void breaking_findings_refuse_the_registration_and_every_one_is_carried_by_the_refusal()
    {
        var (world, _) = WorldWithComparer();
        Registered(world, "1.3.0", OpenApi("openapi-A"));

        var id = world.Register("catalog", World.Declared("1.4.0", contracts: [OpenApi("openapi-break")]));
        var decisions = world.Step();

        decisions.Of<CompleteRequest>().Single(c => c.Request == id).Accepted.ShouldBeFalse();
        var refusal = decisions.Refusal(GuaranteeId.G6).ShouldNotBeNull();
        refusal.Findings.ShouldNotBeNull().ShouldHaveSingleItem().RuleId.ShouldBe("response-property-removed");
        refusal.Message.ShouldContain("#/paths/~1orders/get");
        world.State.Config.FindRelease("catalog", "1.4.0").ShouldBeNull();
    }

    [Fact]
    public void the_first_contract_of_a_kind_has_nothing_to_be_compatible_with()
    {
        var (world, comparer) = WorldWithComparer();

        Registered(world, "1.3.0", OpenApi("openapi-break")).Accepted.ShouldBeTrue();

        // Nothing earlier to compare with: the contract is only read (against itself), so its findings cannot refuse.
        comparer.Calls.ShouldBe([("openapi", "openapi-break", "openapi-break")]);
    }

    [Fact]
    public void an_unreadable_first_contract_of_a_kind_is_refused_at_registration()
    {
        var (world, _) = WorldWithComparer();

        var completion = Registered(world, "1.3.0", OpenApi("unreadable"));

        completion.Accepted.ShouldBeFalse();
        completion.Reason.ShouldContain("a contract cannot be read");
        world.State.Config.FindRelease("catalog", "1.3.0").ShouldBeNull();
    }
}
