namespace Stepwise.Contracts.Tests;

/// <summary>
/// Minimal pairs of the kinds of change the real-world audit (docs/compat.md, "Real-world audit") found reported
/// wrongly, each beside the nearest change that does break, so the fix silences only what breaks no one.
/// </summary>
public sealed class RealWorldPairTests
{
    private static (string Rule, Direction Direction, Severity Severity)[] Findings(string oldSpec, string newSpec)
    {
        using var files = new ContractFiles();
        return files.CompareOpenApi(oldSpec, newSpec).Select(f => (f.RuleId, f.Direction, f.Severity)).ToArray();
    }

    private static string Event(string own, bool closed = false) =>
        $$$"""{"type": "object", "properties": {"id": {"type": "integer"}, "event": {"type": "string"}{{{own}}}}, "required": ["id", "event"]{{{(closed ? ", \"additionalProperties\": false" : "")}}}}""";

    private static string Events(bool closed, params string[] alternatives) =>
        $$$"""{"type": "array", "items": {"anyOf": [{{{string.Join(", ", alternatives.Select(a => Event(a, closed)))}}}]}}""";

    private const string Label = """, "label": {"type": "string"}""";
    private const string Project = """, "project": {"type": "string"}""";
    private const string IssueType = """, "issue_type": {"type": "string"}""";

    [Fact]
    public void a_new_alternative_whose_values_an_old_open_alternative_accepts_is_no_finding()
    {
        // A new event type carries every property an existing open event type requires: old callers read it as that one.
        Findings(Spec.ResponseBody(Events(false, Label, Project)), Spec.ResponseBody(Events(false, Label, Project, IssueType))).ShouldBeEmpty();
    }

    [Fact]
    public void a_new_alternative_that_no_old_alternative_accepts_is_still_an_error()
    {
        // Closed old alternatives reject the new property: the new event type is new to old callers.
        Findings(Spec.ResponseBody(Events(true, Label, Project)), Spec.ResponseBody(Events(true, Label, Project, IssueType)))
            .ShouldBe([("response-variant-added", Direction.Backward, Severity.Error)]);
        // A property of a type no old alternative allows.
        const string text = """{"type": "object", "properties": {"label": {"type": "string"}}, "required": ["label"]}""";
        const string number = """{"type": "object", "properties": {"label": {"type": "integer"}}, "required": ["label"]}""";
        const string flag = """{"type": "object", "properties": {"flag": {"type": "boolean"}}, "required": ["flag"]}""";
        Findings(Spec.ResponseBody("{\"anyOf\": [" + text + ", " + flag + "]}"), Spec.ResponseBody("{\"anyOf\": [" + text + ", " + flag + ", " + number + "]}"))
            .ShouldBe([("response-variant-added", Direction.Backward, Severity.Error)]);
    }

    [Fact]
    public void a_new_alternative_of_a_one_of_or_behind_a_discriminator_is_still_an_error()
    {
        // oneOf needs exactly one match, and the new event type may match several old ones.
        var oneOf = (string schema) => schema.Replace("anyOf", "oneOf", StringComparison.Ordinal);
        Findings(Spec.ResponseBody(oneOf(Events(false, Label, Project))), Spec.ResponseBody(oneOf(Events(false, Label, Project, IssueType))))
            .ShouldBe([("response-variant-added", Direction.Backward, Severity.Error)]);
        // A discriminator picks the alternative by its tag, which old callers do not know.
        var tagged = (string schema) => schema.Replace("]}}", "], \"discriminator\": {\"propertyName\": \"event\"}}}", StringComparison.Ordinal);
        Findings(Spec.ResponseBody(tagged(Events(false, Label, Project))), Spec.ResponseBody(tagged(Events(false, Label, Project, IssueType))))
            .ShouldBe([("response-variant-added", Direction.Backward, Severity.Error)]);
    }

    private const string Names = """{"type": "object", "properties": {"labels": {"type": "array", "minItems": 1, "items": {"type": "string"}}}}""";
    private const string Objects = """{"type": "object", "properties": {"labels": {"type": "array", "minItems": 1, "items": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}}}""";

