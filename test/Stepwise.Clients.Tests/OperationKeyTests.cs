using Microsoft.AspNetCore.Routing.Patterns;

namespace Stepwise.Clients.Tests;

/// <summary>Operation keys: the grammar, and route patterns written as OpenAPI path templates.</summary>
public sealed class OperationKeyTests
{
    [Theory]
    [InlineData("/orders/{id:long}", "/orders/{id}")]
    [InlineData("orders/{id:int:min(1)}", "/orders/{id}")]
    [InlineData("/files/{**path}", "/files/{path}")]
    [InlineData("/files/{*path}", "/files/{path}")]
    [InlineData("/items/{id?}", "/items/{id}")]
    [InlineData("/items/{page=1}", "/items/{page}")]
    [InlineData("/reports/{name}.{ext?}", "/reports/{name}.{ext}")]
    [InlineData("/codes/{code:regex(^\\d{{3}}$)}", "/codes/{code}")]
    [InlineData("/Orders/Search", "/Orders/Search")]
    [InlineData("/", "/")]
    [InlineData("", "/")]
    public void route_patterns_become_openapi_path_templates(string pattern, string template) =>
        OperationKey.PathTemplate(RoutePatternFactory.Parse(pattern)).ShouldBe(template);

    [Fact]
    public void required_values_of_conventional_routes_are_written_as_their_value()
    {
        var pattern = RoutePatternFactory.Parse("{controller=Home}/{action=Index}/{id?}", defaults: null, parameterPolicies: null,
            requiredValues: new { controller = "Orders", action = "Details" });

        OperationKey.PathTemplate(pattern).ShouldBe("/Orders/Details/{id}");
    }

    [Theory]
    [InlineData("GET /orders/{id}", true)]
    [InlineData("DELETE /", true)]
    [InlineData("QUERY /search", true)]
    [InlineData("get /orders", false)]
    [InlineData("GET orders", false)]
    [InlineData("GET  /orders", false)]
    [InlineData("GET /orders /x", false)]
    [InlineData("GET /orders\t", false)]
    [InlineData("GET /orders\n", false)]
    [InlineData("/orders", false)]
    [InlineData("GET", false)]
    [InlineData("", false)]
    [InlineData("ABCDEFGHIJKLMNOPQ /x", false)] // a method of 17 letters
    public void the_key_grammar(string key, bool valid) => OperationKey.IsValid(key).ShouldBe(valid);

    [Fact]
    public void keys_are_at_most_512_characters()
    {
        OperationKey.IsValid("GET /" + new string('a', 507)).ShouldBeTrue();
        OperationKey.IsValid("GET /" + new string('a', 508)).ShouldBeFalse();
    }

    [Fact]
    public void an_explicit_operation_outside_the_grammar_is_refused_where_it_is_declared() =>
        Should.Throw<ArgumentException>(() => new StepwiseOperationAttribute("orders by id")).Message.ShouldContain("GET /orders/{id}");
}
