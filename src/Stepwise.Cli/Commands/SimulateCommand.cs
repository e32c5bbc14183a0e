using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Core;
using Stepwise.Core.Config;
using Stepwise.Core.Model;
using Stepwise.Simulation;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise simulate</c>: runs the deterministic fleet simulation (docs/simulation.md) and reports violations of
/// G1–G5, G7 and (with <c>--clients</c>) G8 found by the independent checker. Exit 0: no violation; 1: a violation
/// (or the run did not settle); 2: bad input.
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Nodes in the fleet, spread over the services.", DefaultValueFactory = _ => 1000 };
        var services = new Option<int>("--services") { Description = "Services in the dependency chain.", DefaultValueFactory = _ => 3 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed replays the same run.", DefaultValueFactory = _ => 1 };
        var faults = new Option<string>("--faults")
        {
            Description = $"Fault profiles, comma-separated: {string.Join(", ", FaultProfiles.Known)}.",
            DefaultValueFactory = _ => "none",
        };
        var sabotage = new Option<string?>("--sabotage")
        {
            Description = $"Swap in a deliberately broken rule to prove the checker catches it: {string.Join(", ", SabotageRules.All.Select(r => r.Breaks().Name()))}.",
        };
        var approve = new Option<string[]>("--approve") { Description = "An approval gate of the policy (after-canary, after-rehearsal, before-waves; repeatable): every rollout waits there for the simulated operator.", AllowMultipleArgumentsPerToken = false };
        var approveAfter = new Option<string>("--approve-after") { Description = "How long the simulated operator watches a rollout at a gate before approving it.", DefaultValueFactory = _ => "5m" };
        var clients = new Option<bool>("--clients") { Description = "Client populations (G8): client versions call svc-0 and age out, the operator removes operations and raises minimum versions, and the checker holds the run to G8." };
        var prometheus = new Option<bool>("--prometheus") { Description = "The analysis reads error_rate and latency_ms from a simulated Prometheus (PromQL templates planned and assembled by the server's code) instead of the heartbeats; with the query-failures fault it fails now and then." };
        var seeds = new Option<int>("--seeds") { Description = "Run this many seeds, from --seed on, and report only the seeds with a violation and a total.", DefaultValueFactory = _ => 1 };
        var format = CliOutput.FormatOption();

        var command = new Command("simulate", "Run the deterministic fleet simulation with injected faults and check the guarantees after every event.")
        {
            nodes, services, seed, faults, sabotage, approve, approveAfter, clients, prometheus, seeds, format,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            if (!FaultProfiles.TryParse(parse.GetValue(faults) ?? "", out var profile, out var faultError))
            {
                error.WriteLine($"error: --faults: {faultError}");
                return ExitCodes.BadInput;
            }
            SabotageRule? rule = null;
            if (parse.GetValue(sabotage) is { } sabotageText)
            {
                if (!SabotageRules.TryParse(sabotageText, out var parsed, out var sabotageError))
                {
                    error.WriteLine($"error: --sabotage: {sabotageError}");
                    return ExitCodes.BadInput;
                }
                rule = parsed;
            }
            var gates = new List<ApprovalGate>();
            foreach (var text in parse.GetValue(approve) ?? [])
            {
                var gate = Enum.GetValues<ApprovalGate>().Cast<ApprovalGate?>().FirstOrDefault(g => Names.Of(g!.Value) == text);
                if (gate is null)
                {
                    error.WriteLine($"error: --approve {text}: not an approval gate; use {string.Join(", ", Enum.GetValues<ApprovalGate>().Select(g => Names.Of(g)))}");
                    return ExitCodes.BadInput;
                }
                if (!gates.Contains(gate.Value))
                {
                    gates.Add(gate.Value);
                }
            }
            if (!Durations.TryParse(parse.GetValue(approveAfter) ?? "", out var delay))
            {
                error.WriteLine($"error: --approve-after {parse.GetValue(approveAfter)}: write a duration such as 30s, 5m or 1h");
                return ExitCodes.BadInput;
            }
            var options = new SimulationOptions(parse.GetValue(nodes), parse.GetValue(services), parse.GetValue(seed), profile, rule) { Approve = gates, ApproveAfter = delay, Clients = parse.GetValue(clients) ? ClientPopulation.Default : null, Prometheus = parse.GetValue(prometheus) };
            if (options.Validate() is { } invalid)
            {
                error.WriteLine($"error: {invalid}");
                return ExitCodes.BadInput;
            }
            var json = parse.GetValue(format) == OutputFormat.Json;
            var count = parse.GetValue(seeds);
            if (count < 1 || (long)options.Seed + count - 1 > int.MaxValue)
            {
                error.WriteLine($"error: --seeds {count}: give a number of seeds of at least 1 (from --seed {options.Seed} on, up to {int.MaxValue})");
                return ExitCodes.BadInput;
            }
            if (count > 1)
            {
                return RunSeeds(options, count, json, output);
            }
            var watch = Stopwatch.StartNew();
            var result = json ? Simulation.Simulation.Run(options) : RunWithProgress(options, output);
            var seconds = watch.Elapsed.TotalSeconds;
            if (json)
            {
                output.WriteLine(SnapshotJson.Write(ToJson(result, seconds), CliJson.Simulation));
            }
            else
            {
                WriteText(result, seconds, output);
            }
            return result.Ok ? ExitCodes.Ok : ExitCodes.Refused;
        });
        return command;
    }

    /// <summary>Runs <paramref name="count"/> seeds (on every core, each run deterministic) and reports the ones with a violation.</summary>
    private static int RunSeeds(SimulationOptions first, int count, bool json, TextWriter output)
    {
        var watch = Stopwatch.StartNew();
        var results = new SimulationResult[count];
        Parallel.For(0, count, i => results[i] = Simulation.Simulation.Run(first with { Seed = first.Seed + i }));
        var seconds = watch.Elapsed.TotalSeconds;
        var failed = results.Where(r => !r.Ok).ToList();
        if (json)
        {
            output.WriteLine(SnapshotJson.Write(new SeedsOutput(new SeedRange(first.Seed, first.Seed + count - 1), count - failed.Count, failed.Select(r => ToJson(r, 0)).ToList(), results.Sum(r => r.Decisions), results.Sum(r => r.Events), Math.Round(seconds, 3)), CliJson.Simulation));
        }
        else
        {
            foreach (var r in failed)
            {
                output.WriteLine($"seed {r.Options.Seed}: {r.Violations[0].Guarantee} {r.Violations[0].Message}");
                output.WriteLine($"  replay: {Replay(r.Options)}");
            }
            output.WriteLine($"simulate: seeds {first.Seed}-{first.Seed + count - 1}, {first.Nodes} nodes, {first.Services} services, faults {FaultProfiles.Describe(first.Faults)}{(first.Clients is not null ? ", clients" : "")}{(first.Prometheus ? ", prometheus" : "")}: " +
                $"{count - failed.Count} clean, {failed.Count} with a violation ({results.Sum(r => r.Decisions):N0} decisions, {results.Sum(r => r.Events):N0} events, {seconds:0.0} s)");
        }
        return failed.Count == 0 ? ExitCodes.Ok : ExitCodes.Refused;
    }

    /// <summary>The command line that replays a run.</summary>
    public static string Replay(SimulationOptions o) =>
        $"stepwise simulate --nodes {o.Nodes} --services {o.Services} --seed {o.Seed} --faults {FaultProfiles.Describe(o.Faults)}" +
        (o.Sabotage is { } s ? $" --sabotage {s.Breaks().Name()}" : "") +
        string.Concat(o.Approve.Select(g => $" --approve {Names.Of(g)}")) +
        (o.Approve.Count > 0 ? $" --approve-after {Durations.Format(o.ApproveAfter)}" : "") +
        (o.Clients is not null ? " --clients" : "") +
        (o.Prometheus ? " --prometheus" : "");

    private static SimulationRunOutput ToJson(SimulationResult r, double seconds) => new(
        r.Options.Seed, r.Options.Nodes, r.Options.Services, FaultProfiles.Describe(r.Options.Faults), r.Options.Sabotage?.Breaks().Name(),
        r.Options.Approve.Select(g => Names.Of(g)).ToList(), r.Options.Clients is not null, r.Options.Prometheus, r.Ok,
        r.Violations.Select(v => new ViolationOutput(v.Guarantee, v.Name, v.At, v.Message, Replay(r.Options), v.Trail)).ToList(),
        r.Events, r.Decisions, r.Actions, r.Refusals, new PlanOutput(r.PlanState, r.PlanStep, r.PlanSteps), r.Counters, r.SimulatedSeconds, Math.Round(seconds, 3));

    private static SimulationResult RunWithProgress(SimulationOptions options, TextWriter output)
    {
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected)
        {
            return Simulation.Simulation.Run(options);
        }
        SimulationResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("plan", maxValue: 6);
                result = Simulation.Simulation.Run(options, p =>
                {
                    task.Value = p.PlanStep;
                    task.Description = $"plan step {Math.Min(p.PlanStep + 1, p.PlanSteps)}/{p.PlanSteps} · simulated {p.Simulated:hh\\:mm\\:ss} · {p.Events:N0} events";
                });
                task.Value = task.MaxValue;
            });
        return result!;
    }

    private static void WriteText(SimulationResult r, double seconds, TextWriter output)
    {
        var console = CliOutput.Console(output);
        var o = r.Options;
        console.WriteLine($"simulate: seed {o.Seed}, {o.Nodes} nodes, {o.Services} services, faults {FaultProfiles.Describe(o.Faults)}" +
                          (o.Sabotage is { } s ? $", sabotage {s.Breaks().Name()}" : "") + (o.Clients is not null ? ", clients" : "") + (o.Prometheus ? ", prometheus" : ""));
        var summary = new Table().AddColumn("").AddColumn("");
        summary.HideHeaders();
        summary.AddRow("result", r.Ok ? "ok: no violation" : $"{r.Violations.Count} violation(s)");
        summary.AddRow("plan", Markup.Escape($"{r.PlanState.ToLowerInvariant()} ({r.PlanStep}/{r.PlanSteps} steps)"));
        summary.AddRow("simulated time", TimeSpan.FromSeconds(r.SimulatedSeconds).ToString(@"hh\:mm\:ss"));
        summary.AddRow("events", r.Events.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        summary.AddRow("decisions", r.Decisions.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        summary.AddRow("actions", r.Actions.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        summary.AddRow("wall time", $"{seconds:0.0} s");
        console.Write(summary);
        if (r.Refusals.Count > 0)
        {
            var refusals = new Table().AddColumn("guarantee").AddColumn(new TableColumn("distinct refusals").RightAligned());
            foreach (var (id, count) in r.Refusals)
            {
                var label = GuaranteeIds.TryParse(id, out var g) ? g.Label() : id;
                refusals.AddRow(Markup.Escape(label), count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            console.Write(refusals);
        }
        if (r.Counters.Count > 0)
        {
            var counters = new Table().AddColumn("what happened").AddColumn(new TableColumn("count").RightAligned());
            foreach (var (name, count) in r.Counters)
            {
                counters.AddRow(Markup.Escape(name), count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            console.Write(counters);
        }
        foreach (var v in r.Violations)
        {
            output.WriteLine();
            output.WriteLine($"violation ({v.Guarantee} {v.Name}) at +{v.At - SimWorld.Epoch:hh\\:mm\\:ss}: {v.Message}");
            output.WriteLine($"  seed {o.Seed}; replay: {Replay(o)}");
            output.WriteLine($"  last {v.Trail.Count} events:");
            foreach (var line in v.Trail)
            {
                output.WriteLine($"    {line}");
            }
        }
    }
}
