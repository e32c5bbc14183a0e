namespace Stepwise.Contracts.Tests;

/// <summary>
/// Rule ids, enum values and report field names are compatibility promises: release gates, SARIF consumers and
/// suppression lists name them. These lists may only grow; an entry is never renamed or removed.
/// </summary>
public sealed class StabilityTests
{
    private static readonly string[] RuleIds =
    [
        "operation-removed",
        "deprecated-operation-removed",
        "operation-added",
        "operation-deprecated",
        "webhook-removed",
        "webhook-added",
        "callback-removed",
        "callback-added",
        "payload-media-type-added",
        "payload-media-type-removed",
        "request-parameter-removed",
        "request-parameter-added",
        "request-parameter-required-added",
        "request-parameter-required-removed",
        "request-parameter-style-changed",
        "request-body-removed",
        "request-body-added",
        "request-body-required-added",
        "request-body-required-removed",
        "request-media-type-removed",
        "request-media-type-added",
        "response-status-removed",
        "response-status-added",
        "response-success-status-changed",
        "response-media-type-removed",
        "response-media-type-added",
        "response-header-removed",
        "response-header-required-added",
        "response-header-required-removed",
        "security-requirement-added",
        "security-requirement-removed",
        "security-scope-added",
        "security-scope-removed",
        "request-type-changed",
        "request-type-narrowed",
        "request-type-widened",
        "request-nullable-removed",
        "request-nullable-added",
        "request-enum-value-removed",
        "request-enum-value-added",
        "request-enum-constraint-added",
        "request-enum-constraint-removed",
        "request-property-required-added",
        "request-property-required-removed",
        "request-property-removed",
        "request-property-added",
        "request-additional-properties-closed",
        "request-additional-properties-opened",
        "request-numeric-range-narrowed",
        "request-numeric-range-widened",
        "request-length-range-narrowed",
        "request-length-range-widened",
        "request-item-count-narrowed",
        "request-item-count-widened",
        "request-property-count-narrowed",
        "request-property-count-widened",
        "request-multiple-of-changed",
        "request-pattern-added",
        "request-pattern-removed",
        "request-pattern-changed",
        "request-format-added",
        "request-format-removed",
        "request-format-changed",
        "request-unique-items-added",
        "request-unique-items-removed",
        "request-variant-removed",
        "request-variant-added",
        "request-tuple-length-changed",
        "request-keyword-changed",
        "request-discriminator-changed",
        "request-default-changed",
        "response-type-changed",
        "response-type-narrowed",
        "response-type-widened",
        "response-nullable-removed",
        "response-nullable-added",
        "response-enum-value-removed",
        "response-enum-value-added",
        "response-enum-constraint-added",
        "response-enum-constraint-removed",
        "response-property-required-added",
        "response-property-required-removed",
        "response-property-removed",
        "response-property-added",
        "response-additional-properties-closed",
        "response-additional-properties-opened",
        "response-numeric-range-narrowed",
        "response-numeric-range-widened",
        "response-length-range-narrowed",
        "response-length-range-widened",
        "response-item-count-narrowed",
        "response-item-count-widened",
        "response-property-count-narrowed",
        "response-property-count-widened",
        "response-multiple-of-changed",
        "response-pattern-added",
        "response-pattern-removed",
        "response-pattern-changed",
        "response-format-added",
        "response-format-removed",
        "response-format-changed",
        "response-unique-items-added",
        "response-unique-items-removed",
        "response-variant-removed",
        "response-variant-added",
        "response-tuple-length-changed",
        "response-keyword-changed",
        "response-discriminator-changed",
        "response-default-changed",
        "schema-type-changed",
        "schema-type-narrowed",
        "schema-type-widened",
        "schema-nullable-removed",
        "schema-nullable-added",
        "schema-enum-value-removed",
        "schema-enum-value-added",
        "schema-enum-constraint-added",
        "schema-enum-constraint-removed",
        "schema-property-required-added",
        "schema-property-required-removed",
        "schema-property-removed",
        "schema-property-added",
        "schema-additional-properties-closed",
        "schema-additional-properties-opened",
        "schema-numeric-range-narrowed",
        "schema-numeric-range-widened",
        "schema-length-range-narrowed",
        "schema-length-range-widened",
        "schema-item-count-narrowed",
        "schema-item-count-widened",
        "schema-property-count-narrowed",
        "schema-property-count-widened",
        "schema-multiple-of-changed",
        "schema-pattern-added",
        "schema-pattern-removed",
        "schema-pattern-changed",
        "schema-format-added",
        "schema-format-removed",
        "schema-format-changed",
        "schema-unique-items-added",
        "schema-unique-items-removed",
        "schema-variant-removed",
        "schema-variant-added",
        "schema-tuple-length-changed",
        "schema-keyword-changed",
        "schema-discriminator-changed",
        "schema-default-changed",
        "deprecated-operation-removed-before-sunset",
        "operation-sunset-moved-earlier",
        "operation-sunset-invalid",
        "request-extensible-enum-value-removed",
        "request-extensible-enum-value-added",
        "response-extensible-enum-value-removed",
        "response-extensible-enum-value-added",
        "schema-extensible-enum-value-removed",
        "schema-extensible-enum-value-added",
        "request-parameter-removed-before-sunset",
        "request-parameter-sunset-moved-earlier",
        "request-parameter-sunset-invalid",
        "request-variant-exclusivity-added",
        "request-variant-exclusivity-removed",
        "response-variant-exclusivity-added",
        "response-variant-exclusivity-removed",
        "schema-variant-exclusivity-added",
        "schema-variant-exclusivity-removed",
    ];

