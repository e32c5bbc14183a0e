namespace Stepwise.Contracts.Tests;

/// <summary>
/// Severities decided by what breaks, pinned: a success status replaced, a changed default, a response format that
/// admits other values and a removed request header are errors for callers built against the old contract; a new
/// error status of a class old callers already handle is information.
/// </summary>
public sealed class SeverityPinTests
{
    private static (string Rule, Direction Direction, Severity Severity)[] Strict(string oldSpec, string newSpec)
    {
        using var files = new ContractFiles();
        return CompatRunner.Run(files.Write("old.json", oldSpec), files.Write("new.json", newSpec), ContractKind.OpenApi, CompatMode.Strict, cancellationToken: TestContext.Current.CancellationToken)
            .Findings.Select(f => (f.RuleId, f.Direction, f.Severity)).ToArray();
    }

    private static string Op(string operation) => Spec.Operation("get", "/a", operation);

    private static string Param(string parameter) => Op("""{"parameters": [""" + parameter + """], "responses": {"204": {"description": "ok"}}}""");

    [Fact]
    public void catalogue_severities_are_pinned()
    {
        CompatRules.Get("response-success-status-changed").Severity.ShouldBe(Severity.Error);
        CompatRules.Get("request-default-changed").Severity.ShouldBe(Severity.Error);
        CompatRules.Get("response-default-changed").Severity.ShouldBe(Severity.Error);
        CompatRules.Get("schema-default-changed").Severity.ShouldBe(Severity.Error);
        CompatRules.Get("response-format-changed").Severity.ShouldBe(Severity.Error);
        CompatRules.Get("request-parameter-removed").Severity.ShouldBe(Severity.Warning);
        CompatRules.Get("request-parameter-removed-before-sunset").Severity.ShouldBe(Severity.Error);
        CompatRules.Get("request-parameter-sunset-moved-earlier").Severity.ShouldBe(Severity.Error);
        CompatRules.Get("request-parameter-sunset-invalid").Severity.ShouldBe(Severity.Warning);
        foreach (var scope in CompatRules.SchemaScopes)
        {
            CompatRules.Get($"{scope}-variant-exclusivity-added").Severity.ShouldBe(Severity.Warning);
            CompatRules.Get($"{scope}-variant-exclusivity-removed").Severity.ShouldBe(Severity.Warning);
            CompatRules.Get($"{scope}-multiple-of-changed").Severity.ShouldBe(Severity.Error);
        }
        Stepwise.Contracts.Protobuf.ProtobufRules.ExtensionNoDelete.Severity.ShouldBe(Severity.Error);
        Stepwise.Contracts.Protobuf.ProtobufRules.EnumSameType.Severity.ShouldBe(Severity.Error);
        Stepwise.Contracts.Protobuf.ProtobufRules.FieldSameUtf8Validation.Severity.ShouldBe(Severity.Error);
    }

    /// <summary>
    /// A deprecated parameter's x-sunset is a promise to callers like an operation's: breaking it is an error in every
    /// mode (backward keeps its severity in fleet), and a date that cannot be read is a warning.
    /// </summary>
    [Fact]
    public void a_parameter_sunset_promise_broken_is_a_backward_error_in_fleet_mode()
    {
        static string Deprecated(string sunset) => Param("""{"name": "q", "in": "query", "deprecated": true, "x-sunset": "SUNSET", "schema": {"type": "string"}}""".Replace("SUNSET", sunset, StringComparison.Ordinal));
        using var files = new ContractFiles();
        var fleet = CompatRunner.Run(files.Write("old.json", Deprecated("2999-01-01")), files.Write("new.json", Deprecated("2998-01-01")), ContractKind.OpenApi, CompatMode.Fleet, cancellationToken: TestContext.Current.CancellationToken)
            .Findings.Select(f => (f.RuleId, f.Direction, f.Severity)).ToArray();
        fleet.ShouldBe([("request-parameter-sunset-moved-earlier", Direction.Backward, Severity.Error)]);
        Strict(Deprecated("2999-01-01"), Op("""{"responses": {"204": {"description": "ok"}}}"""))
            .ShouldBe([("request-parameter-removed", Direction.Backward, Severity.Warning), ("request-parameter-removed-before-sunset", Direction.Backward, Severity.Error)], ignoreOrder: true);
        Strict(Deprecated("2999-01-01"), Deprecated("someday")).ShouldBe([("request-parameter-sunset-invalid", Direction.Backward, Severity.Warning)]);
    }