    [Fact]
    public void alternatives_merged_into_one_schema_that_accepts_both_remove_nothing()
    {
        var old = $$$"""{"oneOf": [{{{Names}}}, {{{Objects}}}]}""";
        var merged = """{"type": "object", "properties": {"labels": {"type": "array", "minItems": 1, "items": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"name": {"type": "string"}, "reason": {"type": "string"}}, "required": ["name"]}]}}}}""";
        Findings(Spec.RequestBody(old), Spec.RequestBody(merged)).ShouldNotContain(f => f.Direction == Direction.Backward);
        // Dropping the object form instead is a removed alternative: old callers sending objects are rejected. And a
        // body without labels, which matched both alternatives and so was rejected by oneOf, is now allowed: old
        // servers reject it from new callers.
        Findings(Spec.RequestBody(old), Spec.RequestBody(Names)).ShouldBe([("request-variant-exclusivity-removed", Direction.Forward, Severity.Warning), ("request-variant-removed", Direction.Backward, Severity.Error)], ignoreOrder: true);
    }

    [Fact]
    public void an_alternative_that_requires_another_property_is_compared_by_what_it_requires()
    {
        const string properties = """ "type": "object", "properties": {"state": {"type": "string"}, "assignee": {"type": "string"}, "validity": {"type": "string"}}""";
        var old = "{" + properties + """, "anyOf": [{"required": ["state"]}, {"required": ["assignee"]}]}""";
        var @new = "{" + properties + """, "anyOf": [{"required": ["state"]}, {"required": ["assignee"]}, {"required": ["validity"]}]}""";
        // Old servers reject a body that has only the new property: the expand step of the change.
        Findings(Spec.RequestBody(old), Spec.RequestBody(@new)).ShouldBe([("request-variant-added", Direction.Forward, Severity.Error)]);
    }

    [Fact]
    public void null_allowed_beside_alternatives_is_still_allowed()
    {
        const string nullableString = """{"type": "string", "nullable": true}""";
        const string nullableEither = """{"nullable": true, "oneOf": [{"type": "string"}, {"type": "object", "properties": {"value": {"type": "string"}}}]}""";
        const string either = """{"oneOf": [{"type": "string"}, {"type": "object", "properties": {"value": {"type": "string"}}}]}""";
        Findings(Spec.RequestBody(nullableString, "3.0.3"), Spec.RequestBody(nullableEither, "3.0.3")).ShouldBe([("request-variant-added", Direction.Forward, Severity.Error)]);
        Findings(Spec.RequestBody(nullableString, "3.0.3"), Spec.RequestBody(either, "3.0.3"))
            .ShouldBe([("request-variant-added", Direction.Forward, Severity.Error), ("request-nullable-removed", Direction.Backward, Severity.Error)], ignoreOrder: true);
    }

    [Fact]
    public void a_schema_compared_first_as_an_alternative_still_has_its_nullability_compared_where_it_is_used_directly()
    {
        static string Doc(string x) => Spec.WithPaths(
            """{"/items": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"either": {"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "integer"}]}, "direct": {"$ref": "#/components/schemas/X"}}}}}}}}}}""",
            extra: "\"components\": {\"schemas\": {\"X\": " + x + "}}");
        using var files = new ContractFiles();
        files.CompareOpenApi(Doc("""{"type": "string"}"""), Doc("""{"type": ["string", "null"]}"""))
            .Select(f => (f.RuleId, f.Location)).ShouldBe(
            [
                ("response-nullable-added", "/paths/~1items/get/responses/200/content/application~1json/schema/properties/either"),
                ("response-nullable-added", "/components/schemas/X"),
            ], ignoreOrder: true);
    }

    [Fact]
    public void null_added_as_an_alternative_is_nullable_added()
    {
        const string either = """{"oneOf": [{"type": "string"}, {"type": "integer"}]}""";
        const string eitherOrNull = """{"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}""";
        Findings(Spec.ResponseBody(either), Spec.ResponseBody(eitherOrNull)).ShouldBe([("response-nullable-added", Direction.Backward, Severity.Error)]);
        Findings(Spec.ResponseBody(eitherOrNull), Spec.ResponseBody(either)).ShouldBe([("response-nullable-removed", Direction.Forward, Severity.Error)]);
    }

    private static string Flag(string defaultValue) =>
        $$$$"""{"type": "object", "properties": {"make_latest": {"type": "string", "enum": ["true", "false", "legacy"], "default": {{{{defaultValue}}}}}}}""";

    [Fact]
    public void a_default_written_as_another_json_type_is_the_same_default()
    {
        // YAML's unquoted `default: true` on a string schema is the string "true".
        Findings(Spec.RequestBody(Flag("true")), Spec.RequestBody(Flag("\"true\""))).ShouldBeEmpty();
        Findings(Spec.RequestBody("""{"type": "integer", "default": "5"}"""), Spec.RequestBody("""{"type": "integer", "default": 5}""")).ShouldBeEmpty();
        Findings(Spec.RequestBody(Flag("true")), Spec.RequestBody(Flag("\"false\"")))
            .ShouldBe([("request-default-changed", Direction.Backward, Severity.Error), ("request-default-changed", Direction.Forward, Severity.Error)], ignoreOrder: true);
    }

