using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stepwise.Core.Config;
using Stepwise.Core.Model;
using Stepwise.Data.Lint;
using Stepwise.Data.Running;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise data plan|apply|status|rollback CHANGE --store URL [--phase P] [--config stepwise.yaml]</c>: runs the phases of
/// a data change declared in stepwise.yaml on one PostgreSQL or SQLite database.
/// </summary>
public static class DataCommand
{
    public static Command Create()
    {
        var data = new Command("data", "Run a data change's phases (expand, backfill, contract) on a PostgreSQL or SQLite database.");
        data.Subcommands.Add(Verb("plan", "Show what the next (or the given) phase would run, with the lint verdict of its SQL; change nothing."));
        data.Subcommands.Add(Verb("apply", "Apply the next phase that is not complete (or the given one). Idempotent and resumable."));
        data.Subcommands.Add(Verb("status", "Show the state of every phase of the change on the database."));
        data.Subcommands.Add(Verb("rollback", "Roll back the latest applied phase (or the given one), in reverse order, while its rollback is defined."));
        data.Subcommands.Add(DataServerCommands.Run());
        data.Subcommands.Add(DataServerCommands.Cancel());
        return data;
    }

    private static Command Verb(string verb, string description)
    {
        var change = new Argument<string>("change") { Description = "The data change's id in stepwise.yaml." };
        var store = new Option<string>("--store") { Description = "The database: postgres://user@host:port/db or sqlite:PATH.", Required = true };
        var phase = new Option<string?>("--phase") { Description = "The phase: expand, backfill or contract (default: the next one)." };
        phase.AcceptOnlyFromAmong("expand", "backfill", "contract");
        var config = new Option<string>("--config") { Description = "The stepwise.yaml that declares the change.", DefaultValueFactory = _ => "stepwise.yaml" };
        var format = new Option<string>("--format") { Description = "Output format: text or json.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var lockTimeout = new Option<int>("--lock-timeout-ms") { Description = "lock_timeout for each statement and batch (retried with backoff).", DefaultValueFactory = _ => 2000 };
        var allow = new Option<string[]>("--allow") { Description = "A contract-only lint rule the expand may break anyway (repeatable), e.g. ban-drop-not-null.", AllowMultipleArgumentsPerToken = false };
        var maxBytes = new Option<long>("--max-sql-bytes") { Description = "The size cap of one phase's SQL in bytes (larger SQL is bad input).", DefaultValueFactory = _ => Data.Sql.SqlInput.DefaultMaxBytes };
        var cmd = new Command(verb, description) { change, store, config, format, lockTimeout };
        if (verb != "status")
        {
            cmd.Options.Add(maxBytes);
        }
        if (verb != "status")
        {
            cmd.Options.Add(phase);
        }
        var noController = new Option<bool>("--no-controller") { Description = "The store has no Stepwise server: run a contract anyway (no G4 check). With a server, use 'stepwise data run CHANGE:contract'." };
        if (verb == "apply")
        {
            cmd.Options.Add(allow);
            cmd.Options.Add(noController);
        }
        cmd.SetAction(async (parseResult, ct) =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            var json = parseResult.GetValue(format) == "json";
            try
            {
                var configPath = parseResult.GetValue(config)!;
                var dataChange = LoadChange(configPath, parseResult.GetValue(change)!);
                var url = StoreUrl.Parse(parseResult.GetValue(store)!);
                var phaseValue = verb == "status" ? null : parseResult.GetValue(phase);
                DataPhaseKind? p = phaseValue is null ? null : Enum.Parse<DataPhaseKind>(phaseValue, ignoreCase: true);
                var progress = new ProgressPrinter(stderr, json);
                var options = new RunnerOptions
                {
                    LockTimeout = TimeSpan.FromMilliseconds(Math.Max(1, parseResult.GetValue(lockTimeout))),
                    MaxSqlBytes = verb == "status" ? Data.Sql.SqlInput.DefaultMaxBytes : parseResult.GetValue(maxBytes),
                    Progress = progress.Report,
                    AllowedRules = (verb == "apply" ? parseResult.GetValue(allow) : null)?.ToHashSet(StringComparer.Ordinal) ?? [],
                    OnLockRetry = (what, attempt, backoff) => stderr.WriteLine($"lock timeout on: {what}; retry {attempt} in {backoff.TotalMilliseconds:0} ms"),
                };
                if (options.MaxSqlBytes <= 0)
                {
                    throw new DataInputException($"--max-sql-bytes must be a positive number of bytes, not {options.MaxSqlBytes}", $"leave it out for the default ({Data.Sql.SqlInput.DefaultMaxBytes}) or give a positive size");
                }
                foreach (var rule in options.AllowedRules.Where(r => LintRules.Find(r) is null))
                {
                    throw new DataInputException($"--allow names unknown lint rule '{rule}'", "use a rule id from docs/data-changes.md, e.g. ban-drop-not-null");
                }
                var runner = new DataRunner(dataChange, Path.GetDirectoryName(Path.GetFullPath(configPath))!, options);
                switch (verb)
                {
                    case "status":
                        WriteStatus(stdout, dataChange, url, await runner.StatusAsync(url, ct), json);
                        return ExitCodes.Ok;
                    case "plan":
                        WriteOutcome(stdout, await runner.PlanAsync(url, p, ct), json, showSteps: true);
                        return ExitCodes.Ok;
                    case "apply":
                        // The standalone runner is for stores without a controller: a contract drops the old shape, and
                        // only the server knows whether a node still uses it (G4).
                        if (!parseResult.GetValue(noController) && await runner.PlanAsync(url, p, ct) is { NothingToDo: false, Phase: DataPhaseKind.Contract })
                        {
                            throw new DataPhaseRefusedException(
                                $"the contract of '{dataChange.Id}' removes the old shape, and the standalone runner cannot check that no running release still uses it (G4)",
                                $"ask the server, which checks G3, G4 and G5: stepwise data run {dataChange.Id}:contract; or, for a store without a Stepwise server, pass --no-controller");
                        }
                        WriteOutcome(stdout, await runner.ApplyAsync(url, p, ct), json, showSteps: false);
                        return ExitCodes.Ok;
                    default:
                        WriteOutcome(stdout, await runner.RollbackAsync(url, p, ct), json, showSteps: false);
                        return ExitCodes.Ok;
                }
            }
            catch (ConfigException e)
            {
                foreach (var error in e.Errors)
                {
                    stderr.WriteLine(error.ToString());
                }
                return ExitCodes.BadInput;
            }
            catch (DataInputException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                stderr.WriteLine($"  fix: {e.Fix}");
                stderr.WriteLine("  nothing was changed");
                return ExitCodes.BadInput;
            }
            catch (DataPhaseRefusedException e)
            {
                stderr.WriteLine($"refused: {e.Message}");
                stderr.WriteLine($"  fix: {e.Fix}");
                stderr.WriteLine("  nothing was changed");
                return ExitCodes.Refused;
            }
            catch (DataPhaseFailedException e)
            {
                stderr.WriteLine($"failed: {e.Message}");
                stderr.WriteLine($"  fix: {e.Fix}");
                return ExitCodes.Refused;
            }
        });
        return cmd;
    }

