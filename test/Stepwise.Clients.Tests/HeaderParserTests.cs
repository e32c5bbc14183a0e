using CsCheck;
using Stepwise.Clients.Http;

namespace Stepwise.Clients.Tests;

/// <summary>What the handler reads from responses: Link (RFC 8288), Deprecation (RFC 9745), Sunset (RFC 8594).</summary>
public sealed class HeaderParserTests
{
    [Fact]
    public void link_values_with_several_relations_parameters_and_quoted_commas()
    {
        var links = LinkHeader.Parse("<https://a.example/d>; rel=\"deprecation\"; type=\"text/html\", <https://a.example/s>;rel=sunset," +
            " <https://a.example/x>; title=\"a, b; c\"; rel=\"Deprecation successor-version\", <https://a.example/y>; rel=\"first\"; rel=\"second\"");

        links.Select(l => l.Target).ShouldBe(["https://a.example/d", "https://a.example/s", "https://a.example/x", "https://a.example/y"]);
        links[0].Relations.ShouldBe(["deprecation"]);
        links[1].Relations.ShouldBe(["sunset"]);
        links[2].Relations.ShouldBe(["deprecation", "successor-version"]);
        links[3].Relations.ShouldBe(["first"]); // only the first rel counts (RFC 8288 3.3)
    }

    [Theory]
    [InlineData("garbage, <https://a.example/ok>; rel=deprecation")]
    [InlineData("<https://a.example/bad> junk; rel=x, <https://a.example/ok>; rel=deprecation")]
    [InlineData("<https://a.example/bad>; =x, <https://a.example/ok>; rel=deprecation")]
    [InlineData("\"<https://a.example/bad>, x\", <https://a.example/ok>; rel=deprecation")]
    public void a_malformed_link_value_is_skipped_and_the_next_one_read(string value) =>
        LinkHeader.Parse(value).ShouldContain(l => l.Target == "https://a.example/ok" && l.Relations.Contains("deprecation"));

    [Fact]
    public void link_parsing_never_throws_on_hostile_input() =>
        Gen.OneOf(Gen.String, Gen.String[Gen.Char["<>;,=\" \\relfoa:/"], 0, 2_000]).Sample(value =>
        {
            foreach (var link in LinkHeader.Parse(value))
            {
                link.Target.ShouldNotBeEmpty();
            }
        }, iter: 20_000);

    [Theory]
    [InlineData("@1688169599", 1688169599L)]
    [InlineData("@0", 0L)]
    [InlineData("@-86400", -86400L)]
    [InlineData("Fri, 30 Jun 2023 23:59:59 GMT", 1688169599L)] // an HTTP-date, as drafts of RFC 9745 sent
    [InlineData("Friday, 30-Jun-23 23:59:59 GMT", 1688169599L)]
    [InlineData("Fri Jun 30 23:59:59 2023", 1688169599L)]
    public void deprecation_dates(string value, long seconds) =>
        DeprecationHeaders.ParseDeprecation(value).ShouldBe(DateTimeOffset.FromUnixTimeSeconds(seconds));

    [Theory]
    [InlineData("true")]
    [InlineData("@")]
    [InlineData("@1e9")]
    [InlineData("@99999999999999999999")]
    [InlineData("yesterday")]
    public void deprecation_values_without_a_readable_date(string value) => DeprecationHeaders.ParseDeprecation(value).ShouldBeNull();

    [Fact]
    public void date_parsing_never_throws_on_hostile_input() =>
        Gen.OneOf(Gen.String, Gen.String[Gen.Char["@-0123456789 ,:GMTFriJun"], 0, 100]).Sample(value =>
        {
            DeprecationHeaders.ParseDeprecation(value);
            DeprecationHeaders.ParseHttpDate(value);
        }, iter: 20_000);
}
