using Stepwise.Core.Config;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests.Config;

public class ConfigLoaderTests
{
    private static ConfigError SingleError(string yaml)
    {
        var e = Should.Throw<ConfigException>(() => ConfigLoader.Parse(yaml, "stepwise.yaml"));
        return e.Errors.ShouldHaveSingleItem();
    }

    [Fact]
    public void the_shop_sample_loads_with_ordered_releases_and_merged_data_references()
    {
        var yaml = File.ReadAllText(Path.Combine(RepoRoot(), "samples", "shop", "stepwise.yaml"));

        var config = ConfigLoader.Parse(yaml, "stepwise.yaml");

        var orders = config.FindService("orders").ShouldNotBeNull();
        orders.Releases.Select(r => (r.Version, r.Ordinal)).ShouldBe([("1.0.0", 0), ("1.1.0", 1), ("1.2.0", 2), ("1.3.0", 3)]);
        orders.Releases[3].Calls.ShouldBe([new OperationCall("payments", "POST /refunds"), new OperationCall("payments", "POST /payments")], ignoreOrder: true);
        var change = config.FindChange("customer-contact-email").ShouldNotBeNull();
        config.OldShapeUsers(change.Id).ShouldBe([new ReleaseRef("orders", "1.0.0"), new ReleaseRef("orders", "1.1.0"), new ReleaseRef("orders", "1.2.0")]);
        change.Contract!.Down.ShouldBeNull();
        change.Backfill!.Pause.ShouldBe(TimeSpan.FromMilliseconds(10));
        orders.Releases[1].PhasesNeeded("customer-contact-email").ShouldBe([DataPhaseKind.Expand]);
        orders.Releases[3].PhasesNeeded("customer-contact-email").ShouldBe([DataPhaseKind.Expand, DataPhaseKind.Backfill]);
        config.Plans.Single().Steps.Count.ShouldBe(7);
        config.Policy.Waves.ShouldBe([10.0, 50.0, 100.0]);
        config.Policy.Retention.DecommissionOfflineAfter.ShouldBe(TimeSpan.FromHours(2));
    }

    [Fact]
    public void the_alert_quiet_period_is_read_from_the_policy_and_defaults_to_two_minutes()
    {
        const string yaml = "version: 1\npolicy:\n  alertQuietPeriod: 45s\nservices:\n  - name: orders\n    releases:\n      - version: 1.0.0\n";
        ConfigLoader.Parse(yaml, "stepwise.yaml").Policy.QuietPeriod.ShouldBe(TimeSpan.FromSeconds(45));
        ConfigLoader.Parse(yaml.Replace("  alertQuietPeriod: 45s\n", "  bake: 1m\n", StringComparison.Ordinal), "stepwise.yaml").Policy.QuietPeriod.ShouldBe(TimeSpan.FromMinutes(2));
        var e = Should.Throw<ConfigException>(() => ConfigLoader.Parse(yaml.Replace("45s", "soon", StringComparison.Ordinal), "stepwise.yaml"));
        e.Message.ShouldContain("policy.alertQuietPeriod");
        e.Message.ShouldContain("stepwise.yaml:3");
    }

    [Fact]
    public void a_service_app_says_where_it_answers_probes_and_serves_metrics()
    {
        const string yaml = "version: 1\nservices:\n  - name: orders\n    app: { healthPath: /ready, metricsPath: /internal/metrics }\n    releases:\n      - version: 1.0.0\n  - name: payments\n    releases:\n      - version: 1.0.0\n";
        var config = ConfigLoader.Parse(yaml, "stepwise.yaml");
        config.FindService("orders")!.App.ShouldBe(new AppPaths("/ready", "/internal/metrics"));
        config.FindService("payments")!.App.ShouldBe(AppPaths.Default);

        foreach (var bad in new[] { "ready", "//evil.example/x", "/a b", "http://x/ready" })
        {
            var error = SingleError(yaml.Replace("/ready", bad, StringComparison.Ordinal));
            error.Line.ShouldBe(4);
            error.Message.ShouldContain("healthPath of service 'orders'");
            error.Fix.ShouldContain("absolute path");
        }
        SingleError(yaml.Replace("healthPath", "health", StringComparison.Ordinal)).Message.ShouldContain("unknown key 'health'");
    }

