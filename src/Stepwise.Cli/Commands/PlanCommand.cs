using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise plan --config stepwise.yaml --fleet fleet.json</c>: what the core would do and refuse now, offline.
/// What-if questions (--rollout, --data, --start-plan) are added as operator requests. Exit 1 when anything is refused.
/// </summary>
public static class PlanCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "The stepwise.yaml.", DefaultValueFactory = _ => "stepwise.yaml" };
        var fleet = new Option<string?>("--fleet") { Description = "A fleet file (JSON): nodes, rollouts, data-phase states, requests... (see docs/cli.md). Without it the fleet is empty." };
        var rollout = new Option<string[]>("--rollout") { Description = "Ask to start a rollout: SERVICE@VERSION (repeatable).", AllowMultipleArgumentsPerToken = false };
        var data = new Option<string[]>("--data") { Description = "Ask to run a data phase: CHANGE:PHASE[@STORE], e.g. rename-email:contract (repeatable)." };
        var startPlan = new Option<string?>("--start-plan") { Description = "Ask to start (or resume) the plan with this id." };
        var now = new Option<DateTimeOffset?>("--now") { Description = "Decide as of this time (ISO 8601); default: the fleet file's 'now', else the current time." };
        var format = CliOutput.FormatOption();
        var command = new Command("plan", "Show what Stepwise would do now and what it would refuse, and why (offline; no server).")
        {
            config, fleet, rollout, data, startPlan, now, format,
        };
        command.Subcommands.Add(Operator.PlanServerCommands.Start());
        command.Subcommands.Add(Operator.PlanServerCommands.Status());
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var loaded = ValidateCommand.Load(parse.GetValue(config)!, stderr);
            if (loaded is null)
            {
                return ExitCodes.BadInput;
            }
            var fleetFile = new FleetFile();
            if (parse.GetValue(fleet) is { } fleetPath)
            {
                var text = CliOutput.ReadText(fleetPath, stderr, "fleet file");
                if (text is null)
                {
                    return ExitCodes.BadInput;
                }
                try
                {
                    fleetFile = FleetFile.Parse(text, fleetPath);
                }
                catch (Core.Config.ConfigException e)
                {
                    stderr.WriteLine(e.Message);
                    return ExitCodes.BadInput;
                }
                var problems = fleetFile.Check(loaded, fleetPath);
                if (problems.Count > 0)
                {
                    foreach (var p in problems)
                    {
                        stderr.WriteLine($"{p.File}: error: {p.Message}\n  fix: {p.Fix}");
                    }
                    return ExitCodes.BadInput;
                }
            }
            var at = parse.GetValue(now) ?? fleetFile.Now ?? DateTimeOffset.UtcNow;
            var requests = new List<OperatorRequest>(fleetFile.Requests ?? []);
            var n = 0;
            foreach (var text in parse.GetValue(rollout) ?? [])
            {
                var i = text.IndexOf('@', StringComparison.Ordinal);
                if (i <= 0 || i == text.Length - 1 || loaded.FindRelease(text[..i], text[(i + 1)..]) is null)
                {
                    stderr.WriteLine($"error: --rollout {text}: not a declared release; write SERVICE@VERSION as in stepwise.yaml");
                    return ExitCodes.BadInput;
                }
                requests.Add(new OperatorRequest($"cli-{++n}", RequestKind.StartRollout, at, Service: text[..i], Version: text[(i + 1)..], Reason: "stepwise plan --rollout"));
            }
            foreach (var text in parse.GetValue(data) ?? [])
            {
                if (!TryParseData(text, loaded, out var change, out var phase, out var store, out var problem))
                {
                    stderr.WriteLine($"error: --data {text}: {problem}");
                    return ExitCodes.BadInput;
                }
                requests.Add(new OperatorRequest($"cli-{++n}", RequestKind.RunDataPhase, at, Change: change, Phase: phase, Store: store, Reason: "stepwise plan --data"));
            }
            if (parse.GetValue(startPlan) is { } planId)
            {
                if (loaded.FindPlan(planId) is null)
                {
                    stderr.WriteLine($"error: --start-plan {planId}: no such plan in the configuration (plans: {string.Join(", ", loaded.Plans.Select(p => p.Id))})");
                    return ExitCodes.BadInput;
                }
                requests.Add(new OperatorRequest($"cli-{++n}", RequestKind.StartPlan, at, Plan: planId, Reason: "stepwise plan --start-plan"));
            }
            var snapshot = (fleetFile with { Requests = requests }).ToSnapshot(loaded);
            var decisions = Decider.Decide(snapshot, at);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                stdout.WriteLine(JsonSerializer.Serialize(new { now = at, actions = decisions.Actions, refusals = decisions.Refusals }, SnapshotJson.Indented));
            }
            else
            {
                Render(CliOutput.Console(stdout), decisions);
            }
            return decisions.Refusals.Count > 0 ? ExitCodes.Refused : ExitCodes.Ok;
        });
        return command;
    }

    internal static bool TryParseData(string text, StepwiseConfig config, out string change, out DataPhaseKind phase, out string? store, out string problem)
    {
        change = "";
        phase = default;
        store = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var head = at < 0 ? text : text[..at];
        store = at < 0 ? null : text[(at + 1)..];
        var colon = head.LastIndexOf(':');
        if (colon <= 0 || !Enum.TryParse(head[(colon + 1)..], ignoreCase: true, out phase) || !Enum.IsDefined(phase))
        {
            problem = "write CHANGE:PHASE[@STORE] with PHASE expand, backfill or contract";
            return false;
        }
        change = head[..colon];
        var declared = config.FindChange(change);
        if (declared is null)
        {
            problem = $"no data change '{change}' in the configuration";
            return false;
        }
        if (!declared.Declares(phase))
        {
            problem = $"data change '{change}' declares no {phase.ToString().ToLowerInvariant()} phase";
            return false;
        }
        if (store is not null && !declared.Stores.Contains(store))
        {
            problem = $"data change '{change}' does not run on store '{store}' (stores: {string.Join(", ", declared.Stores)})";
            return false;
        }
        problem = "";
        return true;
    }

    internal static void Render(IAnsiConsole console, Decisions decisions)
    {
        if (decisions.Actions.Count == 0 && decisions.Refusals.Count == 0)
        {
            console.WriteLine("Nothing to do and nothing refused.");
            return;
        }
        if (decisions.Actions.Count > 0)
        {
            var table = new Table().Border(TableBorder.Simple).Title("Actions");
            table.AddColumn("action");
            table.AddColumn("what");
            table.AddColumn("why");
            foreach (var action in decisions.Actions)
            {
                table.AddRow(CliOutput.Esc(Kind(action)), CliOutput.Esc(What(action)), CliOutput.Esc(action.Reason));
            }
            console.Write(table);
        }
        foreach (var refusal in decisions.Refusals)
        {
            console.WriteLine();
            console.MarkupLine($"[red]refused ({CliOutput.Esc(refusal.Guarantee.Label())})[/]: {CliOutput.Esc(refusal.Message)}");
            console.WriteLine($"  blocked by: {string.Join(", ", refusal.Blockers.Select(b => $"{b.Id} ({b.Detail})"))}{(refusal.BlockerCount > refusal.Blockers.Count ? $" and {refusal.BlockerCount - refusal.Blockers.Count} more" : "")}");
            console.WriteLine($"  to unblock: {refusal.Unblock}");
            if (refusal.Plan is not null)
            {
                console.WriteLine($"  plan: {refusal.Plan}");
            }
            console.WriteLine($"  override (if you must): guarantee {refusal.Guarantee}, subject \"{refusal.Subject}\", with a reason");
        }
    }

    private static string Kind(DecisionAction action) => JsonNamingPolicy.KebabCaseLower.ConvertName(action.Kind.ToString());

    private static string What(DecisionAction action) => action switch
    {
        SetDesiredRelease a => $"{a.Service} {a.Release} on {a.Nodes.Count} node(s): {string.Join(", ", a.Nodes.Take(5))}{(a.Nodes.Count > 5 ? ", ..." : "")}",
        QuarantineNode a => $"{a.Node} ({a.Service}, reports {a.Reported})",
        ReleaseNode a => $"{a.Node} ({a.Service} {a.Release})",
        AdmitNode a => $"{a.Node} ({a.Service} {a.Release})",
        MarkNodeOffline a => a.Node,
        DecommissionNode a => a.Node,
        RunDataPhase a => $"{a.Change} {a.Phase.ToString().ToLowerInvariant()} on {a.Store}",
        StartRollout a => $"{a.Rollout}: {a.Service} {a.From} -> {a.To}, canary {string.Join(", ", a.CanaryNodes)}",
        AdvanceRollout a => $"{a.Rollout}: {a.From} -> {a.To}{(a.To == RolloutPhase.Waves ? $" {a.Wave}" : "")}",
        PauseRollout a => $"{a.Rollout} (resumes at {a.ResumeAt})",
        RollBackRollout a => a.Rollout,
        SetCurrentRelease a => $"{a.Service} {a.Release}",
        AdvancePlan a => $"{a.Plan}: step {a.Step + 1}, {a.State.ToString().ToLowerInvariant()}",
        RaiseAlert a => $"{a.Alert.Severity.ToString().ToLowerInvariant()} {a.Alert.Key}: {a.Alert.Message}",
        ClearAlert a => a.Key,
        CompleteRequest a => $"{a.Request} {(a.Accepted ? "accepted" : "not accepted")}",
        RecordAnalysis a => $"{a.Rollout} {a.Stage}: {a.Verdict} ({a.Score:0.#})",
        UseOverride a => $"{a.Override} for {a.Guarantee} \"{a.Subject}\"",
        _ => "",
    };
}
