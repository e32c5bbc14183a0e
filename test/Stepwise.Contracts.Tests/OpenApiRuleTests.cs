namespace Stepwise.Contracts.Tests;

/// <summary>Operation-level OpenAPI rules, each with a minimal pair, in both orders where the reverse change is a rule too.</summary>
public sealed class OpenApiRuleTests
{
    private const string Ok = """{"204": {"description": "ok"}}""";

    private static (string Rule, Direction Direction, Severity Severity)[] Findings(string oldSpec, string newSpec)
    {
        using var files = new ContractFiles();
        return files.CompareOpenApi(oldSpec, newSpec).Select(f => (f.RuleId, f.Direction, f.Severity)).ToArray();
    }

    private static string Op(string operation, string path = "/pets/{petId}", string method = "get", string extra = "") => Spec.Operation(method, path, operation, extra: extra);

    private static string Responses(string responses = Ok) => $$$"""{"responses": {{{responses}}}}""";

    private static string WithParameters(string parameters) => $$$"""{"parameters": [{{{parameters}}}], "responses": {{{Ok}}}}""";

    [Fact]
    public void removing_an_undeprecated_operation_is_an_error()
    {
        Findings(Op(Responses()), Spec.WithPaths("{}")).ShouldBe([("operation-removed", Direction.Backward, Severity.Error)]);
    }

    [Fact]
    public void removing_a_deprecated_operation_is_a_warning_naming_the_caller_check()
    {
        using var files = new ContractFiles();
        var finding = files.CompareOpenApi(Op($$$"""{"deprecated": true, "responses": {{{Ok}}}}"""), Spec.WithPaths("{}")).ShouldHaveSingleItem();
        finding.RuleId.ShouldBe("deprecated-operation-removed");
        finding.Severity.ShouldBe(Severity.Warning);
        finding.Direction.ShouldBe(Direction.Backward);
        finding.Message.ShouldContain("caller");
        finding.Message.ShouldContain("G6");
    }

    [Fact]
    public void adding_an_operation_is_information_for_the_forward_direction()
    {
        Findings(Spec.WithPaths("{}"), Op(Responses())).ShouldBe([("operation-added", Direction.Forward, Severity.Info)]);
    }

    [Fact]
    public void deprecating_an_operation_is_information()
    {
        Findings(Op(Responses()), Op($$$"""{"deprecated": true, "responses": {{{Ok}}}}""")).ShouldBe([("operation-deprecated", Direction.Backward, Severity.Info)]);
    }

    [Fact]
    public void path_parameter_names_do_not_identify_an_operation()
    {
        var oldSpec = Spec.Operation("get", "/pets/{petId}", """{"parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"204": {"description": "ok"}}}""");
        var newSpec = Spec.Operation("get", "/pets/{id}", """{"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}], "responses": {"204": {"description": "ok"}}}""");
        Findings(oldSpec, newSpec).ShouldBeEmpty();
    }

    [Fact]
    public void removing_an_optional_parameter_is_a_backward_warning()
    {
        Findings(Op(WithParameters("""{"name": "q", "in": "query", "schema": {"type": "string"}}""")), Op(Responses()))
            .ShouldBe([("request-parameter-removed", Direction.Backward, Severity.Warning)]);
    }

    [Fact]
    public void removing_a_required_parameter_also_breaks_old_servers_with_new_callers()
    {
        Findings(Op(WithParameters("""{"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}""")), Op(Responses()))
            .ShouldBe([("request-parameter-removed", Direction.Backward, Severity.Warning), ("request-parameter-removed", Direction.Forward, Severity.Error)], ignoreOrder: true);
    }

    [Fact]
    public void adding_an_optional_parameter_is_forward_information()
    {
        Findings(Op(Responses()), Op(WithParameters("""{"name": "q", "in": "query", "schema": {"type": "string"}}""")))
            .ShouldBe([("request-parameter-added", Direction.Forward, Severity.Info)]);
    }

    [Fact]
    public void adding_a_required_parameter_breaks_old_callers()
    {
        Findings(Op(Responses()), Op(WithParameters("""{"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}""")))
            .ShouldBe([("request-parameter-required-added", Direction.Backward, Severity.Error)]);
    }

    [Fact]
    public void making_a_parameter_required_breaks_old_callers_and_the_reverse_breaks_old_servers()
    {
        var optional = Op(WithParameters("""{"name": "X-Trace", "in": "header", "schema": {"type": "string"}}"""));
        var required = Op(WithParameters("""{"name": "x-trace", "in": "header", "required": true, "schema": {"type": "string"}}"""));
        Findings(optional, required).ShouldBe([("request-parameter-required-added", Direction.Backward, Severity.Error)]);
        Findings(required, optional).ShouldBe([("request-parameter-required-removed", Direction.Forward, Severity.Error)]);
    }

