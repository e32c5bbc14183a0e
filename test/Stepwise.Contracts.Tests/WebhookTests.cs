namespace Stepwise.Contracts.Tests;

/// <summary>
/// OpenAPI 3.1 webhooks and operation callbacks: the described service sends the request and reads the response, so
/// the request data is judged as response data (receivers read it) and the response data as request data (the
/// service reads it).
/// </summary>
public sealed class WebhookTests
{
    private const string Ok = """{"200": {"description": "ok"}}""";

    private const string Order = """{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "total": {"type": "number"}}}""";

    /// <summary>A 3.1 document without paths whose webhooks object is <paramref name="webhooks"/> (JSON text).</summary>
    private static string Webhooks(string webhooks, string extra = "") => Spec.WithPaths("{}", extra: $"\"webhooks\": {webhooks}" + (extra.Length > 0 ? ", " + extra : ""));

    /// <summary>Webhook orderCreated (POST) whose JSON payload has <paramref name="schema"/> and whose 200 reply has <paramref name="reply"/>.</summary>
    private static string Payload(string schema, string? reply = null) =>
        Webhooks("""{"orderCreated": {"post": {"requestBody": {"content": {"application/json": {"schema": SCHEMA}}}, "responses": RESPONSES}}}"""
            .Replace("SCHEMA", schema, StringComparison.Ordinal)
            .Replace("RESPONSES", reply is null ? Ok : """{"200": {"description": "ok", "content": {"application/json": {"schema": REPLY}}}}""".Replace("REPLY", reply, StringComparison.Ordinal), StringComparison.Ordinal));

    /// <summary>POST /subscriptions with a callback onEvent whose JSON payload has <paramref name="schema"/>.</summary>
    private static string Callback(string schema, string expression = "{$request.body#/callbackUrl}") =>
        Spec.Operation("post", "/subscriptions", """{"callbacks": {"onEvent": {"EXPRESSION": {"post": {"requestBody": {"content": {"application/json": {"schema": SCHEMA}}}, "responses": OK}}}}, "responses": {"201": {"description": "created"}}}"""
            .Replace("EXPRESSION", expression, StringComparison.Ordinal).Replace("SCHEMA", schema, StringComparison.Ordinal).Replace("OK", Ok, StringComparison.Ordinal));

    private static IReadOnlyList<Finding> Compare(string oldSpec, string newSpec, string extension = "json")
    {
        using var files = new ContractFiles();
        return files.CompareOpenApi(oldSpec, newSpec, extension);
    }

    private static IReadOnlyList<Finding> Fleet(string oldSpec, string newSpec)
    {
        using var files = new ContractFiles();
        return CompatRunner.Run(files.Write("old.json", oldSpec), files.Write("new.json", newSpec), ContractKind.OpenApi, CompatMode.Fleet, new CheckerOptions(SchemaRole.Reader), TestContext.Current.CancellationToken).Findings;
    }

    private static (string Rule, Direction Direction, Severity Severity)[] Rules(IEnumerable<Finding> findings) =>
        findings.Select(f => (f.RuleId, f.Direction, f.Severity)).ToArray();

    [Fact]
    public void a_payload_type_change_breaks_receivers_in_both_directions()
    {
        var findings = Compare(Payload("""{"type": "object", "properties": {"id": {"type": "string"}}}"""), Payload("""{"type": "object", "properties": {"id": {"type": "integer"}}}"""));
        Rules(findings).ShouldBe([("response-type-changed", Direction.Backward, Severity.Error), ("response-type-changed", Direction.Forward, Severity.Error)], ignoreOrder: true);
        foreach (var finding in findings)
        {
            finding.Location.ShouldStartWith("/webhooks/orderCreated/post");
            finding.Message.ShouldStartWith("webhook orderCreated POST");
            finding.Message.ShouldContain("receivers");
        }
    }

    [Fact]
    public void the_reported_yaml_pair_is_breaking()
    {
        const string w1 = """
            openapi: 3.1.0
            info: {title: t, version: '1'}
            paths: {}
            webhooks:
              orderCreated:
                post:
                  requestBody:
                    content:
                      application/json:
                        schema: {type: object, required: [id], properties: {id: {type: string}, total: {type: number}}}
                  responses:
                    '200': {description: ok}
            """;
        var w2 = w1.Replace("required: [id], properties: {id: {type: string}, total: {type: number}}", "required: [id], properties: {id: {type: integer}}", StringComparison.Ordinal);
        var findings = Compare(w1, w2, "yaml");
        findings.ShouldContain(f => f.RuleId == "response-type-changed" && f.Direction == Direction.Backward && f.Severity == Severity.Error && f.Line == 10);
        findings.ShouldContain(f => f.RuleId == "response-property-removed" && f.Direction == Direction.Backward);
    }

