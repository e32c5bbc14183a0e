namespace Stepwise.Contracts.Tests;

/// <summary>
/// Schema changes judged by the set of values each side admits, as minimal pairs checked in every place a schema
/// appears (request bodies, response bodies, JSON Schema for both roles): items added or removed where the other side
/// has none, a property whose schema is false, oneOf switched with anyOf, and multipleOf compared by divisibility. Each
/// change that breaks a pairing sits beside the nearest one that breaks none.
/// </summary>
public sealed class AdmittedValuesTests
{
    private enum Breaks
    {
        Nothing,
        NewReader, // the new schema admits less: a reader on it rejects what old writers send
        OldReader, // the new schema admits more: a reader on the old one rejects what new writers send
    }

    private sealed record Case(string Name, string? Rule, string Old, string New, Breaks Breaks);

    private const string Array = """{"type": "array"}""";
    private const string Strings = """{"type": "array", "items": {"type": "string"}}""";
    private const string Tuple = """{"type": "array", "prefixItems": [{"type": "string"}]}""";
    private const string ClosedTuple = """{"type": "array", "prefixItems": [{"type": "string"}], "items": false}""";
    private const string WithFalse = """{"type": "object", "properties": {"a": {"type": "string"}, "b": false}, "additionalProperties": false}""";
    private const string WithoutFalse = """{"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false}""";
    private const string Tagged = """[{"type": "object", "properties": {"kind": {"const": "a"}, "x": {"type": "string"}}, "required": ["kind"]}, {"type": "object", "properties": {"kind": {"const": "b"}, "y": {"type": "string"}}, "required": ["kind"]}]""";

