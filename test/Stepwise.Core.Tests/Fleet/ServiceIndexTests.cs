using Shouldly;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Xunit;

namespace Stepwise.Core.Tests.Fleet;

/// <summary>The per-call index of one service's nodes: lookups by id and by version give the same answers however the nodes are listed.</summary>
public class ServiceIndexTests
{
    private static ServiceIndex Index(IEnumerable<string> ids)
    {
        var service = new World().State.Config.FindService("catalog")!;
        var index = new ServiceIndex(service);
        foreach (var id in ids)
        {
            index.Add(new Node(id, "catalog", "1.0.0", null, null, NodeHealth.Healthy, NodeState.Active));
        }
        return index;
    }

    public static TheoryData<string[]> Orders() => new()
    {
        new[] { "a", "b", "c", "d", "e" },
        new[] { "e", "c", "a", "d", "b" },
        new[] { "b", "a" },
        Array.Empty<string>(),
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void every_listed_node_is_found_by_id_and_no_other_whatever_the_order(string[] ids)
    {
        var index = Index(ids);
        foreach (var id in ids)
        {
            index.Node(id).ShouldNotBeNull().Id.ShouldBe(id);
        }
        index.Node("zz").ShouldBeNull();
        index.Node("").ShouldBeNull();
    }

    [Fact]
    public void versions_are_found_by_content_whichever_instance_asks_first()
    {
        var index = Index(["a"]);
        var versions = new[] { "1.0.0", "1.1.0", "9.9.9", "1.0.0", "1.1.0", "1.2.0", "1.0.0", "nope", "1.1.0" };
        foreach (var v in versions)
        {
            var copy = new string(v.AsSpan());
            index.Find(copy).ShouldBe(index.Service.Find(v));
            index.Find(copy).ShouldBe(index.Service.Find(v), "asked again with the same instance");
            index.OrdinalOf(copy).ShouldBe(index.Service.OrdinalOf(v));
        }
        index.Find(null).ShouldBeNull();
    }
}
