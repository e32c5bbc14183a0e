namespace Stepwise.Contracts.Tests;

/// <summary>OpenAPI placements: readOnly/writeOnly, bodies on 204 and 304, a schema added where a body had none.</summary>
public sealed class OpenApiCoverageTests
{
    private static (string Rule, Direction Direction, Severity Severity)[] Strict(string oldSpec, string newSpec)
    {
        using var files = new ContractFiles();
        return files.CompareOpenApi(oldSpec, newSpec).Select(f => (f.RuleId, f.Direction, f.Severity)).ToArray();
    }

    private const string Required = """{"type": "object", "properties": {"id": {"type": "string"}, "secret": {"type": "string"}}, "required": ["id", "secret"]}""";
    private const string SecretWriteOnly = """{"type": "object", "properties": {"id": {"type": "string"}, "secret": {"type": "string", "writeOnly": true}}, "required": ["id", "secret"]}""";
    private const string SecretReadOnly = """{"type": "object", "properties": {"id": {"type": "string"}, "secret": {"type": "string", "readOnly": true}}, "required": ["id", "secret"]}""";

    [Fact]
    public void a_required_response_property_that_becomes_write_only_is_no_longer_returned()
    {
        var finding = Strict(Spec.ResponseBody(Required), Spec.ResponseBody(SecretWriteOnly)).ShouldHaveSingleItem();
        finding.ShouldBe(("response-property-removed", Direction.Backward, Severity.Error));
        Strict(Spec.RequestBody(Required), Spec.RequestBody(SecretWriteOnly)).ShouldBeEmpty();
    }

    [Fact]
    public void a_required_request_property_that_becomes_read_only_is_no_longer_accepted()
    {
        Strict(Spec.RequestBody(Required), Spec.RequestBody(SecretReadOnly)).ShouldContain(("request-property-removed", Direction.Forward, Severity.Error));
        Strict(Spec.ResponseBody(Required), Spec.ResponseBody(SecretReadOnly)).ShouldBeEmpty();
    }

    [Fact]
    public void a_write_only_response_property_that_is_returned_again_is_like_an_added_one()
    {
        Strict(Spec.ResponseBody(SecretWriteOnly), Spec.ResponseBody(Required)).ShouldBe([("response-property-required-added", Direction.Forward, Severity.Error)]);
    }

    [Theory]
    [InlineData("204")]
    [InlineData("304")]
    public void content_declared_on_a_bodiless_status_is_ignored(string status)
    {
        var withBody = Spec.Operation("get", "/a", "{\"responses\": {\"" + status + "\": {\"description\": \"x\", \"content\": {\"application/json\": {\"schema\": {\"type\": \"string\"}}}}}}");
        var without = Spec.Operation("get", "/a", "{\"responses\": {\"" + status + "\": {\"description\": \"x\"}}}");
        Strict(withBody, without).ShouldBeEmpty();
        Strict(without, withBody).ShouldBeEmpty();
    }

    [Fact]
    public void a_schema_added_to_a_request_body_that_had_none_narrows_what_the_server_accepts()
    {
        var none = Spec.Operation("post", "/a", """{"requestBody": {"content": {"application/json": {}}}, "responses": {"204": {"description": "ok"}}}""");
        var typed = Spec.RequestBody("""{"type": "object"}""").Replace("/items", "/a", StringComparison.Ordinal);
        Strict(none, typed).ShouldContain(f => f.Rule == "request-type-narrowed" && f.Direction == Direction.Backward && f.Severity == Severity.Error);
        Strict(typed, none).ShouldContain(f => f.Rule == "request-type-widened" && f.Direction == Direction.Forward);
    }
}