    [Fact]
    public void every_published_rule_id_still_exists()
    {
        foreach (var id in RuleIds)
        {
            CompatRules.Exists(id).ShouldBeTrue($"rule id '{id}' was published and must keep existing");
        }
    }

    [Fact]
    public void every_rule_id_is_in_the_published_list()
    {
        CompatRules.All.Select(r => r.Id).ShouldBeSubsetOf(RuleIds, "a new rule id must be added to the published list");
    }

    [Fact]
    public void rule_ids_are_kebab_case_and_unique()
    {
        RuleIds.Distinct().Count().ShouldBe(RuleIds.Length);
        foreach (var id in RuleIds)
        {
            System.Text.RegularExpressions.Regex.IsMatch(id, "^[a-z]+(-[a-z0-9]+)+$").ShouldBeTrue(id);
        }
    }

    [Fact]
    public void enum_values_are_pinned()
    {
        ((int)Severity.Info).ShouldBe(0);
        ((int)Severity.Warning).ShouldBe(1);
        ((int)Severity.Error).ShouldBe(2);
        ((int)Direction.Backward).ShouldBe(0);
        ((int)Direction.Forward).ShouldBe(1);
        ((int)ContractKind.OpenApi).ShouldBe(0);
        ((int)ContractKind.Protobuf).ShouldBe(1);
        ((int)ContractKind.JsonSchema).ShouldBe(2);
        ((int)CompatMode.Fleet).ShouldBe(0);
        ((int)CompatMode.Backward).ShouldBe(1);
        ((int)CompatMode.Forward).ShouldBe(2);
        ((int)CompatMode.Strict).ShouldBe(3);
        ((int)SchemaRole.Reader).ShouldBe(0);
        ((int)SchemaRole.Writer).ShouldBe(1);
        ((int)Reporting.ReportFormat.Text).ShouldBe(0);
        ((int)Reporting.ReportFormat.Json).ShouldBe(1);
        ((int)Reporting.ReportFormat.Sarif).ShouldBe(2);
        ((int)Reporting.ReportFormat.Markdown).ShouldBe(3);
        ((int)Reporting.ReportFormat.GitHub).ShouldBe(4);
    }

    [Fact]
    public void every_rule_has_a_summary_and_a_fix()
    {
        foreach (var rule in CompatRules.All)
        {
            rule.Summary.ShouldNotBeNullOrWhiteSpace(rule.Id);
            rule.Fix.ShouldNotBeNullOrWhiteSpace(rule.Id);
            rule.Directions.ShouldNotBeNullOrWhiteSpace(rule.Id);
        }
    }
}