    [Fact]
    public void changing_a_parameter_serialization_breaks_both_directions()
    {
        var form = Op(WithParameters("""{"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}}"""));
        var piped = Op(WithParameters("""{"name": "ids", "in": "query", "style": "pipeDelimited", "explode": false, "schema": {"type": "array", "items": {"type": "string"}}}"""));
        Findings(form, piped).ShouldBe([("request-parameter-style-changed", Direction.Backward, Severity.Error), ("request-parameter-style-changed", Direction.Forward, Severity.Error)], ignoreOrder: true);
        Findings(piped, form).Select(f => f.Rule).Distinct().ShouldBe(["request-parameter-style-changed"]);
    }

    [Fact]
    public void a_parameter_schema_is_compared_as_request_data()
    {
        Findings(Op(WithParameters("""{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}""")),
                 Op(WithParameters("""{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 50}}""")))
            .ShouldBe([("request-numeric-range-narrowed", Direction.Backward, Severity.Error)]);
    }

    private static string Body(bool required, string mediaType = "application/json") =>
        $$$"""{"requestBody": {"required": {{{(required ? "true" : "false")}}}, "content": {"{{{mediaType}}}": {"schema": {"type": "object"} } }}, "responses": {{{Ok}}}}""";

    [Fact]
    public void adding_a_required_request_body_breaks_old_callers_and_an_optional_one_is_information()
    {
        Findings(Op(Responses(), method: "post"), Op(Body(true), method: "post")).ShouldBe([("request-body-required-added", Direction.Backward, Severity.Error)]);
        Findings(Op(Responses(), method: "post"), Op(Body(false), method: "post")).ShouldBe([("request-body-added", Direction.Forward, Severity.Info)]);
    }

    [Fact]
    public void removing_a_request_body_warns_and_removing_a_required_one_breaks_old_servers()
    {
        Findings(Op(Body(false), method: "post"), Op(Responses(), method: "post")).ShouldBe([("request-body-removed", Direction.Backward, Severity.Warning)]);
        Findings(Op(Body(true), method: "post"), Op(Responses(), method: "post"))
            .ShouldBe([("request-body-removed", Direction.Backward, Severity.Warning), ("request-body-removed", Direction.Forward, Severity.Error)], ignoreOrder: true);
    }

    [Fact]
    public void making_the_request_body_required_or_optional_breaks_one_direction_each()
    {
        Findings(Op(Body(false), method: "post"), Op(Body(true), method: "post")).ShouldBe([("request-body-required-added", Direction.Backward, Severity.Error)]);
        Findings(Op(Body(true), method: "post"), Op(Body(false), method: "post")).ShouldBe([("request-body-required-removed", Direction.Forward, Severity.Error)]);
    }

    [Fact]
    public void request_media_types_removed_break_old_callers_and_added_ones_break_old_servers()
    {
        Findings(Op(Body(true), method: "post"), Op(Body(true, "application/xml"), method: "post"))
            .ShouldBe([("request-media-type-removed", Direction.Backward, Severity.Error), ("request-media-type-added", Direction.Forward, Severity.Warning)], ignoreOrder: true);
    }

    private static string Response(string status, string mediaType = "application/json", string headers = "") =>
        $$$"""{"responses": {"{{{status}}}": {"description": "ok"{{{headers}}}, "content": {"{{{mediaType}}}": {"schema": {"type": "object"} } }} } }""";

    [Fact]
    public void response_statuses_added_warn_old_callers_and_removed_ones_warn_new_callers()
    {
        var one = Op("""{"responses": {"200": {"description": "ok"}}}""");
        var two = Op("""{"responses": {"200": {"description": "ok"}, "404": {"description": "gone"}}}""");
        Findings(one, two).ShouldBe([("response-status-added", Direction.Backward, Severity.Warning)]);
        Findings(two, one).ShouldBe([("response-status-removed", Direction.Forward, Severity.Warning)]);
    }

    [Fact]
    public void a_status_covered_by_a_default_or_a_status_class_is_not_new()
    {
        Findings(Op("""{"responses": {"200": {"description": "ok"}, "4XX": {"description": "client error"}}}"""),
                 Op("""{"responses": {"200": {"description": "ok"}, "4XX": {"description": "client error"}, "404": {"description": "gone"}}}""")).ShouldBeEmpty();
        Findings(Op("""{"responses": {"200": {"description": "ok"}, "default": {"description": "error"}}}"""),
                 Op("""{"responses": {"200": {"description": "ok"}, "default": {"description": "error"}, "409": {"description": "conflict"}}}""")).ShouldBeEmpty();
    }

    [Fact]
    public void response_media_types_removed_break_old_callers_and_added_ones_warn_new_callers()
    {
        Findings(Op(Response("200")), Op(Response("200", "text/csv")))
            .ShouldBe([("response-media-type-removed", Direction.Backward, Severity.Error), ("response-media-type-added", Direction.Forward, Severity.Warning)], ignoreOrder: true);
    }