    [Fact]
    public void a_payload_type_change_is_an_error_in_fleet_mode_for_old_receivers_and_an_expand_step_for_new_ones()
    {
        var findings = Fleet(Payload("""{"type": "string"}"""), Payload("""{"type": "integer"}"""));
        findings.ShouldContain(f => f.RuleId == "response-type-changed" && f.Direction == Direction.Backward && f.Severity == Severity.Error);
        var forward = findings.Single(f => f.Direction == Direction.Forward);
        forward.Severity.ShouldBe(Severity.Info);
        forward.Message.ShouldContain("receivers may rely on this only after every node of the service runs N+1");
        forward.Message.ShouldNotContain("caller release");
    }

    [Fact]
    public void a_required_property_added_to_a_payload_breaks_new_receivers_meeting_old_senders()
    {
        var findings = Compare(Payload(Order), Payload("""{"type": "object", "required": ["id", "total"], "properties": {"id": {"type": "string"}, "total": {"type": "number"}}}"""));
        Rules(findings).ShouldBe([("response-property-required-added", Direction.Forward, Severity.Error)]);
        var fleet = Fleet(Payload(Order), Payload("""{"type": "object", "required": ["id", "total"], "properties": {"id": {"type": "string"}, "total": {"type": "number"}}}""")).ShouldHaveSingleItem();
        fleet.Severity.ShouldBe(Severity.Info);
        fleet.Message.ShouldContain("Expand step");
    }

    [Fact]
    public void a_property_removed_from_a_payload_warns_old_receivers_and_fails_when_they_required_it()
    {
        Rules(Compare(Payload(Order), Payload("""{"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}""")))
            .ShouldContain(("response-property-removed", Direction.Backward, Severity.Warning));
        Rules(Compare(Payload(Order), Payload("""{"type": "object", "properties": {"total": {"type": "number"}}}""")))
            .ShouldContain(("response-property-removed", Direction.Backward, Severity.Error));
    }

    [Fact]
    public void a_narrowed_webhook_reply_schema_breaks_the_new_service_reading_old_receivers()
    {
        var findings = Compare(Payload(Order, """{"type": "number"}"""), Payload(Order, """{"type": "integer"}"""));
        Rules(findings).ShouldBe([("request-type-narrowed", Direction.Backward, Severity.Error)]);
        findings[0].Message.ShouldStartWith("webhook orderCreated POST response 200");
        findings[0].Message.ShouldContain("the new service");
        // Widening the reply is the expand step: old service nodes may misread new receivers' replies.
        var widened = Fleet(Payload(Order, """{"type": "integer"}"""), Payload(Order, """{"type": "number"}""")).ShouldHaveSingleItem();
        (widened.RuleId, widened.Direction, widened.Severity).ShouldBe(("request-type-widened", Direction.Forward, Severity.Info));
        widened.Message.ShouldContain("receivers may send this only after every node of the service runs N+1");
    }

    [Fact]
    public void a_webhook_parameter_the_service_stops_sending_is_judged_as_a_response_header()
    {
        var header = """{"name": "X-Signature", "in": "header", "required": true, "schema": {"type": "string"}}""";
        var oldSpec = Webhooks("""{"orderCreated": {"post": {"parameters": [HEADER], "responses": OK}}}""".Replace("HEADER", header, StringComparison.Ordinal).Replace("OK", Ok, StringComparison.Ordinal));
        var newSpec = Webhooks("""{"orderCreated": {"post": {"responses": OK}}}""".Replace("OK", Ok, StringComparison.Ordinal));
        Rules(Compare(oldSpec, newSpec)).ShouldBe([("response-header-removed", Direction.Backward, Severity.Error)]);
    }