    [Fact]
    public void unknown_service_in_a_dependency_names_the_line_and_the_fix()
    {
        var error = SingleError("""
            services:
              - name: payments
                releases: [{ version: 1.0.0 }]
              - name: orders
                dependsOn: [paymnts]
                releases: [{ version: 1.0.0 }]
            """);

        error.Line.ShouldBe(5);
        error.Message.ShouldBe("service 'orders' depends on unknown service 'paymnts'");
        error.Fix.ShouldContain("did you mean 'payments'?");
        error.ToString().ShouldStartWith("stepwise.yaml:5:");
    }

    [Fact]
    public void the_same_release_version_listed_twice_is_an_error_at_the_second()
    {
        var error = SingleError("""
            services:
              - name: orders
                releases:
                  - version: 1.0.0
                  - version: 1.1.0
                  - version: 1.0.0
            """);

        error.Line.ShouldBe(6);
        error.Message.ShouldContain("release 1.0.0 of service 'orders' is listed twice (first at line 4)");
        error.Fix.ShouldContain("new version");
    }

    [Fact]
    public void a_plan_step_touching_two_things_is_an_error()
    {
        var error = SingleError("""
            stores: [{ id: db, kind: sqlite }]
            services:
              - name: orders
                releases: [{ version: 1.0.0 }, { version: 1.1.0 }]
            dataChanges:
              - id: c
                store: db
                expand: { up: "ALTER TABLE t ADD COLUMN c int", down: "ALTER TABLE t DROP COLUMN c" }
            plans:
              - id: p
                steps:
                  - data: c
                    phase: expand
                    release: orders@1.1.0
            """);

        error.Line.ShouldBe(12);
        error.Message.ShouldContain("touches two things");
        error.Fix.ShouldContain("split it into two steps");
    }

    [Fact]
    public void a_plan_step_releasing_two_services_is_an_error()
    {
        var error = SingleError("""
            services:
              - name: a
                releases: [{ version: 1.0.0 }]
              - name: b
                releases: [{ version: 1.0.0 }]
            plans:
              - id: p
                steps:
                  - release: [a@1.0.0, b@1.0.0]
            """);

        error.Line.ShouldBe(9);
        error.Message.ShouldContain("several services at once");
    }

    [Fact]
    public void a_yaml_syntax_error_reports_its_line()
    {
        var error = SingleError("""
            services:
              - name: orders
                releases: [{ version: 1.0.0 }
              - name: payments
            """);

        error.Line.ShouldBeGreaterThanOrEqualTo(3);
        error.Message.ShouldStartWith("YAML syntax error:");
        error.Fix.ShouldContain("YAML syntax");
    }

