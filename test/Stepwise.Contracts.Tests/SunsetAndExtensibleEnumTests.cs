namespace Stepwise.Contracts.Tests;

/// <summary>x-sunset and x-extensible-enum, read as oasdiff documents them, judged by what breaks.</summary>
public sealed class SunsetAndExtensibleEnumTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private const string Ok = """{"204": {"description": "ok"}}""";

    private static readonly DateTimeOffset Today = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<Finding> Compare(string oldSpec, string newSpec, DateTimeOffset? today = null)
    {
        using var files = new ContractFiles();
        var oldPath = Path.Combine(files.Directory, "old.json");
        var newPath = Path.Combine(files.Directory, "new.json");
        File.WriteAllText(oldPath, oldSpec);
        File.WriteAllText(newPath, newSpec);
        return new OpenApi.OpenApiChecker(clock: new FixedTime(today ?? Today)).Compare(oldPath, newPath, TestContext.Current.CancellationToken);
    }

    private static string Deprecated(string sunset) =>
        Spec.Operation("get", "/pets", $$$"""{"deprecated": true, "x-sunset": "{{{sunset}}}", "responses": {{{Ok}}}}""");

    private static readonly string Gone = Spec.WithPaths("{}");

    [Theory]
    [InlineData("2026-06-16", true)]
    [InlineData("2026-12-31", true)]
    [InlineData("2026-06-15", false)]
    [InlineData("2026-01-01", false)]
    [InlineData("2026-06-16T00:30:00+02:00", false)] // 2026-06-15T22:30Z: the UTC date counts
    [InlineData("2026-06-17T10:00:00Z", true)]
    public void removing_a_deprecated_operation_before_its_sunset_breaks_the_promise(string sunset, bool early)
    {
        var findings = Compare(Deprecated(sunset), Gone);
        findings.ShouldContain(f => f.RuleId == "deprecated-operation-removed");
        var broken = findings.SingleOrDefault(f => f.RuleId == "deprecated-operation-removed-before-sunset");
        if (early)
        {
            broken.ShouldNotBeNull().Severity.ShouldBe(Severity.Error);
            broken.Direction.ShouldBe(Direction.Backward);
            broken.Message.ShouldContain("GET /pets");
            broken.Line.ShouldNotBeNull().ShouldBeGreaterThan(0);
        }
        else
        {
            broken.ShouldBeNull();
        }
        // The same pair judged later, once the date has passed, keeps only the caller-check warning.
        Compare(Deprecated(sunset), Gone, Today.AddYears(1)).ShouldNotContain(f => f.RuleId == "deprecated-operation-removed-before-sunset");
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("2026-13-01")]
    [InlineData("15/06/2026")]
    public void a_sunset_that_is_not_a_date_is_a_warning_not_silence(string sunset)
    {
        var finding = Compare(Deprecated(sunset), Gone).Single(f => f.RuleId == "operation-sunset-invalid");
        finding.Severity.ShouldBe(Severity.Warning);
        finding.Message.ShouldContain(sunset);
    }

    [Fact]
    public void moving_a_sunset_earlier_is_an_error_and_later_is_fine()
    {
        var earlier = Compare(Deprecated("2027-01-01"), Deprecated("2026-09-01")).ShouldHaveSingleItem();
        earlier.RuleId.ShouldBe("operation-sunset-moved-earlier");
        earlier.Severity.ShouldBe(Severity.Error);
        earlier.Message.ShouldContain("2027-01-01");
        Compare(Deprecated("2026-09-01"), Deprecated("2027-01-01")).ShouldBeEmpty();
        Compare(Deprecated("2026-09-01"), Deprecated("2026-09-01")).ShouldBeEmpty();
    }

    [Fact]
    public void an_operation_deprecated_in_this_release_with_a_sunset_that_is_not_a_date_is_a_warning()
    {
        var findings = Compare(Spec.Operation("get", "/pets", $$$"""{"responses": {{{Ok}}}}"""), Deprecated("soon"));
        findings.Select(f => (f.RuleId, f.Direction, f.Severity)).ShouldBe(
            [("operation-deprecated", Direction.Backward, Severity.Info), ("operation-sunset-invalid", Direction.Backward, Severity.Warning)], ignoreOrder: true);
        Compare(Spec.Operation("get", "/pets", $$$"""{"responses": {{{Ok}}}}"""), Deprecated("2026-09-01")).Select(f => f.RuleId).ShouldBe(["operation-deprecated"]);
    }

    private static string WithParameter(string parameter) =>
        Spec.Operation("get", "/pets", $$$"""{"parameters": [{"name": "kind", "in": "query", "schema": {"type": "string"}{{{parameter}}}}], "responses": {{{Ok}}}}""");

    private static string DeprecatedParameter(string sunset) => WithParameter($$$""", "deprecated": true, "x-sunset": "{{{sunset}}}" """);

    private static readonly string NoParameter = Spec.Operation("get", "/pets", $$$"""{"responses": {{{Ok}}}}""");

    [Theory]
    [InlineData("2026-06-16", true)]
    [InlineData("2026-06-15", false)]
    [InlineData("2026-06-17T10:00:00Z", true)]
    public void removing_a_deprecated_parameter_before_its_sunset_breaks_the_promise(string sunset, bool early)
    {
        var findings = Compare(DeprecatedParameter(sunset), NoParameter);
        findings.ShouldContain(f => f.RuleId == "request-parameter-removed" && f.Severity == Severity.Warning);
        var broken = findings.SingleOrDefault(f => f.RuleId == "request-parameter-removed-before-sunset");
        if (early)
        {
            broken.ShouldNotBeNull().Severity.ShouldBe(Severity.Error);
            broken.Direction.ShouldBe(Direction.Backward);
            broken.Message.ShouldContain("GET /pets: query parameter 'kind'");
            CompatPolicy.Apply(ContractKind.OpenApi, CompatMode.Fleet, [broken]).ShouldHaveSingleItem().Severity.ShouldBe(Severity.Error);
        }
        else
        {
            broken.ShouldBeNull();
        }
        Compare(DeprecatedParameter(sunset), NoParameter, Today.AddYears(1)).ShouldNotContain(f => f.RuleId == "request-parameter-removed-before-sunset");
    }

    [Fact]
    public void a_parameter_sunset_is_a_promise_only_when_the_parameter_is_deprecated()
    {
        Compare(WithParameter(""", "x-sunset": "2027-01-01" """), NoParameter).Select(f => f.RuleId).ShouldBe(["request-parameter-removed"]);
    }

    [Fact]
    public void moving_a_parameter_sunset_earlier_is_an_error_and_later_is_fine()
    {
        var earlier = Compare(DeprecatedParameter("2027-01-01"), DeprecatedParameter("2026-09-01")).ShouldHaveSingleItem();
        earlier.RuleId.ShouldBe("request-parameter-sunset-moved-earlier");
        earlier.Severity.ShouldBe(Severity.Error);
        earlier.Direction.ShouldBe(Direction.Backward);
        earlier.Message.ShouldContain("2027-01-01");
        Compare(DeprecatedParameter("2026-09-01"), DeprecatedParameter("2027-01-01")).ShouldBeEmpty();
    }

    [Fact]
    public void a_parameter_sunset_that_is_not_a_date_is_a_warning_when_removed_deprecated_or_changed()
    {
        Compare(DeprecatedParameter("soon"), NoParameter).Single(f => f.RuleId == "request-parameter-sunset-invalid").Severity.ShouldBe(Severity.Warning);
        var newlyDeprecated = Compare(WithParameter(""), DeprecatedParameter("15/06/2026")).ShouldHaveSingleItem();
        newlyDeprecated.RuleId.ShouldBe("request-parameter-sunset-invalid");
        newlyDeprecated.Severity.ShouldBe(Severity.Warning);
        newlyDeprecated.Message.ShouldContain("15/06/2026");
        Compare(DeprecatedParameter("2026-09-01"), DeprecatedParameter("soon")).Select(f => f.RuleId).ShouldBe(["request-parameter-sunset-invalid"]);
    }

    private static string Parameter(string values) =>
        Spec.Operation("get", "/pets", $$$"""{"parameters": [{"name": "kind", "in": "query", "schema": {"type": "string", "x-extensible-enum": [{{{values}}}]}}], "responses": {{{Ok}}}}""");

    private static string Returned(string values) =>
        Spec.Operation("get", "/pets", """{"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"kind": {"type": "string", "x-extensible-enum": [""" + values + "]}}}}}}}}");

    [Fact]
    public void a_value_the_server_no_longer_supports_breaks_callers_that_send_it()
    {
        var finding = Compare(Parameter("\"cat\", \"dog\""), Parameter("\"cat\"")).ShouldHaveSingleItem();
        finding.RuleId.ShouldBe("request-extensible-enum-value-removed");
        finding.Severity.ShouldBe(Severity.Error);
        finding.Direction.ShouldBe(Direction.Backward);
        finding.Message.ShouldContain("dog");
        CompatPolicy.Apply(ContractKind.OpenApi, CompatMode.Fleet, [finding]).ShouldHaveSingleItem().Severity.ShouldBe(Severity.Error);
    }

    [Fact]
    public void a_value_added_is_an_expand_step_and_changes_in_what_callers_read_break_no_one()
    {
        var added = Compare(Parameter("\"cat\""), Parameter("\"cat\", \"dog\"")).ShouldHaveSingleItem();
        added.RuleId.ShouldBe("request-extensible-enum-value-added");
        added.Severity.ShouldBe(Severity.Info);

        // Callers reading an open enum accept values they do not know: neither direction breaks them.
        var returnedMore = Compare(Returned("\"cat\""), Returned("\"cat\", \"dog\"")).ShouldHaveSingleItem();
        returnedMore.RuleId.ShouldBe("response-extensible-enum-value-added");
        returnedMore.Severity.ShouldBe(Severity.Info);
        var returnedLess = Compare(Returned("\"cat\", \"dog\""), Returned("\"cat\"")).ShouldHaveSingleItem();
        returnedLess.RuleId.ShouldBe("response-extensible-enum-value-removed");
        returnedLess.Severity.ShouldBe(Severity.Info);
    }

    [Fact]
    public void reordering_the_values_or_adding_or_dropping_the_list_is_nothing()
    {
        Compare(Parameter("\"cat\", \"dog\""), Parameter("\"dog\", \"cat\"")).ShouldBeEmpty();
        // Adding or dropping the list restricts nothing: the schema's type governs.
        var plain = Spec.Operation("get", "/pets", $$$"""{"parameters": [{"name": "kind", "in": "query", "schema": {"type": "string"}}], "responses": {{{Ok}}}}""");
        Compare(plain, Parameter("\"cat\"")).ShouldBeEmpty();
        Compare(Parameter("\"cat\""), plain).ShouldBeEmpty();
    }
}
