using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stepwise.Core.Model;
using Stepwise.Data.Lint;
using Stepwise.Data.Running;
using Stepwise.Data.Sql;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise lint-sql FILE... [--dialect postgres|sqlite] [--phase expand|contract] [--format text|json|sarif] [--trace URL] [--max-sql-bytes N]</c>:
/// classifies each statement (safe, contract-only, blocking) for the phase. Exit 0 when every statement is safe for the
/// phase, 1 when any is unsafe for it, 2 on bad input (unreadable file, a NUL byte or invalid UTF-8, a file over the
/// size cap, a SQL syntax error).
/// </summary>
public static class LintSqlCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "SQL files to lint.", Arity = ArgumentArity.OneOrMore };
        var dialect = new Option<string>("--dialect") { Description = "SQL dialect: postgres (parsed by libpg_query) or sqlite.", DefaultValueFactory = _ => "postgres" };
        dialect.AcceptOnlyFromAmong("postgres", "sqlite");
        var phase = new Option<string?>("--phase") { Description = "The phase the SQL runs in: expand or contract. Without it, contract-only statements are reported, not errors." };
        phase.AcceptOnlyFromAmong("expand", "contract");
        var format = new Option<string>("--format") { Description = "Output format: text, json or sarif.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "sarif");
        var standalone = new Option<bool>("--standalone") { Description = "The files run outside Stepwise: note a missing lock_timeout/statement_timeout." };
        var trace = new Option<string?>("--trace") { Description = "Also run each statement on this scratch PostgreSQL database (postgres://…) in a rolled-back transaction and report the locks taken and tables rewritten." };
        var maxBytes = new Option<long>("--max-sql-bytes") { Description = "The size cap of one SQL file in bytes (a larger file is bad input).", DefaultValueFactory = _ => SqlInput.DefaultMaxBytes };
        var cmd = new Command("lint-sql", "Lint migration SQL: which statements are safe in an expand, contract-only, or blocking.") { files, dialect, phase, format, standalone, trace, maxBytes };
        cmd.SetAction(async (parseResult, ct) =>
        {
            _ = HeapPages.Prepare(); // a batch over large inputs: its heap on 2 MiB pages where Linux gives them
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            var d = parseResult.GetValue(dialect) == "sqlite" ? SqlDialect.Sqlite : SqlDialect.Postgres;
            DataPhaseKind? p = parseResult.GetValue(phase) is { } ph ? Enum.Parse<DataPhaseKind>(ph, ignoreCase: true) : null;
            if (d == SqlDialect.Postgres && PgQuery.Unavailable is { } why)
            {
                stderr.WriteLine($"error: {why}");
                stderr.WriteLine("  fix: install it (Debian: apt-get install libpg-query1504.0)");
                return ExitCodes.BadInput;
            }
            var cap = parseResult.GetValue(maxBytes);
            if (cap <= 0)
            {
                stderr.WriteLine($"error: --max-sql-bytes must be a positive number of bytes, not {cap}");
                stderr.WriteLine($"  fix: leave it out for the default ({SqlInput.DefaultMaxBytes}) or give a positive size");
                return ExitCodes.BadInput;
            }
            var sources = new List<SqlSource>();
            foreach (var file in parseResult.GetValue(files)!)
            {
                if (!File.Exists(file))
                {
                    stderr.WriteLine($"{file}: error: file not found");
                    stderr.WriteLine("  fix: check the path");
                    return ExitCodes.BadInput;
                }
                try
                {
                    sources.Add(new SqlSource(file, SqlInput.ReadFile(file, cap)));
                }
                catch (SqlInputException e)
                {
                    var at = e.Problem.ByteOffset is null ? "" : $":{e.Problem.Line}:{e.Problem.Column}";
                    stderr.WriteLine($"{file}{at}: error: {e.Problem.Message}");
                    stderr.WriteLine($"  fix: {e.Problem.Fix}");
                    return ExitCodes.BadInput;
                }
                catch (IOException e)
                {
                    stderr.WriteLine($"{file}: error: cannot read it: {e.Message}");
                    stderr.WriteLine("  fix: check the path and its permissions");
                    return ExitCodes.BadInput;
                }
                catch (UnauthorizedAccessException e)
                {
                    stderr.WriteLine($"{file}: error: cannot read it: {e.Message}");
                    stderr.WriteLine("  fix: check the path and its permissions");
                    return ExitCodes.BadInput;
                }
            }
            var report = SqlLinter.Lint(sources, d, p, parseResult.GetValue(standalone), cap);
            IReadOnlyList<StatementTrace>? traces = null;
            if (parseResult.GetValue(trace) is { } url && report.InputErrors.Count == 0)
            {
                try
                {
                    var store = StoreUrl.Parse(url);
                    if (store.Dialect != SqlDialect.Postgres)
                    {
                        throw new DataInputException($"--trace needs a PostgreSQL database, not {store}", "pass a scratch postgres://… URL");
                    }
                    traces = await LockTracer.TraceAsync(sources, store, TimeSpan.FromSeconds(2), ct);
                }
                catch (DataInputException e)
                {
                    stderr.WriteLine($"error: {e.Message}");
                    stderr.WriteLine($"  fix: {e.Fix}");
                    return ExitCodes.BadInput;
                }
            }
            switch (parseResult.GetValue(format))
            {
                case "json":
                    stdout.WriteLine(ToJson(report, traces));
                    break;
                case "sarif":
                    stdout.WriteLine(ToSarif(report).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                    break;
                default:
                    WriteText(stdout, report);
                    if (traces is not null)
                    {
                        WriteTrace(stdout, traces);
                    }
                    break;
            }
            foreach (var e in report.InputErrors)
            {
                stderr.WriteLine($"{e.File}:{e.Line}:{e.Column}: error: {e.Message}");
            }
            return report.ExitCode;
        });
        return cmd;
    }

    internal static string ClassName(StatementClass c) => c switch
    {
        StatementClass.Safe => "safe",
        StatementClass.ContractOnly => "contract-only",
        StatementClass.Blocking => "blocking",
        _ => "advice",
    };

    private static string LevelName(FindingLevel l) => l.ToString().ToLowerInvariant();

    private static void WriteText(TextWriter w, LintReport report)
    {
        foreach (var s in report.Statements)
        {
            foreach (var f in s.Findings)
            {
                w.WriteLine($"{s.File}:{s.Line}:{s.Column}: {LevelName(f.Level)}: {f.Rule.Id} ({ClassName(f.Rule.Class)}): {f.Message}");
                w.WriteLine($"  why: {f.Rule.Why}");
                w.WriteLine($"  safe recipe: {f.Rule.Recipe}");
            }
        }
        var counts = report.Statements.GroupBy(s => s.Class).ToDictionary(g => g.Key, g => g.Count());
        var phase = report.Phase is { } p ? $"the {DataRunner.Name(p)} phase" : "any phase (no --phase: contract-only statements are reported, not errors)";
        var verdict = report.InputErrors.Count > 0 ? "bad input" : report.HasErrors ? "UNSAFE" : "safe";
        w.WriteLine($"{CliOutput.Count(report.Statements.Count, "statement")}: {counts.GetValueOrDefault(StatementClass.Safe)} safe, {counts.GetValueOrDefault(StatementClass.ContractOnly)} contract-only, {counts.GetValueOrDefault(StatementClass.Blocking)} blocking; {verdict} for {phase}");
    }

    private static void WriteTrace(TextWriter w, IReadOnlyList<StatementTrace> traces)
    {
        w.WriteLine("lock trace (each statement run on the scratch database, then rolled back):");
        foreach (var t in traces)
        {
            var head = $"{t.File}:{t.Line}:{t.Column}: {Short(t.Text)}";
            if (t.NotRun is not null)
            {
                w.WriteLine($"{head}\n  not run: {t.NotRun}");
                continue;
            }
            if (t.Error is not null)
            {
                w.WriteLine($"{head}\n  failed on the scratch database: {t.Error}");
                continue;
            }
            var locks = t.Locks.Count == 0 ? "no new relation locks" : string.Join(", ", t.Locks.OrderBy(l => l.Relation, StringComparer.Ordinal).Select(l => $"{l.Mode} on {l.Relation}"));
            w.WriteLine($"{head}\n  locks: {locks}");
            w.WriteLine($"  rewrote: {(t.Rewritten.Count == 0 ? "nothing" : string.Join(", ", t.Rewritten))}; scanned: {(t.Scanned.Count == 0 ? "nothing" : string.Join(", ", t.Scanned))}");
        }
    }

    private static string Short(string sql)
    {
        var one = sql.ReplaceLineEndings(" ");
        return one.Length > 100 ? one[..97] + "..." : one;
    }

    /// <summary>The JSON report, written straight to UTF-8 (a 10,000-statement file would otherwise build a large node tree).</summary>
    internal static string ToJson(LintReport report, IReadOnlyList<StatementTrace>? traces = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("dialect", report.Dialect.ToString().ToLowerInvariant());
            if (report.Phase is { } p)
            {
                w.WriteString("phase", DataRunner.Name(p));
            }
            else
            {
                w.WriteNull("phase");
            }
            w.WriteBoolean("safe", report.ExitCode == 0);
            w.WriteNumber("exitCode", report.ExitCode);
            w.WriteStartArray("statements");
            foreach (var s in report.Statements)
            {
                w.WriteStartObject();
                w.WriteString("file", s.File);
                w.WriteNumber("line", s.Line);
                w.WriteNumber("column", s.Column);
                w.WriteString("class", ClassName(s.Class));
                w.WriteString("sql", s.Text);
                w.WriteStartArray("findings");
                foreach (var f in s.Findings)
                {
                    w.WriteStartObject();
                    w.WriteString("rule", f.Rule.Id);
                    w.WriteString("class", ClassName(f.Rule.Class));
                    w.WriteString("level", LevelName(f.Level));
                    w.WriteString("message", f.Message);
                    w.WriteString("recipe", f.Rule.Recipe);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("errors");
            foreach (var e in report.InputErrors)
            {
                w.WriteStartObject();
                w.WriteString("file", e.File);
                w.WriteNumber("line", e.Line);
                w.WriteNumber("column", e.Column);
                w.WriteString("message", e.Message);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (traces is not null)
            {
                w.WritePropertyName("trace");
                TraceJson(traces).WriteTo(w);
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static JsonArray TraceJson(IReadOnlyList<StatementTrace> traces)
    {
        var arr = new JsonArray();
        foreach (var t in traces)
        {
            var locks = new JsonArray();
            foreach (var l in t.Locks)
            {
                locks.Add((JsonNode)new JsonObject { ["relation"] = l.Relation, ["mode"] = l.Mode });
            }
            arr.Add((JsonNode)new JsonObject
            {
                ["file"] = t.File,
                ["line"] = t.Line,
                ["column"] = t.Column,
                ["sql"] = t.Text,
                ["locks"] = locks,
                ["rewritten"] = new JsonArray(t.Rewritten.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()),
                ["scanned"] = new JsonArray(t.Scanned.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()),
                ["error"] = t.Error,
                ["notRun"] = t.NotRun,
            });
        }
        return arr;
    }

    private static JsonObject ToSarif(LintReport report)
    {
        var used = report.Statements.SelectMany(s => s.Findings).Select(f => f.Rule).DistinctBy(r => r.Id).ToList();
        var rules = new JsonArray();
        foreach (var r in used)
        {
            rules.Add((JsonNode)new JsonObject
            {
                ["id"] = r.Id,
                ["shortDescription"] = new JsonObject { ["text"] = r.Why },
                ["help"] = new JsonObject { ["text"] = r.Recipe },
                ["properties"] = new JsonObject { ["class"] = ClassName(r.Class) },
            });
        }
        var results = new JsonArray();
        foreach (var s in report.Statements)
        {
            foreach (var f in s.Findings)
            {
                results.Add((JsonNode)new JsonObject
                {
                    ["ruleId"] = f.Rule.Id,
                    ["level"] = f.Level switch { FindingLevel.Error => "error", FindingLevel.Warning => "warning", _ => "note" },
                    ["message"] = new JsonObject { ["text"] = $"{f.Message}. Safe recipe: {f.Rule.Recipe}" },
                    ["locations"] = Location(s.File, s.Line, s.Column),
                });
            }
        }
        var notifications = new JsonArray();
        foreach (var e in report.InputErrors)
        {
            notifications.Add((JsonNode)new JsonObject
            {
                ["level"] = "error",
                ["message"] = new JsonObject { ["text"] = e.Message },
                ["locations"] = Location(e.File, e.Line, e.Column),
            });
        }
        return new JsonObject
        {
            ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject { ["driver"] = new JsonObject { ["name"] = "stepwise lint-sql", ["rules"] = rules } },
                ["invocations"] = new JsonArray(new JsonObject { ["executionSuccessful"] = report.InputErrors.Count == 0, ["toolExecutionNotifications"] = notifications }),
                ["results"] = results,
            }),
        };
    }

    private static JsonArray Location(string file, int line, int column) => new(new JsonObject
    {
        ["physicalLocation"] = new JsonObject
        {
            ["artifactLocation"] = new JsonObject { ["uri"] = file.Replace('\\', '/') },
            ["region"] = new JsonObject { ["startLine"] = line, ["startColumn"] = column },
        },
    });
}
