namespace Stepwise.Contracts.Tests;

/// <summary>
/// Fleet mode reports what breaks existing callers or readers when N+1 rolls out or N comes back. For a service
/// (OpenAPI) the forward findings are expand steps, reported as information naming G5; strict mode keeps today's
/// two-direction check. Data contracts (JSON Schema) keep both directions in fleet mode.
/// </summary>
public sealed class FleetModeTests
{
    private static IReadOnlyList<Finding> Run(string oldSpec, string newSpec, CompatMode mode, ContractKind kind = ContractKind.OpenApi, SchemaRole role = SchemaRole.Reader)
    {
        using var files = new ContractFiles();
        return CompatRunner.Run(files.Write("old.json", oldSpec), files.Write("new.json", newSpec), kind, mode, new CheckerOptions(role), TestContext.Current.CancellationToken).Findings;
    }

    private static string Prop(string schema, string required = "", string extra = "") =>
        $$$"""{"type": "object", "properties": {"v": {{{schema}}}}{{{(required.Length > 0 ? ", \"required\": [" + required + "]" : "")}}}{{{extra}}}}""";

    /// <summary>Server widens what it accepts: forward-only findings.</summary>
    public static TheoryData<string, string, string> RequestExpandSteps() => new()
    {
        { Prop("""{"type": "string", "enum": ["a"]}"""), Prop("""{"type": "string", "enum": ["a", "b"]}"""), "request-enum-value-added" },
        { Prop("""{"type": "string", "maxLength": 5}"""), Prop("""{"type": "string", "maxLength": 50}"""), "request-length-range-widened" },
        { Prop("""{"type": "string"}"""), Prop("""{"type": ["string", "null"]}"""), "request-nullable-added" },
        { Prop("""{"type": "string"}""", "\"v\""), Prop("""{"type": "string"}"""), "request-property-required-removed" },
        { Prop("""{"type": "string"}""", extra: ", \"additionalProperties\": false"), Prop("""{"type": "string"}"""), "request-additional-properties-opened" },
    };

    /// <summary>Server narrows what it returns within its promise: forward-only findings.</summary>
    public static TheoryData<string, string, string> ResponseExpandSteps() => new()
    {
        { Prop("""{"type": "string"}"""), Prop("""{"type": "string"}""", extra: ", \"additionalProperties\": false"), "response-additional-properties-closed" },
        { Prop("""{"type": "string"}"""), Prop("""{"type": "string"}""", "\"v\""), "response-property-required-added" },
        { Prop("""{"type": ["string", "null"]}"""), Prop("""{"type": "string"}"""), "response-nullable-removed" },
    };

    [Theory]
    [MemberData(nameof(RequestExpandSteps))]
    public void a_server_that_widens_what_it_accepts_is_an_expand_step_in_fleet_mode(string oldSchema, string newSchema, string rule)
    {
        AssertExpandStep(Spec.RequestBody(oldSchema), Spec.RequestBody(newSchema), rule, "send");
    }

    [Theory]
    [MemberData(nameof(ResponseExpandSteps))]
    public void a_server_that_narrows_what_it_returns_is_an_expand_step_in_fleet_mode(string oldSchema, string newSchema, string rule)
    {
        AssertExpandStep(Spec.ResponseBody(oldSchema), Spec.ResponseBody(newSchema), rule, "rely on");
    }

    [Fact]
    public void an_alternative_security_scheme_is_an_expand_step_in_fleet_mode()
    {
        const string schemes = "\"components\": {\"securitySchemes\": {\"key\": {\"type\": \"apiKey\", \"in\": \"header\", \"name\": \"X-Key\"}, \"bearer\": {\"type\": \"http\", \"scheme\": \"bearer\"}}}";
        var oldSpec = Spec.Operation("get", "/a", """{"security": [{"key": []}], "responses": {"204": {"description": "ok"}}}""", extra: schemes);
        var newSpec = Spec.Operation("get", "/a", """{"security": [{"key": []}, {"bearer": []}], "responses": {"204": {"description": "ok"}}}""", extra: schemes);
        AssertExpandStep(oldSpec, newSpec, "security-requirement-removed", "send");
    }