    private static readonly Case[] Cases =
    [
        new("items added where there were none", "type-narrowed", Array, Strings, Breaks.NewReader),
        new("items removed", "type-widened", Strings, Array, Breaks.OldReader),
        new("items {} added: admits every item", null, Array, """{"type": "array", "items": {}}""", Breaks.Nothing),
        new("items true removed: admitted every item", null, """{"type": "array", "items": true}""", Array, Breaks.Nothing),
        new("items on a schema that admits no array", null, """{"type": "string"}""", """{"type": "string", "items": {"type": "integer"}}""", Breaks.Nothing),
        new("items false added after prefixItems", "type-narrowed", Tuple, ClosedTuple, Breaks.NewReader),
        new("items false removed after prefixItems", "type-widened", ClosedTuple, Tuple, Breaks.OldReader),
        new("a false property removed from a closed object", null, WithFalse, WithoutFalse, Breaks.Nothing),
        new("a false property added to a closed object", null, WithoutFalse, WithFalse, Breaks.Nothing),
        new("oneOf to anyOf, alternatives of disjoint types", null, """{"oneOf": [{"type": "string"}, {"type": "integer"}]}""", """{"anyOf": [{"type": "string"}, {"type": "integer"}]}""", Breaks.Nothing),
        new("anyOf to oneOf, alternatives of disjoint types", null, """{"anyOf": [{"type": "string"}, {"type": "integer"}]}""", """{"oneOf": [{"type": "string"}, {"type": "integer"}]}""", Breaks.Nothing),
        new("oneOf to anyOf, objects told apart by a required tag", null, "{\"oneOf\": " + Tagged + "}", "{\"anyOf\": " + Tagged + "}", Breaks.Nothing),
        new("oneOf to anyOf, alternatives that overlap on null", "variant-exclusivity-removed",
            """{"oneOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]}""", """{"anyOf": [{"type": ["string", "null"]}, {"type": ["integer", "null"]}]}""", Breaks.OldReader),
        new("oneOf to anyOf with an alternative added", "variant-added", """{"oneOf": [{"type": "string"}, {"type": "integer"}]}""", """{"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]}""", Breaks.OldReader),
        new("anyOf to oneOf with an alternative removed", "variant-removed", """{"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "boolean"}]}""", """{"oneOf": [{"type": "string"}, {"type": "integer"}]}""", Breaks.NewReader),
        new("multipleOf added", "multiple-of-changed", """{"type": "number"}""", """{"type": "number", "multipleOf": 2}""", Breaks.NewReader),
        new("multipleOf removed", "multiple-of-changed", """{"type": "number", "multipleOf": 2}""", """{"type": "number"}""", Breaks.OldReader),
        new("multipleOf 0.1 to 0.3: every multiple of 0.3 is one of 0.1", "multiple-of-changed", """{"type": "number", "multipleOf": 0.1}""", """{"type": "number", "multipleOf": 0.3}""", Breaks.NewReader),
        new("multipleOf 0.5 to 0.25", "multiple-of-changed", """{"type": "number", "multipleOf": 0.5}""", """{"type": "number", "multipleOf": 0.25}""", Breaks.OldReader),
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

    private static HashSet<(string Rule, Direction Direction)> Expected(string scope, Case c, Direction newReaderDirection) => c.Breaks switch
    {
        Breaks.NewReader => [($"{scope}-{c.Rule}", newReaderDirection)],
        Breaks.OldReader => [($"{scope}-{c.Rule}", newReaderDirection == Direction.Backward ? Direction.Forward : Direction.Backward)],
        _ => [],
    };

    private static HashSet<(string Rule, Direction Direction)> Actual(IEnumerable<Finding> findings) => findings.Select(f => (f.RuleId, f.Direction)).ToHashSet();

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void in_a_request_body_the_server_reads(int index)
    {
        var c = Cases[index];
        using var files = new ContractFiles();
        Actual(files.CompareOpenApi(Spec.RequestBody(c.Old), Spec.RequestBody(c.New))).ShouldBe(Expected("request", c, Direction.Backward), ignoreOrder: true, c.Name);
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void in_a_response_body_callers_read(int index)
    {
        var c = Cases[index];
        using var files = new ContractFiles();
        Actual(files.CompareOpenApi(Spec.ResponseBody(c.Old), Spec.ResponseBody(c.New))).ShouldBe(Expected("response", c, Direction.Forward), ignoreOrder: true, c.Name);
    }

    [Theory]
    [MemberData(nameof(CaseIndexes))]
    public void in_a_json_schema_by_role(int index)
    {
        var c = Cases[index];
        using var files = new ContractFiles();
        Actual(files.CompareJsonSchema(c.Old, c.New, SchemaRole.Reader)).ShouldBe(Expected("schema", c, Direction.Backward), ignoreOrder: true, c.Name);
        Actual(files.CompareJsonSchema(c.Old, c.New, SchemaRole.Writer)).ShouldBe(Expected("schema", c, Direction.Forward), ignoreOrder: true, c.Name);
    }

    [Fact]
    public void a_removed_item_schema_points_at_where_items_was()
    {
        using var files = new ContractFiles();
        var finding = files.CompareOpenApi(Spec.ResponseBody(Strings), Spec.ResponseBody(Array)).ShouldHaveSingleItem();
        finding.Location.ShouldBe("/paths/~1items/get/responses/200/content/application~1json/schema/items");
        finding.File.ShouldNotBeNull().ShouldEndWith("new.json");
        finding.Severity.ShouldBe(Severity.Error);
    }

    [Fact]
    public void draft_07_additional_items_set_false_after_array_form_items_narrows()
    {
        // additionalItems stays a keyword whose change is a warning both ways; the items it closes are now compared too.
        using var files = new ContractFiles();
        const string open = """{"$schema": "http://json-schema.org/draft-07/schema#", "type": "array", "items": [{"type": "string"}]}""";
        const string closed = """{"$schema": "http://json-schema.org/draft-07/schema#", "type": "array", "items": [{"type": "string"}], "additionalItems": false}""";
        Actual(files.CompareJsonSchema(open, closed)).ShouldBe(
            [("schema-type-narrowed", Direction.Backward), ("schema-keyword-changed", Direction.Backward), ("schema-keyword-changed", Direction.Forward)], ignoreOrder: true);
    }

    [Fact]
    public void a_false_property_removed_from_an_open_object_and_a_property_that_carries_data_still_count()
    {
        using var files = new ContractFiles();
        // An open object with a false property: nothing could carry it, so dropping it breaks no reader.
        files.CompareJsonSchema("""{"type": "object", "properties": {"a": {"type": "string"}, "b": false}}""", """{"type": "object", "properties": {"a": {"type": "string"}}}""").ShouldBeEmpty();
        // A property made false is a property no writer may send any more: new readers reject what old writers sent.
        Actual(files.CompareJsonSchema(WithoutFalse.Replace("}}", "}, \"b\": {\"type\": \"string\"}}", StringComparison.Ordinal), WithFalse))
            .ShouldBe([("schema-type-narrowed", Direction.Backward)]);
    }
}
