using Shouldly;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;
using Xunit;

namespace Stepwise.Core.Tests.Fleet;

public class NodeTableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Each heartbeat brings its own copy of the same text, as JSON deserialisation does.
    private static string Copy(string s) => new(s.AsSpan());

    [Fact]
    public void heartbeats_that_carry_equal_service_and_release_text_share_one_instance_of_each()
    {
        var table = new NodeTable();
        var a = table.Report("n1", Copy("orders"), Copy("1.0.0"), NodeHealth.Healthy, T0);
        var b = table.Report("n2", Copy("orders"), Copy("1.0.0"), NodeHealth.Healthy, T0);

        ReferenceEquals(a.Service, b.Service).ShouldBeTrue();
        ReferenceEquals(a.ActualRelease, b.ActualRelease).ShouldBeTrue();
        (a.Service, a.ActualRelease).ShouldBe(("orders", "1.0.0"));
    }

    [Fact]
    public void nodes_loaded_or_merged_from_the_store_share_the_same_instances()
    {
        var table = new NodeTable();
        var reported = table.Report("n1", Copy("orders"), Copy("1.0.0"), NodeHealth.Healthy, T0);
        table.Load([new Node("n2", Copy("orders"), Copy("1.0.0"), Copy("1.1.0"), T0, NodeHealth.Healthy, NodeState.Active)]);
        table.Merge([new Node("n3", Copy("orders"), Copy("1.1.0"), null, T0, NodeHealth.Healthy, NodeState.Active)], takeControl: true);

        var n2 = table.Find("n2")!;
        var n3 = table.Find("n3")!;
        ReferenceEquals(n2.Service, reported.Service).ShouldBeTrue();
        ReferenceEquals(n3.Service, reported.Service).ShouldBeTrue();
        ReferenceEquals(n2.ActualRelease, reported.ActualRelease).ShouldBeTrue();
        ReferenceEquals(n3.ActualRelease, n2.DesiredRelease).ShouldBeTrue();
    }

    [Fact]
    public void an_agent_sending_a_new_release_on_every_heartbeat_cannot_grow_the_shared_names_without_bound()
    {
        var table = new NodeTable();
        for (var i = 0; i < NodeTable.MaxSharedNames + 100; i++)
        {
            table.Report("n1", "orders", $"9.9.{i}", NodeHealth.Healthy, T0.AddSeconds(i));
        }
        var late = Copy("9.9.999999");
        table.Report("n1", "orders", late, NodeHealth.Healthy, T0.AddDays(1));

        ReferenceEquals(table.Find("n1")!.ActualRelease, late).ShouldBeTrue("past the cap a release is kept as it came");
        table.SharedNames.ShouldBe(NodeTable.MaxSharedNames);
    }
}