    [Fact]
    public void a_payload_media_type_added_breaks_old_receivers_and_one_removed_new_receivers()
    {
        // Receivers cannot negotiate the media type of a call they receive: a new one may reach old receivers.
        var oldSpec = Payload(Order);
        var newSpec = oldSpec.Replace("application/json", "application/xml", StringComparison.Ordinal);
        Rules(Compare(oldSpec, newSpec)).ShouldBe([("payload-media-type-added", Direction.Backward, Severity.Error), ("payload-media-type-removed", Direction.Forward, Severity.Warning)], ignoreOrder: true);
        var withoutBody = Webhooks("""{"orderCreated": {"post": {"responses": OK}}}""".Replace("OK", Ok, StringComparison.Ordinal));
        Rules(Compare(oldSpec, withoutBody)).ShouldBe([("payload-media-type-removed", Direction.Backward, Severity.Error)]);
        Rules(Compare(withoutBody, oldSpec)).ShouldBe([("payload-media-type-added", Direction.Backward, Severity.Info)]);
    }

    [Fact]
    public void removing_a_webhook_is_an_error_and_a_warning_when_it_was_deprecated()
    {
        var removed = Compare(Payload(Order), Webhooks("{}")).ShouldHaveSingleItem();
        (removed.RuleId, removed.Direction, removed.Severity).ShouldBe(("webhook-removed", Direction.Backward, Severity.Error));
        removed.Message.ShouldStartWith("webhook orderCreated POST");
        removed.Location.ShouldBe("/webhooks/orderCreated/post");
        var deprecated = Webhooks("""{"orderCreated": {"post": {"deprecated": true, "responses": OK}}}""".Replace("OK", Ok, StringComparison.Ordinal));
        Rules(Compare(deprecated, Webhooks("{}"))).ShouldBe([("webhook-removed", Direction.Backward, Severity.Warning)]);
    }

    [Fact]
    public void adding_a_webhook_is_information()
    {
        var added = Compare(Webhooks("{}"), Payload(Order)).ShouldHaveSingleItem();
        (added.RuleId, added.Severity).ShouldBe(("webhook-added", Severity.Info));
        Fleet(Webhooks("{}"), Payload(Order)).ShouldHaveSingleItem().Severity.ShouldBe(Severity.Info);
    }

    [Fact]
    public void an_unchanged_webhook_has_no_findings()
    {
        Compare(Payload(Order, """{"type": "string"}"""), Payload(Order, """{"type": "string"}""")).ShouldBeEmpty();
    }

    [Fact]
    public void a_callback_payload_change_is_found_and_named_by_its_operation()
    {
        var findings = Compare(Callback("""{"type": "string"}"""), Callback("""{"type": "integer"}"""));
        Rules(findings).ShouldBe([("response-type-changed", Direction.Backward, Severity.Error), ("response-type-changed", Direction.Forward, Severity.Error)], ignoreOrder: true);
        findings[0].Location.ShouldContain("/callbacks/onEvent/");
        findings[0].Message.ShouldStartWith("callback onEvent {$request.body#/callbackUrl} POST of POST /subscriptions");
    }

    [Fact]
    public void removing_and_adding_a_callback_are_findings()
    {
        var without = Spec.Operation("post", "/subscriptions", """{"responses": {"201": {"description": "created"}}}""");
        var removed = Compare(Callback("""{"type": "string"}"""), without).ShouldHaveSingleItem();
        (removed.RuleId, removed.Direction, removed.Severity).ShouldBe(("callback-removed", Direction.Backward, Severity.Error));
        removed.Message.ShouldContain("of POST /subscriptions");
        var added = Compare(without, Callback("""{"type": "string"}""")).ShouldHaveSingleItem();
        (added.RuleId, added.Severity).ShouldBe(("callback-added", Severity.Info));
        // A different runtime expression is a different callback URL: the old one is removed, the new one added.
        Rules(Compare(Callback("""{"type": "string"}"""), Callback("""{"type": "string"}""", "{$request.body#/url}")))
            .ShouldBe([("callback-removed", Direction.Backward, Severity.Error), ("callback-added", Direction.Backward, Severity.Info)], ignoreOrder: true);
    }

