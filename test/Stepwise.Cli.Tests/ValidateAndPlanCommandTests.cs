using System.Text.Json;

namespace Stepwise.Cli.Tests;

public class ValidateAndPlanCommandTests
{
    [Fact]
    public void validate_accepts_the_shop_sample()
    {
        var (exit, stdout, _) = Cli.Run("validate", Cli.Sample("shop", "stepwise.yaml"));

        exit.ShouldBe(ExitCodes.Ok);
        stdout.ShouldContain("ok (2 services, 6 releases, 1 data change, 1 plan)");
    }

    [Theory]
    [InlineData("services:\n  - name: orders\n    dependsOn: [paymnts]\n    releases: [{version: 1}]\n", ":3:", "unknown service 'paymnts'")]
    [InlineData("services:\n  - name: orders\n    releases:\n      - version: 1\n      - version: 1\n", ":5:", "listed twice")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1}]\nstores: [{id: s, kind: sqlite}]\ndataChanges:\n  - id: c\n    store: s\n    expand: {up: x, down: y}\nplans:\n  - id: p\n    steps:\n      - data: c\n        phase: expand\n        release: a@1\n", ":12:", "touches two things")]
    [InlineData("services:\n  - name: a\n    releases: [{version: 1}\n", ":4:", "YAML syntax error")]
    public void validate_reports_bad_configuration_with_file_line_and_fix_and_exits_2(string yaml, string line, string message)
    {
        var path = Cli.TempFile(yaml);

        var (exit, _, stderr) = Cli.Run("validate", path);

        exit.ShouldBe(ExitCodes.BadInput);
        stderr.ShouldContain(path + line);
        stderr.ShouldContain(message);
        stderr.ShouldContain("fix:");
    }

    [Fact]
    public void validate_json_lists_the_errors()
    {
        var path = Cli.TempFile("services:\n  - name: orders\n    dependsOn: [ghost]\n    releases: [{version: 1}]\n");

        var (exit, stdout, _) = Cli.Run("validate", path, "--format", "json");

        exit.ShouldBe(ExitCodes.BadInput);
        var doc = JsonDocument.Parse(stdout).RootElement;
        doc.GetProperty("valid").GetBoolean().ShouldBeFalse();
        doc.GetProperty("errors")[0].GetProperty("line").GetInt32().ShouldBe(3);
    }

    [Fact]
    public void validate_a_missing_file_exits_2()
    {
        var (exit, _, stderr) = Cli.Run("validate", "/nonexistent/stepwise.yaml");

        exit.ShouldBe(ExitCodes.BadInput);
        stderr.ShouldContain("no such");
    }

    [Fact]
    public void an_unknown_option_exits_2()
    {
        var (exit, _, stderr) = Cli.Run("plan", "--frobnicate");

        exit.ShouldBe(ExitCodes.BadInput);
        stderr.ShouldContain("--frobnicate");
    }

    [Fact]
    public void plan_refuses_the_contract_while_an_offline_node_uses_the_old_shape_and_exits_1()
    {
        var (exit, stdout, _) = Cli.Run("plan", "--config", Cli.Sample("shop", "stepwise.yaml"), "--fleet", Cli.Sample("shop", "fleet.json"),
            "--data", "customer-contact-email:contract");

        exit.ShouldBe(ExitCodes.Refused);
        stdout.ShouldContain("refused (G4 contract-after-code)");
        stdout.ShouldContain("ord-3");
        stdout.ShouldContain("offline");
    }

    [Fact]
    public void plan_json_lists_actions_and_refusals()
    {
        var (exit, stdout, _) = Cli.Run("plan", "--config", Cli.Sample("shop", "stepwise.yaml"), "--fleet", Cli.Sample("shop", "fleet.json"),
            "--rollout", "orders@1.3.0", "--format", "json");

        exit.ShouldBe(ExitCodes.Refused);
        var doc = JsonDocument.Parse(stdout).RootElement;
        var guarantees = doc.GetProperty("refusals").EnumerateArray().Select(r => r.GetProperty("guarantee").GetString()).ToList();
        guarantees.ShouldContain("G5"); // payments 2.0.0 does not provide POST /refunds yet
        doc.GetProperty("actions").EnumerateArray().ShouldContain(a => a.GetProperty("kind").GetString() == "complete-request");
    }

    [Fact]
    public void plan_starts_an_allowed_rollout_and_exits_0()
    {
        var (exit, stdout, _) = Cli.Run("plan", "--config", Cli.Sample("shop", "stepwise.yaml"), "--fleet", Cli.Sample("shop", "fleet.json"),
            "--rollout", "payments@2.1.0");

        exit.ShouldBe(ExitCodes.Ok);
        stdout.ShouldContain("start-rollout");
        stdout.ShouldContain("payments 2.0.0 -> 2.1.0");
    }

    [Theory]
    [InlineData("--rollout", "orders@9.9.9", "not a declared release")]
    [InlineData("--data", "customer-contact-email:drop", "CHANGE:PHASE")]
    [InlineData("--data", "nothing:expand", "no data change 'nothing'")]
    [InlineData("--start-plan", "ghost", "no such plan")]
    public void plan_rejects_bad_what_if_arguments_with_exit_2(string option, string value, string message)
    {
        var (exit, _, stderr) = Cli.Run("plan", "--config", Cli.Sample("shop", "stepwise.yaml"), option, value);

        exit.ShouldBe(ExitCodes.BadInput);
        stderr.ShouldContain(message);
    }

    [Theory]
    [InlineData("{ \"nodes\": [ { \"id\": 1 } ] ", "invalid fleet file")]
    [InlineData("{ \"nodez\": [] }", "invalid fleet file")]
    [InlineData("{ \"nodes\": [ { \"id\": \"n1\", \"service\": \"ghost\", \"health\": \"healthy\", \"state\": \"active\" } ] }", "unknown service 'ghost'")]
    [InlineData("{ \"nodes\": [ { \"id\": \"n1\", \"service\": \"orders\", \"actualRelease\": \"7.0.0\", \"health\": \"healthy\", \"state\": \"active\" } ] }", "orders@7.0.0")]
    [InlineData("{ \"nodes\": [ { \"id\": \"n1\", \"service\": \"orders\", \"health\": \"healthy\", \"state\": \"sleeping\" } ] }", "invalid fleet file")]
    [InlineData("", "invalid fleet file")]
    public void plan_rejects_a_malformed_fleet_file_with_exit_2(string json, string message)
    {
        var fleet = Cli.TempFile(json, "fleet.json");

        var (exit, _, stderr) = Cli.Run("plan", "--config", Cli.Sample("shop", "stepwise.yaml"), "--fleet", fleet);

        exit.ShouldBe(ExitCodes.BadInput);
        stderr.ShouldContain(message);
    }
}
