namespace Stepwise.Contracts.Tests;

/// <summary>
/// JSON Schema applicators and assertions that are not compared value by value are never silent: a change is a
/// keyword-changed warning in both directions; an unchanged keyword, written differently, gives nothing. The
/// discriminator mapping is compared by the schema each tag selects.
/// </summary>
public sealed class KeywordCoverageTests
{
    public static TheoryData<string, string> Changes() => new()
    {
        { """{"type": "string"}""", """{"type": "string", "not": {"const": "x"}}""" },
        { """{"type": "object", "if": {"required": ["a"]}, "then": {"required": ["b"]}}""", """{"type": "object", "if": {"required": ["a"]}, "then": {"required": ["c"]}}""" },
        { """{"type": "array", "contains": {"type": "string"}}""", """{"type": "array", "contains": {"type": "string"}, "minContains": 2}""" },
        { """{"type": "object", "patternProperties": {"^x-": {"type": "string"}}}""", """{"type": "object", "patternProperties": {"^x-": {"type": "integer"}}}""" },
        { """{"type": "array", "prefixItems": [{"type": "string"}], "unevaluatedItems": true}""", """{"type": "array", "prefixItems": [{"type": "string"}], "unevaluatedItems": false}""" },
        { """{"type": "object"}""", """{"type": "object", "dependentRequired": {"a": ["b"]}}""" },
        { """{"type": "object", "dependentSchemas": {"a": {"required": ["b"]}}}""", """{"type": "object"}""" },
        { """{"type": "string", "contentMediaType": "application/json"}""", """{"type": "string", "contentMediaType": "text/csv"}""" },
        { """{"type": "object", "propertyNames": {"maxLength": 8}}""", """{"type": "object", "propertyNames": {"maxLength": 4}}""" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void a_change_of_an_unmodelled_keyword_is_a_warning_in_both_directions(string oldSchema, string newSchema)
    {
        using var files = new ContractFiles();
        var findings = files.CompareJsonSchema(oldSchema, newSchema);
        findings.Where(f => f.RuleId == "schema-keyword-changed").Select(f => (f.Direction, f.Severity))
            .ShouldBe([(Direction.Backward, Severity.Warning), (Direction.Forward, Severity.Warning)], ignoreOrder: true);
        files.CompareJsonSchema(newSchema, oldSchema).ShouldContain(f => f.RuleId == "schema-keyword-changed");
        files.CompareJsonSchema(newSchema, newSchema).ShouldBeEmpty();
    }

    [Fact]
    public void the_same_keyword_written_differently_gives_nothing()
    {
        using var files = new ContractFiles();
        files.CompareJsonSchema(
            """{"type": "object", "not": {"required": ["a"], "type": "object", "description": "one"}}""",
            """{"type": "object", "not": {"type": "object", "required": ["a"], "description": "two"}}""").ShouldBeEmpty();
    }

    [Fact]
    public void a_keyword_inside_an_openapi_response_is_reported_with_the_response_scope()
    {
        using var files = new ContractFiles();
        files.CompareOpenApi(Spec.ResponseBody("""{"type": "string"}"""), Spec.ResponseBody("""{"type": "string", "not": {"enum": ["x"]}}"""))
            .Select(f => f.RuleId).Distinct().ShouldBe(["response-keyword-changed"]);
    }

    private static string Pets(string mapping) =>
        """{"$defs": {"Cat": {"type": "object", "properties": {"kind": {"type": "string"}}}, "Dog": {"type": "object", "properties": {"kind": {"type": "string"}}}}, "oneOf": [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}], "discriminator": {"propertyName": "kind", "mapping": """
        + mapping + "}}";

    [Fact]
    public void a_discriminator_tag_that_selects_another_schema_breaks_both_ways()
    {
        using var files = new ContractFiles();
        var findings = files.CompareJsonSchema(Pets("""{"cat": "#/$defs/Cat", "dog": "#/$defs/Dog"}"""), Pets("""{"cat": "#/$defs/Dog", "dog": "#/$defs/Cat"}"""));
        findings.Where(f => f.RuleId == "schema-discriminator-changed").Select(f => (f.Direction, f.Severity))
            .ShouldBe([(Direction.Backward, Severity.Error), (Direction.Forward, Severity.Error)], ignoreOrder: true);
    }

    [Fact]
    public void a_discriminator_tag_added_to_the_mapping_or_written_elsewhere_gives_no_mapping_finding()
    {
        using var files = new ContractFiles();
        files.CompareJsonSchema(Pets("""{"cat": "#/$defs/Cat"}"""), Pets("""{"cat": "#/$defs/Cat", "dog": "#/$defs/Dog"}"""))
            .ShouldNotContain(f => f.RuleId == "schema-discriminator-changed");
        files.CompareJsonSchema(Pets("""{"cat": "#/$defs/Cat"}"""), Pets("""{"cat": "Cat"}"""))
            .ShouldNotContain(f => f.RuleId == "schema-discriminator-changed");
    }
}