    [Fact]
    public void every_problem_is_reported_not_just_the_first()
    {
        var e = Should.Throw<ConfigException>(() => ConfigLoader.Parse("""
            services:
              - name: orders
                dependsOn: [ghost]
                releases:
                  - version: 1.0.0
                    needs: [nothing]
                  - version: 1.0.0
            plans:
              - id: p
                steps:
                  - release: orders
            """, "x.yaml"));

        e.Errors.Count.ShouldBe(4);
        e.Errors.ShouldAllBe(x => x.File == "x.yaml" && x.Line > 0 && x.Fix.Length > 0);
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("services: 3", "services must be a list")]
    [InlineData("servcies: []", "unknown key 'servcies' in the top level")]
    [InlineData("version: 2\nservices: []", "configuration version 2 is not supported")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1}]\npolicy:\n  bake: soon", "policy.bake must be a duration, not 'soon'")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1}]\npolicy:\n  waves: [50, 25, 100]", "wave 25 does not grow past the previous wave 50")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1}]\npolicy:\n  waves: [50]", "the last wave must be 100")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1}]\npolicy:\n  canary: { nodes: 0 }", "policy.canary.nodes is 0; it must be at least 1")]
    [InlineData("services:\n  - name: a\n    releases: []", "service 'a' has no releases")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1}]\nstores: [{id: s, kind: oracle}]", "store kind is 'oracle'")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1}]\ndataChanges:\n  - id: c\n    store: nowhere\n    expand: {up: x, down: y}", "runs on unknown store 'nowhere'")]
    [InlineData("stores: [{id: s, kind: sqlite}]\nservices:\n  - name: a\n    releases: [{version: 1}]\ndataChanges:\n  - id: c\n    store: s\n    expand: {up: x, down: irreversible}", "marked irreversible")]
    [InlineData("stores: [{id: s, kind: sqlite}]\nservices:\n  - name: a\n    releases: [{version: 1}]\ndataChanges:\n  - id: c\n    store: s\n    contract: {up: x}", "has no 'down'")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1, calls: [\"b:GET /x\"]}]\n  - name: b\n    releases: [{version: 1}]", "which service 'a' does not declare in dependsOn")]
    [InlineData("services:\n  - name: a\n    dependsOn: [{service: b, calls: [\"GET /x\"]}]\n    releases: [{version: 1}]\n  - name: b\n    releases: [{version: 1, provides: [\"GET /y\"]}]", "which no release of 'b' provides")]
    [InlineData("---\nservices: []\n---\nservices: []", "more than one YAML document")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1, needs: [\"c:contract\"]}]", "names phase 'contract'")]
    public void malformed_configuration_is_refused_with_a_message_and_a_fix(string yaml, string expected)
    {
        var e = Should.Throw<ConfigException>(() => ConfigLoader.Parse(yaml, "stepwise.yaml"));

        e.Errors.ShouldContain(x => x.Message.Contains(expected), $"got: {e.Message}");
        e.Errors.ShouldAllBe(x => x.Fix.Length > 0 && x.Line >= 1 && x.Column >= 1);
    }

    [Theory]
    [InlineData("500ms", 0.5)]
    [InlineData("30s", 30)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("2d", 172800)]
    [InlineData("0", 0)]
    public void durations_read_as_written(string text, double seconds)
    {
        Durations.TryParse(text, out var value).ShouldBeTrue();
        value.TotalSeconds.ShouldBe(seconds);
        Durations.TryParse(Durations.Format(value), out var again).ShouldBeTrue();
        again.ShouldBe(value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("m")]
    [InlineData("10x")]
    [InlineData("-5s")]
    [InlineData("1..5s")]
    public void malformed_durations_are_rejected(string text) => Durations.TryParse(text, out _).ShouldBeFalse();

    internal static string RepoRoot() => Stepwise.Testing.Scratch.RepoRoot();

    [Theory]
    [InlineData("services: {0}\n", '[')]
    [InlineData("services: {0}\n", '{')]
    [InlineData("services:\n{0}\n", '-')]
    public void nesting_past_the_bound_is_an_error_at_its_line_not_a_crash(string template, char opener)
    {
        // Without the bound, YamlDotNet's recursive tree builder overflows the stack and ends the process.
        var depth = 100_000;
        var nested = opener switch
        {
            '[' => new string('[', depth),
            '{' => string.Concat(Enumerable.Repeat("{a: ", depth)),
            _ => string.Concat(Enumerable.Range(0, 500).Select(i => new string(' ', i * 2) + "- \n")),
        };
        var error = SingleError(string.Format(System.Globalization.CultureInfo.InvariantCulture, template, nested));
        error.Message.ShouldContain($"deeper than {ConfigLoader.MaxDepth} levels");
        error.Line.ShouldBeGreaterThan(0);
    }

    [Fact]
    public void nesting_up_to_the_bound_still_loads_as_yaml()
    {
        // The bound refuses depth, not a valid file: a file nested just inside it reaches the readers, which explain the shape.
        var inside = "services: " + new string('[', ConfigLoader.MaxDepth - 1) + new string(']', ConfigLoader.MaxDepth - 1) + "\n";
        SingleError(inside).Message.ShouldNotContain("deeper than");
    }
}