    private static void AssertExpandStep(string oldSpec, string newSpec, string rule, string verb)
    {
        var strict = Run(oldSpec, newSpec, CompatMode.Strict).ShouldHaveSingleItem();
        (strict.RuleId, strict.Direction).ShouldBe((rule, Direction.Forward));
        strict.Severity.ShouldNotBe(Severity.Info);
        var fleet = Run(oldSpec, newSpec, CompatMode.Fleet).ShouldHaveSingleItem();
        (fleet.RuleId, fleet.Direction, fleet.Severity).ShouldBe((rule, Direction.Forward, Severity.Info));
        fleet.Message.ShouldContain($"callers may {verb} this only after every server runs N+1");
        fleet.Message.ShouldContain("(G5)");
        Run(oldSpec, newSpec, CompatMode.Backward).ShouldBeEmpty();
        Run(oldSpec, newSpec, CompatMode.Forward).ShouldHaveSingleItem().Severity.ShouldBe(strict.Severity);
        // The reverse change is the contract step that breaks existing callers: it keeps its severity in fleet mode.
        Run(newSpec, oldSpec, CompatMode.Fleet).ShouldContain(f => f.Direction == Direction.Backward && f.Severity != Severity.Info);
    }

    [Fact]
    public void a_change_that_breaks_both_ways_is_an_error_in_fleet_mode_by_its_backward_finding()
    {
        var oldSpec = Spec.RequestBody(Prop("""{"type": "string"}"""));
        var newSpec = Spec.RequestBody(Prop("""{"type": "integer"}"""));
        var fleet = Run(oldSpec, newSpec, CompatMode.Fleet);
        fleet.ShouldContain(f => f.RuleId == "request-type-changed" && f.Direction == Direction.Backward && f.Severity == Severity.Error);
        fleet.ShouldContain(f => f.RuleId == "request-type-changed" && f.Direction == Direction.Forward && f.Severity == Severity.Info);
        Run(oldSpec, newSpec, CompatMode.Strict).Count(f => f.Severity == Severity.Error).ShouldBe(2);
    }

    [Theory]
    [InlineData(SchemaRole.Reader, Direction.Forward)]
    [InlineData(SchemaRole.Writer, Direction.Backward)]
    public void a_data_contract_keeps_both_directions_in_fleet_mode(SchemaRole role, Direction widening)
    {
        var oldSchema = Prop("""{"type": "string", "enum": ["a"]}""");
        var newSchema = Prop("""{"type": "string", "enum": ["a", "b"]}""");
        var fleet = Run(oldSchema, newSchema, CompatMode.Fleet, ContractKind.JsonSchema, role).ShouldHaveSingleItem();
        (fleet.RuleId, fleet.Direction, fleet.Severity).ShouldBe(("schema-enum-value-added", widening, Severity.Error));
        Run(oldSchema, newSchema, CompatMode.Strict, ContractKind.JsonSchema, role).Select(f => (f.RuleId, f.Direction, f.Severity)).ShouldBe([(fleet.RuleId, fleet.Direction, fleet.Severity)]);
    }

    [Fact]
    public void expand_steps_never_fail_the_default_gate()
    {
        var oldSpec = Spec.RequestBody(Prop("""{"type": "string", "enum": ["a"]}"""));
        var newSpec = Spec.RequestBody(Prop("""{"type": "string", "enum": ["a", "b"]}"""));
        using var files = new ContractFiles();
        var report = CompatRunner.Run(files.Write("old.json", oldSpec), files.Write("new.json", newSpec), cancellationToken: TestContext.Current.CancellationToken);
        report.Mode.ShouldBe(CompatMode.Fleet);
        report.IsBreaking(Severity.Warning).ShouldBeFalse();
        CompatRunner.Run(files.Write("old.json", oldSpec), files.Write("new.json", newSpec), mode: CompatMode.Strict, cancellationToken: TestContext.Current.CancellationToken).IsBreaking().ShouldBeTrue();
    }
}
