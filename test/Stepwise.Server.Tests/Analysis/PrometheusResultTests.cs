using System.Text;
using Stepwise.Server.Analysis;

namespace Stepwise.Server.Tests.Analysis;

/// <summary>Prometheus API answers as the canary analysis reads them, including hostile ones.</summary>
public class PrometheusResultTests
{
    private static (List<double>? Values, string? Error) Read(string json, int maxPoints = 1000) =>
        PrometheusResult.Values(Encoding.UTF8.GetBytes(json), maxPoints);

    [Fact]
    public void a_vector_gives_one_value_per_series_and_drops_what_is_not_finite()
    {
        var (values, error) = Read("""
            {"status":"success","data":{"resultType":"vector","result":[
              {"metric":{"node":"n1"},"value":[1700000000.5,"12.5"]},
              {"metric":{"node":"n2"},"value":[1700000000.5,"NaN"]},
              {"metric":{"node":"n3"},"value":[1700000000.5,"+Inf"]},
              {"metric":{"node":"n4"},"value":[1700000000.5,"1e-3"]}]}}
            """);
        error.ShouldBeNull();
        values.ShouldBe([12.5, 0.001]);
    }

    [Fact]
    public void a_matrix_gives_every_point_of_every_series_up_to_the_cap()
    {
        var json = """{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,"2"],[3,"3"]]},{"metric":{},"values":[[1,"4"],[2,"5"]]}]}}""";
        Read(json).Values.ShouldBe([1, 2, 3, 4, 5]);
        Read(json, maxPoints: 4).Values.ShouldBe([1, 2, 3, 4]);
    }

    [Fact]
    public void a_scalar_and_an_empty_result_are_read()
    {
        Read("""{"status":"success","data":{"resultType":"scalar","result":[1,"7"]}}""").Values.ShouldBe([7]);
        Read("""{"status":"success","data":{"resultType":"vector","result":[]}}""").Values.ShouldBeEmpty();
    }

    [Fact]
    public void an_error_answer_carries_prometheus_reason()
    {
        var (values, error) = Read("""{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected identifier"}""");
        values.ShouldBeNull();
        error.ShouldBe("bad_data: 1:5: parse error: unexpected identifier");
    }

    [Theory]
    [InlineData("", "not JSON")]
    [InlineData("<html>502 Bad Gateway</html>", "not JSON")]
    [InlineData("""{"status":"success","data":{"resultType":"vector","result":[""", "not JSON")]
    [InlineData("[1,2,3]", "no status")]
    [InlineData("""{"status":"success"}""", "no data")]
    [InlineData("""{"status":"success","data":{"resultType":"string","result":[1,"x"]}}""", "a string")]
    [InlineData("""{"status":"success","data":{"resultType":"histogram","result":[]}}""", "'histogram'")]
    [InlineData("""{"status":"success","data":{"resultType":"vector"}}""", "no result")]
    public void a_malformed_answer_is_refused_with_a_reason(string json, string expected)
    {
        var (values, error) = Read(json);
        values.ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain(expected);
    }

    [Fact]
    public void odd_shapes_inside_a_result_are_skipped_not_trusted()
    {
        var (values, error) = Read("""
            {"status":"success","data":{"resultType":"vector","result":[
              3, "x", {"value":[1]}, {"value":[1,2]}, {"value":[1,"2",3]}, {"value":{"a":1}}, {"value":[1,"8"]}]}}
            """);
        error.ShouldBeNull();
        values.ShouldBe([8]);
    }

    [Fact]
    public void deep_nesting_and_a_long_error_are_bounded()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        Read(deep).Error.ShouldNotBeNull().ShouldContain("not JSON");
        var longError = Read($$"""{"status":"error","errorType":"execution","error":"{{new string('x', 1_000_000)}}"}""").Error!;
        longError.Length.ShouldBeLessThan(400);
    }

    [Fact]
    public void a_million_series_are_read_to_the_cap_only()
    {
        var json = new StringBuilder("""{"status":"success","data":{"resultType":"vector","result":[""");
        for (var i = 0; i < 1_000_000; i++)
        {
            json.Append(i == 0 ? "" : ",").Append("""{"value":[1,"1"]}""");
        }
        json.Append("]}}");
        Read(json.ToString(), maxPoints: 20_000).Values!.Count.ShouldBe(20_000);
    }
}