    private static string Statuses(string statuses) => Spec.Operation("get", "/a", "{\"responses\": {" + statuses + "}}");

    private const string Ok = "\"200\": {\"description\": \"ok\"}";

    [Theory]
    [InlineData("\"404\": {\"description\": \"no\"}", "422", Severity.Info)]
    [InlineData("", "500", Severity.Info)]
    [InlineData("", "5XX", Severity.Info)]
    [InlineData("", "404", Severity.Warning)]
    [InlineData("\"500\": {\"description\": \"no\"}", "404", Severity.Warning)]
    [InlineData("\"404\": {\"description\": \"no\"}", "202", Severity.Warning)]
    public void a_new_error_status_of_a_class_callers_already_handle_is_information(string oldOthers, string added, Severity severity)
    {
        var old = Ok + (oldOthers.Length > 0 ? ", " + oldOthers : "");
        Findings(Statuses(old), Statuses(old + ", \"" + added + "\": {\"description\": \"new\"}")).ShouldBe([("response-status-added", Direction.Backward, severity)]);
    }

    private static string IdParameter(string schema) =>
        Spec.Operation("get", "/jobs/{id}", $$$$"""{"parameters": [{"name": "id", "in": "path", "required": true, "schema": {{{{schema}}}}}], "responses": {"204": {"description": "ok"}}}""");

    [Theory]
    [InlineData("""{"type": "integer"}""", """{"type": "integer", "format": "int64"}""")]
    [InlineData("""{"type": "integer", "format": "int64"}""", """{"type": "integer"}""")]
    [InlineData("""{"type": "number"}""", """{"type": "number", "format": "double"}""")]
    public void int64_on_an_integer_and_double_on_a_number_admit_every_interoperable_json_number(string before, string after)
    {
        Findings(IdParameter(before), IdParameter(after)).ShouldBeEmpty();
        Findings(Spec.ResponseBody(before), Spec.ResponseBody(after)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"type": "integer"}""", """{"type": "integer", "format": "int32"}""")]
    [InlineData("""{"type": "number"}""", """{"type": "number", "format": "float"}""")]
    [InlineData("""{"type": "string"}""", """{"type": "string", "format": "int64"}""")]
    public void a_narrower_numeric_format_added_is_still_a_warning(string before, string after)
    {
        Findings(IdParameter(before), IdParameter(after)).ShouldBe([("request-format-added", Direction.Backward, Severity.Warning)]);
    }

    private const string Sha1 = """{"type": "string", "minLength": 40, "maxLength": 40, "pattern": "^[0-9a-fA-F]+$"}""";
    private const string Sha1OrSha256 = """{"type": "string", "minLength": 40, "maxLength": 64, "pattern": "^([0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?)$"}""";

    [Fact]
    public void a_changed_pattern_that_accepts_every_string_the_other_side_sends_breaks_no_one()
    {
        // Only the longer values break old readers, and the length rule says so; both patterns accept both sides' SHAs.
        Findings(Spec.RequestBody(Sha1), Spec.RequestBody(Sha1OrSha256)).ShouldBe([("request-length-range-widened", Direction.Forward, Severity.Error)]);
        Findings(Spec.ResponseBody(Sha1), Spec.ResponseBody(Sha1OrSha256)).ShouldBe([("response-length-range-widened", Direction.Backward, Severity.Error)]);
    }

    [Fact]
    public void a_changed_pattern_that_rejects_what_the_other_side_sends_is_reported_in_that_direction_only()
    {
        // Old callers may send a short SHA; new callers' 40-digit ones still match the old pattern.
        Findings(Spec.RequestBody("""{"type": "string", "pattern": "^[0-9a-f]+$"}"""), Spec.RequestBody("""{"type": "string", "pattern": "^[0-9a-f]{40}$"}"""))
            .ShouldBe([("request-pattern-changed", Direction.Backward, Severity.Warning)]);
        // A pattern outside the syntax that is read is reported both ways, as before.
        Findings(Spec.RequestBody("""{"type": "string", "pattern": "^(a)\\1$"}"""), Spec.RequestBody("""{"type": "string", "pattern": "^(b)\\1$"}"""))
            .ShouldBe([("request-pattern-changed", Direction.Backward, Severity.Warning), ("request-pattern-changed", Direction.Forward, Severity.Warning)], ignoreOrder: true);
    }
}