    [Fact]
    public void response_headers_removed_or_made_optional_break_old_callers_and_required_ones_break_new_callers()
    {
        var optional = Op(Response("200", headers: """, "headers": {"ETag": {"schema": {"type": "string"}}}"""));
        var required = Op(Response("200", headers: """, "headers": {"etag": {"required": true, "schema": {"type": "string"}}}"""));
        var none = Op(Response("200"));
        Findings(optional, none).ShouldBe([("response-header-removed", Direction.Backward, Severity.Warning)]);
        Findings(required, none).ShouldBe([("response-header-removed", Direction.Backward, Severity.Error)]);
        Findings(none, required).ShouldBe([("response-header-required-added", Direction.Forward, Severity.Error)]);
        Findings(optional, required).ShouldBe([("response-header-required-added", Direction.Forward, Severity.Error)]);
        Findings(required, optional).ShouldBe([("response-header-required-removed", Direction.Backward, Severity.Error)]);
        Findings(none, optional).ShouldBeEmpty();
    }

    private const string Schemes = """
        "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}, "oauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://t", "scopes": {"read": "r", "write": "w"}}}}}}
        """;

    private static string Secured(string security) => Spec.Operation("get", "/pets", $$$"""{"security": {{{security}}}, "responses": {{{Ok}}}}""", extra: Schemes);

    [Fact]
    public void requiring_authentication_breaks_old_callers_and_dropping_it_breaks_old_servers()
    {
        Findings(Secured("[]"), Secured("""[{"key": []}]""")).ShouldBe([("security-requirement-added", Direction.Backward, Severity.Error)]);
        Findings(Secured("""[{"key": []}]"""), Secured("[]")).ShouldBe([("security-requirement-removed", Direction.Forward, Severity.Error)]);
    }

    [Fact]
    public void adding_an_alternative_scheme_keeps_old_callers_working_but_not_new_callers_on_old_servers()
    {
        Findings(Secured("""[{"key": []}]"""), Secured("""[{"key": []}, {"oauth": ["read"]}]""")).ShouldBe([("security-requirement-removed", Direction.Forward, Severity.Error)]);
    }

    [Fact]
    public void requiring_more_scopes_breaks_old_callers_and_fewer_scopes_breaks_old_servers()
    {
        Findings(Secured("""[{"oauth": ["read"]}]"""), Secured("""[{"oauth": ["read", "write"]}]""")).ShouldBe([("security-scope-added", Direction.Backward, Severity.Error)]);
        Findings(Secured("""[{"oauth": ["read", "write"]}]"""), Secured("""[{"oauth": ["read"]}]""")).ShouldBe([("security-scope-removed", Direction.Forward, Severity.Error)]);
    }

    [Fact]
    public void document_level_security_applies_to_operations_without_their_own()
    {
        var open = Spec.Operation("get", "/pets", Responses(), extra: Schemes);
        var locked = Spec.Operation("get", "/pets", Responses(), extra: Schemes + """, "security": [{"key": []}]""");
        Findings(open, locked).ShouldBe([("security-requirement-added", Direction.Backward, Severity.Error)]);
    }

    [Fact]
    public void replacing_the_success_status_breaks_old_callers()
    {
        Findings(Op(Responses("""{"201": {"description": "created"}}""")), Op(Responses("""{"200": {"description": "ok"}}""")))
            .ShouldContain(("response-success-status-changed", Direction.Backward, Severity.Error));
    }

    [Fact]
    public void removing_or_adding_a_webhook_or_a_callback_is_a_finding()
    {
        // The webhook and callback comparisons are tested in full in WebhookTests.
        const string webhook = """
            "webhooks": {"orderCreated": {"post": {"responses": {"200": {"description": "ok"}}}}}
            """;
        Findings(Spec.WithPaths("{}", extra: webhook), Spec.WithPaths("{}")).ShouldBe([("webhook-removed", Direction.Backward, Severity.Error)]);
        Findings(Spec.WithPaths("{}"), Spec.WithPaths("{}", extra: webhook)).ShouldBe([("webhook-added", Direction.Backward, Severity.Info)]);
        var withCallback = Op("""{"callbacks": {"onEvent": {"{$request.body#/url}": {"post": {"responses": OK}}}}, "responses": OK}""".Replace("OK", Ok, StringComparison.Ordinal));
        Findings(withCallback, Op(Responses())).ShouldBe([("callback-removed", Direction.Backward, Severity.Error)]);
        Findings(Op(Responses()), withCallback).ShouldBe([("callback-added", Direction.Backward, Severity.Info)]);
        static string Payload(string type) => Spec.WithPaths("{}", extra: """
            "webhooks": {"orderCreated": {"post": {"requestBody": {"content": {"TYPE": {}}}, "responses": {"200": {"description": "ok"}}}}}
            """.Replace("TYPE", type, StringComparison.Ordinal));
        Findings(Payload("application/json"), Payload("application/xml"))
            .ShouldBe([("payload-media-type-added", Direction.Backward, Severity.Error), ("payload-media-type-removed", Direction.Forward, Severity.Warning)], ignoreOrder: true);
    }

    [Fact]
    public void every_operation_rule_has_a_test()
    {
        var source = string.Concat(new[] { "OpenApiRuleTests.cs", "SunsetAndExtensibleEnumTests.cs" }.Select(f => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, f))));
        foreach (var rule in CompatRules.OperationRules)
        {
            source.ShouldContain($"\"{rule.Id}\"", customMessage: $"operation rule '{rule.Id}' has no test");
        }
    }
}