    /// <summary>
    /// oneOf and anyOf differ only on a value that matches several alternatives; whether the alternatives overlap is not
    /// decided exactly, so the switch is a warning, in the one pairing it can break. In fleet mode a request narrowing keeps
    /// it, a request widening is an expand step.
    /// </summary>
    [Fact]
    public void switching_one_of_and_any_of_is_a_warning_in_the_pairing_it_narrows()
    {
        const string alternatives = """[{"type": "object", "properties": {"a": {"type": "string"}}}, {"type": "object", "properties": {"b": {"type": "string"}}}]""";
        var oneOf = "{\"oneOf\": " + alternatives + "}";
        var anyOf = "{\"anyOf\": " + alternatives + "}";
        Strict(Spec.RequestBody(oneOf), Spec.RequestBody(anyOf)).ShouldBe([("request-variant-exclusivity-removed", Direction.Forward, Severity.Warning)]);
        Strict(Spec.RequestBody(anyOf), Spec.RequestBody(oneOf)).ShouldBe([("request-variant-exclusivity-added", Direction.Backward, Severity.Warning)]);
        Strict(Spec.ResponseBody(oneOf), Spec.ResponseBody(anyOf)).ShouldBe([("response-variant-exclusivity-removed", Direction.Backward, Severity.Warning)]);
    }

    /// <summary>multipleOf is compared by divisibility: 4 to 2 admits more (old readers break), 2 to 4 less (new readers break).</summary>
    [Fact]
    public void a_multiple_of_change_is_an_error_only_in_the_pairing_whose_reader_rejects()
    {
        Strict(Spec.ResponseBody("""{"type": "integer", "multipleOf": 4}"""), Spec.ResponseBody("""{"type": "integer", "multipleOf": 2}"""))
            .ShouldBe([("response-multiple-of-changed", Direction.Backward, Severity.Error)]);
        Strict(Spec.RequestBody("""{"type": "integer", "multipleOf": 4}"""), Spec.RequestBody("""{"type": "integer", "multipleOf": 2}"""))
            .ShouldBe([("request-multiple-of-changed", Direction.Forward, Severity.Error)]);
        Strict(Spec.RequestBody("""{"type": "integer", "multipleOf": 2}"""), Spec.RequestBody("""{"type": "integer", "multipleOf": 4}"""))
            .ShouldBe([("request-multiple-of-changed", Direction.Backward, Severity.Error)]);
    }

    [Theory]
    [InlineData("201", "200")]
    [InlineData("200", "201")]
    public void a_replaced_success_status_is_a_backward_error(string before, string after)
    {
        var oldSpec = Op("{\"responses\": {\"" + before + "\": {\"description\": \"ok\"}, \"404\": {\"description\": \"no\"}}}");
        var newSpec = Op("{\"responses\": {\"" + after + "\": {\"description\": \"ok\"}, \"404\": {\"description\": \"no\"}}}");
        Strict(oldSpec, newSpec).ShouldBe([("response-success-status-changed", Direction.Backward, Severity.Error), ("response-status-removed", Direction.Forward, Severity.Warning)], ignoreOrder: true);
    }

    [Fact]
    public void an_added_success_status_beside_the_old_one_stays_a_warning()
    {
        var oldSpec = Op("""{"responses": {"200": {"description": "ok"}}}""");
        var newSpec = Op("""{"responses": {"200": {"description": "ok"}, "202": {"description": "later"}}}""");
        Strict(oldSpec, newSpec).ShouldBe([("response-status-added", Direction.Backward, Severity.Warning)]);
    }

