using System.Text.Json;
using Stepwise.Core.Model;
using Stepwise.Simulation;

namespace Stepwise.Cli.Tests;

public class SimulateCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = StepwiseCli.Run(["simulate", .. args], stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void a_clean_run_exits_0_with_a_summary()
    {
        var (code, output, error) = Run("--nodes", "30", "--services", "3", "--seed", "1", "--faults", "crashes,partitions");

        error.ShouldBeEmpty();
        code.ShouldBe(0);
        output.ShouldContain("ok: no violation");
        output.ShouldContain("complete (6/6 steps)");
        output.ShouldNotContain("violation (");
    }

    [Fact]
    public void approval_gates_hold_every_rollout_until_the_simulated_operator_approves()
    {
        var (exit, output, err) = Cli.Run("simulate", "--nodes", "60", "--services", "3", "--seed", "4", "--faults", "none",
            "--approve", "after-canary", "--approve", "before-waves", "--approve-after", "2m", "--format", "json");
        exit.ShouldBe(ExitCodes.Ok, err);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        doc.RootElement.GetProperty("violations").GetArrayLength().ShouldBe(0);
        var counts = doc.RootElement.GetProperty("counters");
        counts.GetProperty("approved at after-canary").GetInt32().ShouldBeGreaterThan(0);
        counts.GetProperty("approved at before-waves").GetInt32().ShouldBeGreaterThan(0);
        Stepwise.Cli.Commands.SimulateCommand.Replay(new Stepwise.Simulation.SimulationOptions(60, 3, 4, Stepwise.Simulation.FaultProfile.None, null)
            { Approve = [Stepwise.Core.Model.ApprovalGate.AfterCanary], ApproveAfter = TimeSpan.FromMinutes(2) })
            .ShouldEndWith("--approve after-canary --approve-after 2m");
    }

    [Fact]
    public void prometheus_runs_judge_the_canaries_on_the_simulated_prometheus_and_replay_with_the_flag()
    {
        var (code, output, error) = Run("--nodes", "30", "--services", "3", "--seed", "3", "--faults", "bad-canary,query-failures", "--prometheus", "--format", "json");

        code.ShouldBe(0, error);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        root.GetProperty("prometheus").GetBoolean().ShouldBeTrue();
        root.GetProperty("faults").GetString().ShouldBe("bad-canary,query-failures");
        root.GetProperty("violations").GetArrayLength().ShouldBe(0);
        var counters = root.GetProperty("counters");
        counters.GetProperty("prometheus queries answered").GetInt32().ShouldBeGreaterThan(0);
        counters.GetProperty("bad canary rollout ended rolledBack").GetInt32().ShouldBe(1);
        Stepwise.Cli.Commands.SimulateCommand.Replay(new SimulationOptions(30, 3, 3, FaultProfile.QueryFailures) { Prometheus = true })
            .ShouldEndWith("--faults query-failures --prometheus");

        var (text, textOutput, _) = Run("--nodes", "20", "--seed", "1", "--prometheus");
        text.ShouldBe(0);
        textOutput.ShouldContain(", prometheus");
        textOutput.ShouldContain("prometheus queries answered");
    }

    [Fact]
    public void json_output_is_one_object_with_violations_events_decisions_refusals_and_seconds()
    {
        var (code, output, _) = Run("--nodes", "30", "--seed", "2", "--faults", "forbidden", "--format", "json");

        code.ShouldBe(0);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        root.GetProperty("violations").GetArrayLength().ShouldBe(0);
        root.GetProperty("events").GetInt64().ShouldBeGreaterThan(0);
        root.GetProperty("decisions").GetInt64().ShouldBeGreaterThan(0);
        root.GetProperty("seconds").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
        var refusals = root.GetProperty("refusals");
        foreach (var id in new[] { "G1", "G3", "G4", "G5", "G7" })
        {
            refusals.GetProperty(id).GetInt32().ShouldBeGreaterThan(0);
        }
        root.GetProperty("plan").GetProperty("state").GetString().ShouldBe("complete");
    }

    [Fact]
    public void several_seeds_report_a_total_and_each_seed_with_a_violation_with_its_replay()
    {
        var (clean, cleanOut, _) = Run("--nodes", "20", "--seed", "5", "--seeds", "3", "--faults", "crashes");
        clean.ShouldBe(0);
        cleanOut.ShouldContain("seeds 5-7");
        cleanOut.ShouldContain("3 clean, 0 with a violation");

        var (broken, brokenOut, _) = Run("--nodes", "60", "--seed", "1", "--seeds", "2", "--faults", "none", "--sabotage", "rollback-rehearsed", "--format", "json");
        broken.ShouldBe(1);
        using var doc = JsonDocument.Parse(brokenOut);
        var failed = doc.RootElement.GetProperty("failed");
        failed.GetArrayLength().ShouldBe(2);
        failed[1].GetProperty("seed").GetInt32().ShouldBe(2);
        failed[1].GetProperty("violations")[0].GetProperty("replay").GetString()!.ShouldContain("--seed 2");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void a_seed_count_below_one_is_bad_input(string count)
    {
        var (code, _, error) = Run("--seeds", count);
        code.ShouldBe(2);
        error.ShouldContain("--seeds");
    }

    [Theory]
    [InlineData("version-window", "forbidden")]
    [InlineData("stale-node", "stale")]
    [InlineData("data-before-code", "forbidden")]
    [InlineData("contract-after-code", "forbidden")]
    [InlineData("one-change-at-a-time", "forbidden")]
    [InlineData("rollback-rehearsed", "none")]
    public void a_sabotaged_rule_exits_1_and_prints_the_seed_the_guarantee_and_the_trail(string rule, string faults)
    {
        var (code, output, _) = Run("--nodes", "60", "--seed", "1", "--faults", faults, "--sabotage", rule);

        code.ShouldBe(1);
        output.ShouldContain($"{rule})");
        output.ShouldContain("seed 1; replay: stepwise simulate --nodes 60 --services 3 --seed 1");
        output.ShouldContain($"--sabotage {rule}");
        output.ShouldContain("last ");
    }

    [Fact]
    public void client_populations_keep_G8_and_the_json_says_the_gates_were_exercised()
    {
        var (exit, output, err) = Run("--nodes", "30", "--seed", "2", "--faults", "crashes,partitions", "--clients", "--format", "json");
        exit.ShouldBe(ExitCodes.Ok, err);
        using var doc = JsonDocument.Parse(output);
        doc.RootElement.GetProperty("clients").GetBoolean().ShouldBeTrue();
        doc.RootElement.GetProperty("violations").GetArrayLength().ShouldBe(0);
        doc.RootElement.GetProperty("refusals").GetProperty("G8").GetInt32().ShouldBeGreaterThan(0, "G8 refused something: its gates were exercised");
    }

    [Fact]
    public void the_old_clients_sabotage_is_caught_and_without_clients_it_is_bad_input()
    {
        var (code, output, _) = Run("--nodes", "30", "--seed", "2", "--faults", "none", "--clients", "--sabotage", "old-clients");
        code.ShouldBe(ExitCodes.Refused);
        output.ShouldContain("(G8 old-clients)");
        output.ShouldContain("--sabotage old-clients --clients");

        var (bad, _, error) = Run("--seed", "2", "--sabotage", "old-clients");
        bad.ShouldBe(ExitCodes.BadInput);
        error.ShouldContain("--clients");
    }

    [Fact]
    public void sabotage_in_json_lists_the_violation_with_its_trail()
    {
        var (code, output, _) = Run("--nodes", "30", "--faults", "none", "--sabotage", "G7", "--format", "json");

        code.ShouldBe(1);
        using var doc = JsonDocument.Parse(output);
        var violation = doc.RootElement.GetProperty("violations")[0];
        violation.GetProperty("guarantee").GetString().ShouldBe("G7");
        violation.GetProperty("name").GetString().ShouldBe("rollback-rehearsed");
        violation.GetProperty("trail").GetArrayLength().ShouldBeInRange(1, 20);
    }

    [Theory]
    [InlineData("--faults", "meteor", "unknown fault profile 'meteor'")]
    [InlineData("--sabotage", "compatible-contracts", "unknown sabotage rule")]
    [InlineData("--nodes", "2", "--nodes must be at least")]
    [InlineData("--services", "0", "--services must be between")]
    [InlineData("--format", "xml", "xml")]
    [InlineData("--nodes", "many", "many")]
    [InlineData("--approve", "after-lunch", "not an approval gate; use after-canary, after-rehearsal, before-waves")]
    [InlineData("--approve-after", "soon", "--approve-after soon")]
    public void bad_input_exits_2_with_a_message(string option, string value, string message)
    {
        var (code, output, error) = Run(option, value);

        code.ShouldBe(2);
        error.ShouldContain(message);
        output.ShouldBeEmpty();
    }

    [Fact]
    public void every_sabotage_rule_is_offered_on_the_command_line()
    {
        var (_, output, _) = Run("--help");

        foreach (var rule in SabotageRules.All)
        {
            output.ShouldContain(rule.Breaks().Name());
        }
    }
}
