namespace Stepwise.Contracts.Tests;

/// <summary>
/// Every schema rule with a minimal pair, in both orders (the reverse change is the opposite rule), checked in each
/// place a schema appears: request bodies (read by the server), response bodies (read by callers) and JSON Schema
/// data contracts for both roles. The expected direction follows from who reads the data, never from the output.
/// </summary>
public sealed class SchemaRuleTests
{
    private enum Breaks
    {
        NewReader, // a reader on the new schema rejects what old writers send
        OldReader, // a reader on the old schema gets what it does not expect from new writers
        Both,
    }

    private sealed record Case(string Rule, string Old, string New, Breaks Breaks);

    private const string StringType = """{"type": "string"}""";

    private static readonly Case[] Cases =
    [
        new("type-changed", StringType, """{"type": "object"}""", Breaks.Both),
        new("type-narrowed", """{"type": "number"}""", """{"type": "integer"}""", Breaks.NewReader),
        new("type-widened", """{"type": "integer"}""", """{"type": "number"}""", Breaks.OldReader),
        new("type-narrowed", """{}""", StringType, Breaks.NewReader),
        new("type-widened", """{"type": ["string"]}""", """{"type": ["string", "integer"]}""", Breaks.OldReader),
        new("nullable-removed", """{"type": ["string", "null"]}""", StringType, Breaks.NewReader),
        new("nullable-added", StringType, """{"type": ["string", "null"]}""", Breaks.OldReader),
        new("enum-value-removed", """{"type": "string", "enum": ["a", "b"]}""", """{"type": "string", "enum": ["a"]}""", Breaks.NewReader),
        new("enum-value-added", """{"type": "string", "enum": ["a"]}""", """{"type": "string", "enum": ["a", "b"]}""", Breaks.OldReader),
        new("extensible-enum-value-removed", """{"type": "string", "x-extensible-enum": ["a", "b"]}""", """{"type": "string", "x-extensible-enum": ["a"]}""", Breaks.NewReader),
        new("extensible-enum-value-added", """{"type": "string", "x-extensible-enum": ["a"]}""", """{"type": "string", "x-extensible-enum": ["a", "b"]}""", Breaks.OldReader),
        new("enum-constraint-added", StringType, """{"type": "string", "enum": ["a"]}""", Breaks.NewReader),
        new("enum-constraint-removed", """{"type": "string", "enum": ["a"]}""", StringType, Breaks.OldReader),
        new("property-required-added", """{"type": "object", "properties": {"a": {"type": "string"}}}""", """{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}""", Breaks.NewReader),
        new("property-required-added", """{"type": "object", "properties": {"a": {"type": "string"}}}""", """{"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["b"]}""", Breaks.NewReader),
        new("property-required-removed", """{"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}""", """{"type": "object", "properties": {"a": {"type": "string"}}}""", Breaks.OldReader),
        new("property-removed", """{"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}""", """{"type": "object", "properties": {"a": {"type": "string"}}}""", Breaks.OldReader),
        new("property-removed", """{"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "additionalProperties": false}""", """{"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}""", Breaks.Both),
        new("property-added", """{"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}""", """{"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "additionalProperties": false}""", Breaks.OldReader),
        new("additional-properties-closed", """{"type": "object"}""", """{"type": "object", "additionalProperties": false}""", Breaks.NewReader),
        new("additional-properties-opened", """{"type": "object", "additionalProperties": false}""", """{"type": "object"}""", Breaks.OldReader),
        new("numeric-range-narrowed", """{"type": "integer", "maximum": 10}""", """{"type": "integer", "maximum": 5}""", Breaks.NewReader),
        new("numeric-range-widened", """{"type": "integer", "minimum": 5}""", """{"type": "integer", "minimum": 0}""", Breaks.OldReader),
        new("numeric-range-narrowed", """{"type": "integer", "minimum": 5}""", """{"type": "integer", "exclusiveMinimum": 5}""", Breaks.NewReader),
        new("length-range-narrowed", """{"type": "string", "maxLength": 10}""", """{"type": "string", "maxLength": 5}""", Breaks.NewReader),
        new("length-range-widened", """{"type": "string", "minLength": 3}""", """{"type": "string"}""", Breaks.OldReader),
        new("item-count-narrowed", """{"type": "array", "items": {"type": "string"}}""", """{"type": "array", "items": {"type": "string"}, "maxItems": 5}""", Breaks.NewReader),
        new("item-count-widened", """{"type": "array", "items": {"type": "string"}, "minItems": 1}""", """{"type": "array", "items": {"type": "string"}}""", Breaks.OldReader),
        new("property-count-narrowed", """{"type": "object", "maxProperties": 10}""", """{"type": "object", "maxProperties": 5}""", Breaks.NewReader),
        new("property-count-widened", """{"type": "object", "maxProperties": 5}""", """{"type": "object", "maxProperties": 10}""", Breaks.OldReader),
        new("multiple-of-changed", """{"type": "number", "multipleOf": 2}""", """{"type": "number", "multipleOf": 3}""", Breaks.Both),
        new("multiple-of-changed", """{"type": "number", "multipleOf": 2}""", """{"type": "number", "multipleOf": 4}""", Breaks.NewReader),
        new("multiple-of-changed", """{"type": "number", "multipleOf": 4}""", """{"type": "number", "multipleOf": 2}""", Breaks.OldReader),
        new("pattern-added", StringType, """{"type": "string", "pattern": "^a"}""", Breaks.NewReader),
        new("pattern-removed", """{"type": "string", "pattern": "^a"}""", StringType, Breaks.OldReader),
        new("pattern-changed", """{"type": "string", "pattern": "^a"}""", """{"type": "string", "pattern": "^b"}""", Breaks.Both),
        new("format-added", StringType, """{"type": "string", "format": "date"}""", Breaks.NewReader),
        new("format-removed", """{"type": "string", "format": "date"}""", StringType, Breaks.OldReader),
        new("format-changed", """{"type": "string", "format": "date"}""", """{"type": "string", "format": "date-time"}""", Breaks.Both),
        new("unique-items-added", """{"type": "array", "items": {"type": "string"}}""", """{"type": "array", "items": {"type": "string"}, "uniqueItems": true}""", Breaks.NewReader),
        new("unique-items-removed", """{"type": "array", "items": {"type": "string"}, "uniqueItems": true}""", """{"type": "array", "items": {"type": "string"}}""", Breaks.OldReader),
        new("variant-removed", """{"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]}""", """{"oneOf": [{"type": "string"}, {"type": "integer"}]}""", Breaks.NewReader),
        new("variant-added", """{"anyOf": [{"type": "string"}, {"type": "integer"}]}""", """{"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]}""", Breaks.OldReader),
        new("variant-added", StringType, """{"oneOf": [{"type": "string"}, {"type": "object"}]}""", Breaks.OldReader),
        new("variant-exclusivity-added", """{"anyOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}""", """{"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}""", Breaks.NewReader),
        new("variant-exclusivity-removed", """{"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}""", """{"anyOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}""", Breaks.OldReader),
        new("variant-exclusivity-added", StringType, """{"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}""", Breaks.NewReader),
        new("variant-exclusivity-removed", """{"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}""", StringType, Breaks.OldReader),
        new("discriminator-changed", """{"oneOf": [{"title": "A", "type": "object"}, {"title": "B", "type": "object"}], "discriminator": {"propertyName": "kind"}}""", """{"oneOf": [{"title": "A", "type": "object"}, {"title": "B", "type": "object"}], "discriminator": {"propertyName": "type"}}""", Breaks.Both),
        new("default-changed", """{"type": "integer", "default": 10}""", """{"type": "integer", "default": 20}""", Breaks.Both),
        new("tuple-length-changed", """{"type": "array", "prefixItems": [{"type": "string"}]}""", """{"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}""", Breaks.Both),
        new("keyword-changed", StringType, """{"type": "string", "not": {"const": "x"}}""", Breaks.Both),
    ];

