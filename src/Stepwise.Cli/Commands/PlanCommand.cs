using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Api;
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
        var command = new Command("plan", "Show what Stepwise would do now and what it would refuse, and why: offline from a fleet file, or with --server on the live fleet (nothing changes there).")
        {
            config, fleet, rollout, data, startPlan, now, format,
        };
        command.Subcommands.Add(Operator.PlanServerCommands.Start());
        command.Subcommands.Add(Operator.PlanServerCommands.Status());
        var server = new ServerCall();
        command.Options.Add(server.Server);
        command.Options.Add(server.Token);
        command.Options.Add(server.Context);
        command.Options.Add(server.CaFile);
        command.Options.Add(server.ClientCert);
        command.Options.Add(server.ClientKey);
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            if (!TryParseQuestions(parse.GetValue(rollout) ?? [], parse.GetValue(data) ?? [], stderr, out var rollouts, out var phases))
            {
                return ExitCodes.BadInput;
            }
            var plan = parse.GetValue(startPlan);
            if (parse.GetValue(server.Server) is not null || parse.GetValue(server.Context) is not null)
            {
                if (parse.GetValue(fleet) is not null || parse.GetValue(now) is not null)
                {
                    stderr.WriteLine("error: --server asks the live fleet now: leave out --fleet and --now (they are for the offline plan)");
                    return ExitCodes.BadInput;
                }
                return await AskServerAsync(parse, server, parse.GetValue(format), rollouts, phases, plan, ct);
            }
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
            if (WhatIf.Check(loaded, rollouts, phases, plan) is { } problem)
            {
                stderr.WriteLine($"error: {problem}");
                return ExitCodes.BadInput;
            }
            var at = parse.GetValue(now) ?? fleetFile.Now ?? DateTimeOffset.UtcNow;
            var requests = new List<OperatorRequest>(fleetFile.Requests ?? []);
            requests.AddRange(WhatIf.Requests("cli", at, "stepwise plan", rollouts, phases, plan));
            var snapshot = (fleetFile with { Requests = requests }).ToSnapshot(loaded);
            return Print(parse, parse.GetValue(format), at, Decider.Decide(snapshot, at));
        });
        return command;
    }

    private static int Print(ParseResult parse, OutputFormat format, DateTimeOffset at, Decisions decisions)
    {
        var stdout = parse.InvocationConfiguration.Output;
        if (format == OutputFormat.Json)
        {
            stdout.WriteLine(SnapshotJson.Write(new WhatIfAnswer(at, decisions.Actions, decisions.Refusals), CliJson.Indented));
        }
        else
        {
            Render(CliOutput.Console(stdout), decisions);
        }
        return decisions.Refusals.Count > 0 ? ExitCodes.Refused : ExitCodes.Ok;
    }

    /// <summary>The what-if against the live fleet: the server decides on what it sees now; nothing changes there.</summary>
    private static async Task<int> AskServerAsync(ParseResult parse, ServerCall server, OutputFormat format, List<RolloutAsk> rollouts, List<DataPhaseAsk> phases, string? plan, CancellationToken ct)
    {
        using var client = server.Connect(parse);
        if (client is null)
        {
            return ExitCodes.BadInput;
        }
        try
        {
            var body = new WhatIfBody([.. rollouts.Select(r => new WhatIfRollout(r.Service, r.Version))], [.. phases.Select(d => new WhatIfDataPhase(d.Change, d.Phase, d.Store))], plan);
            var answer = await client.PostAsync<WhatIfAnswer>(Routes.WhatIf, body, ct);
            return answer.Ok ? Print(parse, format, answer.Value!.Now, new Decisions(answer.Value.Actions, answer.Value.Refusals)) : server.Fail(parse, answer.Problem!);
        }
        catch (ApiConnectionException e)
        {
            parse.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
    }

    /// <summary>SERVICE@VERSION and CHANGE:PHASE[@STORE], by syntax only: the configuration (local or the server's) checks them.</summary>
    internal static bool TryParseQuestions(IEnumerable<string> rolloutTexts, IEnumerable<string> dataTexts, TextWriter stderr, out List<RolloutAsk> rollouts, out List<DataPhaseAsk> phases)
    {
        rollouts = [];
        phases = [];
        foreach (var text in rolloutTexts)
        {
            var i = text.IndexOf('@', StringComparison.Ordinal);
            if (i <= 0 || i == text.Length - 1)
            {
                stderr.WriteLine($"error: --rollout {text}: write SERVICE@VERSION, e.g. orders@1.2.0");
                return false;
            }
            rollouts.Add(new RolloutAsk(text[..i], text[(i + 1)..]));
        }
        foreach (var text in dataTexts)
        {
            var at = text.IndexOf('@', StringComparison.Ordinal);
            var head = at < 0 ? text : text[..at];
            var colon = head.LastIndexOf(':');
            if (colon <= 0 || !head[(colon + 1)..].All(char.IsAsciiLetter) || !Enum.TryParse<DataPhaseKind>(head[(colon + 1)..], ignoreCase: true, out var phase) || !Enum.IsDefined(phase) || at == text.Length - 1)
            {
                stderr.WriteLine($"error: --data {text}: write CHANGE:PHASE[@STORE] with PHASE expand, backfill or contract");
                return false;
            }
            phases.Add(new DataPhaseAsk(head[..colon], phase, at < 0 ? null : text[(at + 1)..]));
        }
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