    /// <summary>
    /// Lowered from warning, deliberately: HTTP clients read a status they do not know by its class (RFC 9110, section
    /// 15), so a new 4xx reaches the 4xx handling old callers have for a documented 4xx, and a 5xx can come from any
    /// server on any call. A new status of a class the old operation did not document stays a warning.
    /// </summary>
    [Fact]
    public void a_new_error_status_of_a_class_old_callers_handle_is_information()
    {
        var withNotFound = Op("""{"responses": {"200": {"description": "ok"}, "404": {"description": "no"}}}""");
        Strict(withNotFound, Op("""{"responses": {"200": {"description": "ok"}, "404": {"description": "no"}, "422": {"description": "invalid"}}}"""))
            .ShouldBe([("response-status-added", Direction.Backward, Severity.Info)]);
        Strict(withNotFound, Op("""{"responses": {"200": {"description": "ok"}, "404": {"description": "no"}, "503": {"description": "busy"}}}"""))
            .ShouldBe([("response-status-added", Direction.Backward, Severity.Info)]);
        Strict(Op("""{"responses": {"200": {"description": "ok"}}}"""), withNotFound).ShouldBe([("response-status-added", Direction.Backward, Severity.Warning)]);
    }

    [Fact]
    public void a_changed_parameter_default_is_an_error_both_ways_and_a_removed_one_a_warning()
    {
        var a = Param("""{"name": "limit", "in": "query", "schema": {"type": "integer", "default": 10}}""");
        var b = Param("""{"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50}}""");
        var none = Param("""{"name": "limit", "in": "query", "schema": {"type": "integer"}}""");
        Strict(a, b).ShouldBe([("request-default-changed", Direction.Backward, Severity.Error), ("request-default-changed", Direction.Forward, Severity.Error)], ignoreOrder: true);
        Strict(a, none).ShouldAllBe(f => f.Rule == "request-default-changed" && f.Severity == Severity.Warning);
        Strict(none, a).ShouldBeEmpty();
    }

    [Fact]
    public void a_response_format_that_admits_other_values_is_an_error()
    {
        var oldSpec = Spec.ResponseBody("""{"type": "string", "format": "date-time"}""");
        var newSpec = Spec.ResponseBody("""{"type": "string", "format": "date"}""");
        Strict(oldSpec, newSpec).ShouldBe([("response-format-changed", Direction.Backward, Severity.Error), ("response-format-changed", Direction.Forward, Severity.Error)], ignoreOrder: true);
    }

    [Fact]
    public void a_wider_numeric_format_breaks_only_the_narrower_reader()
    {
        var int32 = Spec.ResponseBody("""{"type": "integer", "format": "int32"}""");
        var int64 = Spec.ResponseBody("""{"type": "integer", "format": "int64"}""");
        Strict(int32, int64).ShouldBe([("response-format-changed", Direction.Backward, Severity.Error)]);
        Strict(int64, int32).ShouldBe([("response-format-changed", Direction.Forward, Severity.Error)]);
        Strict(Spec.RequestBody("""{"type": "integer", "format": "int32"}"""), Spec.RequestBody("""{"type": "integer", "format": "int64"}"""))
            .ShouldBe([("request-format-changed", Direction.Forward, Severity.Error)]);
    }

    [Fact]
    public void a_change_to_or_from_a_custom_format_is_a_warning()
    {
        Strict(Spec.ResponseBody("""{"type": "string", "format": "order-id"}"""), Spec.ResponseBody("""{"type": "string", "format": "uuid"}"""))
            .ShouldAllBe(f => f.Rule == "response-format-changed" && f.Severity == Severity.Warning);
    }

    [Fact]
    public void a_removed_request_header_is_a_backward_error_and_a_removed_query_parameter_a_warning()
    {
        var none = Op("""{"responses": {"204": {"description": "ok"}}}""");
        Strict(Param("""{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}"""), none)
            .ShouldBe([("request-parameter-removed", Direction.Backward, Severity.Error)]);
        Strict(Param("""{"name": "q", "in": "query", "schema": {"type": "string"}}"""), none)
            .ShouldBe([("request-parameter-removed", Direction.Backward, Severity.Warning)]);
    }
}