    private static DataChange LoadChange(string configPath, string id)
    {
        if (!File.Exists(configPath))
        {
            throw new DataInputException($"configuration file {configPath} does not exist", "run in the folder that holds stepwise.yaml, or pass --config PATH");
        }
        var cfg = ConfigLoader.Parse(File.ReadAllText(configPath), configPath);
        return cfg.FindChange(id) ?? throw new DataInputException(
            $"{configPath} declares no data change '{id}'",
            cfg.DataChanges.Count == 0 ? "declare it under 'dataChanges:'" : $"use one of: {string.Join(", ", cfg.DataChanges.Select(c => c.Id))}");
    }

    private static void WriteStatus(TextWriter stdout, DataChange change, StoreUrl url, IReadOnlyList<PhaseStatusRow> rows, bool json)
    {
        if (json)
        {
            var arr = new JsonArray();
            foreach (var r in rows)
            {
                arr.Add((JsonNode)new JsonObject
                {
                    ["phase"] = DataRunner.Name(r.Phase),
                    ["state"] = r.State.ToString(),
                    ["direction"] = r.Record?.Direction.ToString(),
                    ["step"] = r.Record?.Step,
                    ["cursor"] = r.Record?.Cursor,
                    ["rowsDone"] = r.Record?.RowsDone,
                    ["batches"] = r.Record?.Batches,
                    ["updatedAt"] = r.Record?.UpdatedAt,
                    ["completedAt"] = r.Record?.CompletedAt,
                    ["error"] = r.Record?.Error,
                });
            }
            stdout.WriteLine(new JsonObject { ["change"] = change.Id, ["store"] = url.Display, ["phases"] = arr }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        stdout.WriteLine($"{change.Id} on {url}:");
        foreach (var r in rows)
        {
            var detail = r.Phase == DataPhaseKind.Backfill && r.Record is { } b
                ? $"  {DataRunner.Count(b.RowsDone, "row")} in {DataRunner.Count(b.Batches, "batch")}{(b.Cursor is null ? "" : $", last {change.Backfill!.Key} = {b.Cursor}")}"
                : r.Record is { State: DataPhaseState.Running or DataPhaseState.Failed } s ? $"  {DataRunner.Count(s.Step, "statement")} committed ({s.Direction.ToString().ToLowerInvariant()})" : "";
            var error = r.Record?.Error is { } e && r.State == DataPhaseState.Failed ? $"  error: {e}" : "";
            stdout.WriteLine($"  {DataRunner.Name(r.Phase),-9} {DataRunner.StateName(r.State),-12}{detail}{error}".TrimEnd());
        }
    }

    private static void WriteOutcome(TextWriter stdout, PhaseOutcome outcome, bool json, bool showSteps)
    {
        if (json)
        {
            var steps = new JsonArray();
            foreach (var s in outcome.Steps)
            {
                steps.Add((JsonNode)new JsonObject { ["sql"] = s.Sql, ["mode"] = s.Mode.ToString(), ["note"] = s.Note });
            }
            var obj = new JsonObject
            {
                ["phase"] = DataRunner.Name(outcome.Phase),
                ["direction"] = outcome.Direction.ToString(),
                ["summary"] = outcome.Summary,
                ["nothingToDo"] = outcome.NothingToDo,
                ["steps"] = steps,
            };
            if (outcome.Lint is { } lint)
            {
                obj["lint"] = JsonNode.Parse(LintSqlCommand.ToJson(lint));
            }
            stdout.WriteLine(obj.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return;
        }
        stdout.WriteLine(outcome.Summary);
        if (!showSteps || outcome.Steps.Count == 0)
        {
            return;
        }
        stdout.Write(PhaseScriptText(outcome.Steps));
        if (outcome.Lint is { } report)
        {
            foreach (var s in report.Statements.Where(s => s.Findings.Any(f => f.Level != FindingLevel.Info)))
            {
                foreach (var f in s.Findings.Where(f => f.Level != FindingLevel.Info))
                {
                    stdout.WriteLine($"  {f.Level.ToString().ToLowerInvariant()}: {f.Rule.Id}: {f.Message} (line {s.Line}); safe recipe: {f.Rule.Recipe}");
                }
            }
        }
    }

    private static string PhaseScriptText(IReadOnlyList<ExecStep> steps)
    {
        var sb = new System.Text.StringBuilder();
        foreach (var (first, count, mode) in PhaseScript.Segments(steps))
        {
            sb.AppendLine(mode switch
            {
                StepMode.Transactional => "  in one transaction with the phase state (lock_timeout set, retried with backoff on lock timeouts):",
                StepMode.Outside => "  outside a transaction:",
                _ => "  in a transaction of its own:",
            });
            for (var k = first; k < first + count; k++)
            {
                sb.Append("    ").Append(steps[k].Sql.ReplaceLineEndings(" "));
                if (steps[k].Note.Length > 0)
                {
                    sb.Append("   -- ").Append(steps[k].Note);
                }
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    /// <summary>Progress of a long backfill on stderr: at most one line a second, and the last batch.</summary>
    private sealed class ProgressPrinter(TextWriter stderr, bool quiet)
    {
        private readonly Stopwatch sinceLine = Stopwatch.StartNew();
        private bool printed;

        public void Report(BackfillProgress p)
        {
            if (quiet || (printed && sinceLine.Elapsed < TimeSpan.FromSeconds(1)))
            {
                return;
            }
            printed = true;
            sinceLine.Restart();
            stderr.WriteLine($"backfill {p.Change}: {DataRunner.Count(p.RowsDone, "row")} in {DataRunner.Count(p.Batches, "batch")}, {p.RowsPerSecond:N0} rows/s, last key {p.Cursor}");
        }
    }
}
