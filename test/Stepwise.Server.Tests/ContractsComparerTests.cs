using Stepwise.Contracts;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

/// <summary>
/// The server's G6 comparer reads only what was registered: a $ref reaches the registered documents and nothing
/// else on the server, and YAML alias bombs fail fast as bad input.
/// </summary>
public sealed class ContractsComparerTests
{
    private static readonly ContractsComparer Comparer = new(ContractCheckers.Registered.Select(r => r.Create(new CheckerOptions())));

    private static string Api(string schema) =>
        """{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/items": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": """
        + schema + "}}}}}}}}";

    [Fact]
    public void a_reference_to_a_named_registered_document_resolves()
    {
        var previous = new[] { new ContractDocument("openapi", Api("""{"type": "string"}""")) };
        var next = new[]
        {
            new ContractDocument("openapi", Api("""{"$ref": "schemas/item.json#/Item"}""")),
            new ContractDocument("openapi", """{"Item": {"type": "integer"}}""", "schemas/item.json"),
        };
        var comparison = Comparer.Compare("openapi", previous, next);
        comparison.Breaking.ShouldContain(f => f.RuleId == "response-type-changed");
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("/dev/zero")]
    [InlineData("../previous/contract.json#/paths")]
    [InlineData("../../../../../../../../../etc/hostname")]
    public void a_reference_outside_the_registered_documents_is_refused(string reference)
    {
        var previous = new[] { new ContractDocument("openapi", Api("""{"type": "string"}""")) };
        var next = new[] { new ContractDocument("openapi", Api($$$"""{"$ref": "{{{reference}}}"}""")) };
        Should.Throw<Core.Guarantees.ContractInputException>(() => Comparer.Compare("openapi", previous, next)).Message.ShouldContain("leaves the contract's folder");
    }

    [Fact]
    public void a_yaml_alias_bomb_is_refused_fast()
    {
        var bomb = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
        for (var level = 'b'; level <= 'i'; level++)
        {
            var p = (char)(level - 1);
            bomb += $"x-{level}: &{level} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n";
        }
        var previous = new[] { new ContractDocument("openapi", Api("""{"type": "string"}""")) };
        var next = new[] { new ContractDocument("openapi", bomb) };
        Should.Throw<Core.Guarantees.ContractInputException>(() => Comparer.Compare("openapi", previous, next)).Message.ShouldContain("alias");
    }

    [Fact]
    public void the_gate_uses_fleet_mode_an_expand_step_is_a_note_and_a_contract_step_breaks()
    {
        static string Body(string schema) =>
            """{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/items": {"post": {"requestBody": {"content": {"application/json": {"schema": """
            + schema + """}}}, "responses": {"204": {"description": "ok"}}}}}}""";
        var narrow = new[] { new ContractDocument("openapi", Body("""{"type": "string", "enum": ["a"]}""")) };
        var wide = new[] { new ContractDocument("openapi", Body("""{"type": "string", "enum": ["a", "b"]}""")) };
        var expand = Comparer.Compare("openapi", narrow, wide);
        expand.Breaking.ShouldBeEmpty();
        expand.Notes.ShouldHaveSingleItem().Message.ShouldContain("(G5)");
        Comparer.Compare("openapi", wide, narrow).Breaking.ShouldHaveSingleItem().RuleId.ShouldBe("request-enum-value-removed");
    }
}