    [Fact]
    public void a_referenced_webhook_path_item_and_callback_are_resolved()
    {
        static string Referenced(string type) => Webhooks(
            """{"orderCreated": {"$ref": "#/components/pathItems/OrderCreated"}}""",
            """
            "components": {
              "pathItems": {"OrderCreated": {"post": {"requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}}, "responses": OK}}},
              "schemas": {"Order": {"type": "object", "properties": {"id": {"type": "TYPE"}}}}
            }
            """.Replace("OK", Ok, StringComparison.Ordinal).Replace("TYPE", type, StringComparison.Ordinal));
        var findings = Compare(Referenced("string"), Referenced("integer"));
        Rules(findings).ShouldBe([("response-type-changed", Direction.Backward, Severity.Error), ("response-type-changed", Direction.Forward, Severity.Error)], ignoreOrder: true);
        findings[0].Location.ShouldBe("/components/schemas/Order/properties/id");
        findings[0].Message.ShouldStartWith("webhook orderCreated POST");
        // Inline against referenced: written differently, meaning the same.
        Compare(Referenced("string"), Payload("""{"type": "object", "properties": {"id": {"type": "string"}}}""")).ShouldBeEmpty();

        static string CallbackRef(string type) => Spec.Operation("post", "/subscriptions",
            """{"callbacks": {"onEvent": {"$ref": "#/components/callbacks/OnEvent"}}, "responses": {"201": {"description": "created"}}}""",
            extra: """
            "components": {"callbacks": {"OnEvent": {"{$request.body#/url}": {"post": {"requestBody": {"content": {"application/json": {"schema": {"type": "TYPE"}}}}, "responses": OK}}}}}
            """.Replace("OK", Ok, StringComparison.Ordinal).Replace("TYPE", type, StringComparison.Ordinal));
        Rules(Compare(CallbackRef("string"), CallbackRef("integer")))
            .ShouldBe([("response-type-changed", Direction.Backward, Severity.Error), ("response-type-changed", Direction.Forward, Severity.Error)], ignoreOrder: true);
    }

    [Fact]
    public void an_unresolved_webhook_reference_is_bad_input()
    {
        var broken = Webhooks("""{"orderCreated": {"$ref": "#/components/pathItems/Missing"}}""");
        Should.Throw<ContractInputException>(() => Compare(broken, broken)).Message.ShouldContain("unresolved $ref");
    }

    [Theory]
    [InlineData("5", "'webhooks' must be an object")]
    [InlineData("[]", "'webhooks' must be an object")]
    [InlineData("""{"orderCreated": "x"}""", "the webhook 'orderCreated' must be an object")]
    [InlineData("""{"orderCreated": {"post": 7}}""", "the operation 'webhook orderCreated POST' must be an object")]
    [InlineData("""{"orderCreated": {"post": {"parameters": [{"in": "header"}], "responses": {}}}}""", "a parameter needs 'name' and 'in'")]
    public void a_malformed_webhook_is_bad_input(string webhooks, string message)
    {
        var bad = Webhooks(webhooks);
        Should.Throw<ContractInputException>(() => Compare(bad, Payload(Order))).Message.ShouldContain(message);
        Should.Throw<ContractInputException>(() => Compare(Payload(Order), bad)).Message.ShouldContain(message);
    }

    [Theory]
    [InlineData("""[]""", "'callbacks' of POST /subscriptions must be an object")]
    [InlineData("""{"onEvent": 3}""", "the callback 'onEvent' of POST /subscriptions must be an object")]
    [InlineData("""{"onEvent": {"{$request.body#/url}": true}}""", "must be an object")]
    public void a_malformed_callback_is_bad_input(string callbacks, string message)
    {
        var bad = Spec.Operation("post", "/subscriptions", """{"callbacks": CALLBACKS, "responses": {"201": {"description": "created"}}}""".Replace("CALLBACKS", callbacks, StringComparison.Ordinal));
        var good = Callback("""{"type": "string"}""");
        Should.Throw<ContractInputException>(() => Compare(bad, good)).Message.ShouldContain(message);
        Should.Throw<ContractInputException>(() => Compare(good, bad)).Message.ShouldContain(message);
    }

    [Fact]
    public void a_huge_callback_expression_is_compared_and_abbreviated_in_messages()
    {
        var expression = "{$request.body#/" + new string('u', 200_000) + "}";
        var findings = Compare(Callback("""{"type": "string"}""", expression), Callback("""{"type": "integer"}""", expression));
        findings.Count.ShouldBe(2);
        findings.ShouldAllBe(f => f.Message.Length < 2_000);
        Rules(Compare(Callback("""{"type": "string"}""", expression), Callback("""{"type": "string"}""")))
            .ShouldBe([("callback-removed", Direction.Backward, Severity.Error), ("callback-added", Direction.Backward, Severity.Info)], ignoreOrder: true);
    }

    [Fact]
    public void webhooks_in_an_openapi_30_document_are_not_read()
    {
        var oldSpec = Spec.WithPaths("{}", "3.0.3", "\"webhooks\": 5");
        var newSpec = Spec.WithPaths("{}", "3.0.3", "\"webhooks\": {}");
        Compare(oldSpec, newSpec).ShouldBeEmpty();
    }
}