    public static TheoryData<int> CaseIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Cases.Length; i++)
        {
            data.Add(i);
        }
        return data;
    }

    private static HashSet<(string Rule, Direction Direction)> Expected(string scope, string rule, Breaks breaks, Direction newReaderDirection)
    {
        var oldReaderDirection = newReaderDirection == Direction.Backward ? Direction.Forward : Direction.Backward;
        var expected = new HashSet<(string, Direction)>();
        if (breaks is Breaks.NewReader or Breaks.Both)
        {
            expected.Add(($"{scope}-{rule}", newReaderDirection));
        }
        if (breaks is Breaks.OldReader or Breaks.Both)
        {
            expected.Add(($"{scope}-{rule}", oldReaderDirection));
        }
        return expected;
    }

    private static HashSet<(string Rule, Direction Direction)> Actual(IEnumerable<Finding> findings) => findings.Select(f => (f.RuleId, f.Direction)).ToHashSet();

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void a_request_body_change_breaks_the_server_side_reader(int index)
    {
        var c = Cases[index];
        using var files = new ContractFiles();
        var findings = files.CompareOpenApi(Spec.RequestBody(c.Old), Spec.RequestBody(c.New));
        // The server reads requests: a new (narrower) server reading old callers is backward.
        Actual(findings).ShouldBe(Expected("request", c.Rule, c.Breaks, Direction.Backward), ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void a_response_body_change_breaks_the_caller_side_reader(int index)
    {
        var c = Cases[index];
        using var files = new ContractFiles();
        var findings = files.CompareOpenApi(Spec.ResponseBody(c.Old), Spec.ResponseBody(c.New));
        // Callers read responses: new callers (new reader) against old servers is forward.
        Actual(findings).ShouldBe(Expected("response", c.Rule, c.Breaks, Direction.Forward), ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void a_json_schema_change_breaks_readers_by_role(int index)
    {
        var c = Cases[index];
        using var files = new ContractFiles();
        Actual(files.CompareJsonSchema(c.Old, c.New, SchemaRole.Reader)).ShouldBe(Expected("schema", c.Rule, c.Breaks, Direction.Backward), ignoreOrder: true);
        Actual(files.CompareJsonSchema(c.Old, c.New, SchemaRole.Writer)).ShouldBe(Expected("schema", c.Rule, c.Breaks, Direction.Forward), ignoreOrder: true);
    }

    [Fact]
    public void every_schema_rule_has_a_minimal_pair()
    {
        var covered = Cases.Select(c => c.Rule).ToHashSet();
        foreach (var rule in CompatRules.SchemaRules)
        {
            covered.ShouldContain(rule.Suffix, $"schema rule '{rule.Suffix}' has no minimal pair in {nameof(SchemaRuleTests)}");
        }
    }

    [Fact]
    public void findings_carry_the_rule_severity_a_pointer_and_a_fix()
    {
        using var files = new ContractFiles();
        var finding = files.CompareOpenApi(
            Spec.ResponseBody("""{"type": "object", "properties": {"state": {"type": "string", "enum": ["open"]}}}"""),
            Spec.ResponseBody("""{"type": "object", "properties": {"state": {"type": "string", "enum": ["open", "merged"]}}}""")).ShouldHaveSingleItem();
        finding.RuleId.ShouldBe("response-enum-value-added");
        finding.Severity.ShouldBe(Severity.Error);
        finding.Direction.ShouldBe(Direction.Backward);
        finding.Location.ShouldBe("/paths/~1items/get/responses/200/content/application~1json/schema/properties/state");
        finding.Message.ShouldContain("GET /items");
        finding.Message.ShouldContain("\"merged\"");
        finding.Fix.ShouldNotBeNullOrWhiteSpace();
        finding.File.ShouldNotBeNull().ShouldEndWith("new.json");
        finding.Line.ShouldBe(1);
    }

    [Fact]
    public void wrapping_a_schema_in_a_oneof_reports_exclusivity_only_when_its_alternatives_may_overlap()
    {
        const string Pet = """{"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "name": {"type": "string"}}}""";
        using var files = new ContractFiles();
        // Alternatives told apart by a required tag's values, or picked by a discriminator: no value matches two.
        const string Tagged = """{"oneOf": [{"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["cat"]}, "name": {"type": "string"}}}, {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": ["dog"]}, "name": {"type": "string"}}}]}""";
        const string Discriminated = """{"oneOf": [{"title": "Cat", "type": "object", "properties": {"name": {"type": "string"}}}, {"title": "Dog", "type": "object", "properties": {"name": {"type": "string"}}}], "discriminator": {"propertyName": "kind"}}""";
        const string Overlapping = """{"oneOf": [{"type": "object", "properties": {"name": {"type": "string"}}}, {"type": "object", "properties": {"kind": {"type": "string"}}}]}""";
        Actual(files.CompareOpenApi(Spec.RequestBody(Pet), Spec.RequestBody(Tagged))).Select(f => f.Rule).ShouldNotContain("request-variant-exclusivity-added");
        Actual(files.CompareOpenApi(Spec.RequestBody(Pet), Spec.RequestBody(Discriminated))).Select(f => f.Rule).ShouldNotContain("request-variant-exclusivity-added");
        Actual(files.CompareOpenApi(Spec.RequestBody(Pet), Spec.RequestBody(Overlapping))).ShouldContain(("request-variant-exclusivity-added", Direction.Backward));
    }

    [Fact]
    public void removing_a_required_response_property_is_an_error_for_old_callers()
    {
        using var files = new ContractFiles();
        var finding = files.CompareOpenApi(
            Spec.ResponseBody("""{"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}, "required": ["id", "name"]}"""),
            Spec.ResponseBody("""{"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}""")).ShouldHaveSingleItem();
        finding.RuleId.ShouldBe("response-property-removed");
        finding.Severity.ShouldBe(Severity.Error);
        finding.Direction.ShouldBe(Direction.Backward);
        finding.File.ShouldNotBeNull().ShouldEndWith("new.json", customMessage: "a removed property points at its surviving parent in the new file");
    }

    [Fact]
    public void read_only_properties_do_not_count_in_requests_and_write_only_ones_not_in_responses()
    {
        using var files = new ContractFiles();
        const string before = """{"type": "object", "properties": {"id": {"type": "integer", "readOnly": true}, "secret": {"type": "string", "writeOnly": true}}}""";
        const string after = """{"type": "object", "properties": {"id": {"type": "integer", "readOnly": true}, "secret": {"type": "string", "writeOnly": true}}, "required": ["id", "secret"]}""";
        files.CompareOpenApi(Spec.RequestBody(before), Spec.RequestBody(after)).Select(f => f.RuleId).ShouldBe(["request-property-required-added"]);
        files.CompareOpenApi(Spec.ResponseBody(before), Spec.ResponseBody(after)).Select(f => f.RuleId).ShouldBe(["response-property-required-added"]);
        const string narrowedReadOnly = """{"type": "object", "properties": {"id": {"type": "integer", "readOnly": true, "maximum": 5}, "secret": {"type": "string", "writeOnly": true, "maxLength": 5}}}""";
        files.CompareOpenApi(Spec.RequestBody(before), Spec.RequestBody(narrowedReadOnly)).Select(f => f.RuleId).ShouldBe(["request-length-range-narrowed"]);
        files.CompareOpenApi(Spec.ResponseBody(before), Spec.ResponseBody(narrowedReadOnly)).Select(f => f.RuleId).ShouldBe(["response-numeric-range-narrowed"]);
    }

    [Fact]
    public void a_change_inside_a_cyclic_schema_is_found_once_and_the_comparison_ends()
    {
        using var files = new ContractFiles();
        static string Tree(string valueType) => Spec.WithPaths(
            """{"/nodes": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}}}""",
            extra: """
            "components": {"schemas": {"Node": {"type": "object", "properties": {"value": {"type": "VALUE"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}, "parent": {"$ref": "#/components/schemas/Node"}}}}}
            """.Replace("VALUE", valueType, StringComparison.Ordinal));
        var finding = files.CompareOpenApi(Tree("integer"), Tree("number")).ShouldHaveSingleItem();
        finding.RuleId.ShouldBe("response-type-widened");
        finding.Location.ShouldBe("/components/schemas/Node/properties/value");
    }

    [Fact]
    public void an_operation_written_identically_is_still_compared_when_the_openapi_version_changes_its_meaning()
    {
        // OpenAPI 3.0's exclusiveMinimum is a flag on minimum (a number there means nothing); 3.1's is the bound itself.
        using var files = new ContractFiles();
        const string schema = """{"type": "number", "exclusiveMinimum": 5}""";
        var finding = files.CompareOpenApi(Spec.RequestBody(schema, "3.0.3"), Spec.RequestBody(schema, "3.1.0")).ShouldHaveSingleItem();
        finding.RuleId.ShouldBe("request-numeric-range-narrowed");
    }

    [Fact]
    public void an_unchanged_operation_reaching_a_changed_component_through_a_chain_of_references_is_compared()
    {
        static string Doc(string leaf) => Spec.WithPaths(
            """{"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}}""",
            extra: " \"components\": {\"schemas\": {\"A\": {\"type\": \"object\", \"properties\": {\"b\": {\"$ref\": \"#/components/schemas/B\"}, \"self\": {\"$ref\": \"#/components/schemas/A\"}}}, \"B\": {\"type\": \"object\", \"properties\": {\"a\": {\"$ref\": \"#/components/schemas/A\"}, \"c\": {\"$ref\": \"#/components/schemas/C\"}}}, \"C\": " + leaf + "}}");
        using var files = new ContractFiles();
        files.CompareOpenApi(Doc("{\"type\": \"string\"}"), Doc("{\"type\": \"string\"}")).ShouldBeEmpty();
        files.CompareOpenApi(Doc("{\"type\": \"string\"}"), Doc("{\"type\": \"string\", \"enum\": [\"x\"]}")).Select(f => f.RuleId).ShouldBe(["response-enum-constraint-added"]);
    }
}
