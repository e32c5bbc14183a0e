using Stepwise.Core.Config;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Fleet;

/// <summary>The fleet file <c>stepwise plan --fleet</c> reads: an object, or the bare node list <c>stepwise fleet --format json</c> prints.</summary>
public sealed class FleetFileTests
{
    [Fact]
    public void a_bare_array_is_the_nodes_with_the_derived_may_serve_left_out()
    {
        const string json = """
            [{"id": "n1", "service": "orders", "actualRelease": "1.0.0", "desiredRelease": "1.0.0", "health": "healthy",
              "state": "active", "lastHeartbeat": "2026-12-01T10:00:00+00:00", "stateSince": null, "mayServe": true}]
            """;
        var fleet = FleetFile.Parse(json, "fleet.json");
        var node = fleet.Nodes.ShouldNotBeNull().ShouldHaveSingleItem();
        node.ShouldBe(new Node("n1", "orders", "1.0.0", "1.0.0", DateTimeOffset.Parse("2026-12-01T10:00:00+00:00", System.Globalization.CultureInfo.InvariantCulture), NodeHealth.Healthy, NodeState.Active));
        fleet.Rollouts.ShouldBeNull();
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("[{\"id\": \"n1\", \"service\": \"orders\", \"health\": \"healthy\", \"state\": \"active\", \"surprise\": 1}]")]
    [InlineData("[")]
    [InlineData("[{\"id\": \"n1\"},]")]
    [InlineData("[{\"id\": \"n1\", \"id\": \"n2\", \"service\": \"orders\", \"health\": \"healthy\", \"state\": \"active\"}]")]
    public void a_bad_array_is_an_error_naming_the_file(string json)
    {
        var error = Should.Throw<ConfigException>(() => FleetFile.Parse(json, "fleet.json")).Errors.ShouldHaveSingleItem();
        error.File.ShouldBe("fleet.json");
        error.Message.ShouldContain("invalid fleet file");
    }

    [Fact]
    public void a_deeply_nested_array_is_an_error_not_a_crash()
    {
        Should.Throw<ConfigException>(() => FleetFile.Parse(new string('[', 100_000), "fleet.json"));
    }
}
