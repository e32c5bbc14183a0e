using System.CommandLine;
using Stepwise.Contracts;
using Stepwise.Contracts.Reporting;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise compat OLD NEW</c>, or <c>stepwise compat --against REF NEW</c>: is release N+1's contract compatible
/// with release N in the directions a rolling fleet needs (G6)?
/// </summary>
public static class CompatCommand
{
    public static Command Create()
    {
        var oldArgument = new Argument<string>("old") { Description = "The contract of the running release N (file, or folder of .proto files); with --against, the new contract." };
        var newArgument = new Argument<string?>("new") { Description = "The contract of the release N+1 to roll out (with --against, the only argument).", Arity = ArgumentArity.ZeroOrOne };
        var against = new Option<string?>("--against") { Description = "Read the old contract from this git branch, tag or commit (e.g. origin/main): the same path as the new one, as that commit has it. Then give only the new contract." };
        var kind = new Option<string?>("--kind") { Description = "Contract kind; detected from the files when left out." };
        kind.AcceptOnlyFromAmong("openapi", "protobuf", "jsonschema");
        var mode = new Option<string>("--mode") { Description = "fleet: what breaks existing callers or readers when N+1 rolls out or N comes back (service expand steps are information); strict: both directions at every rule's severity; backward: new side with old counterparts only; forward: old side with new counterparts only.", DefaultValueFactory = _ => "fleet" };
        mode.AcceptOnlyFromAmong("fleet", "strict", "backward", "forward");
        var format = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "sarif", "markdown", "github");
        var failOn = new Option<string>("--fail-on") { Description = "Exit 1 when a finding is at least this severe.", DefaultValueFactory = _ => "error" };
        failOn.AcceptOnlyFromAmong("error", "warning");
        var role = new Option<string>("--role") { Description = "JSON Schema only: whether the release reads (reader) or writes (writer) data of this schema.", DefaultValueFactory = _ => "reader" };
        role.AcceptOnlyFromAmong("reader", "writer");
        var maxFileSize = new Option<string>("--max-file-size") { Description = "The largest contract file read (bytes, or with a K, M or G suffix); larger files are bad input.", DefaultValueFactory = _ => "64M" };

        var command = new Command("compat", "Check that a new contract (OpenAPI, Protobuf, JSON Schema) is compatible with the old one in the directions a rolling fleet needs. Exit 0 compatible, 1 breaking, 2 bad input.")
        {
            oldArgument, newArgument, against, kind, mode, format, failOn, role, maxFileSize,
        };
        command.SetAction(parseResult =>
        {
            _ = HeapPages.Prepare(); // a batch over large inputs: its heap on 2 MiB pages where Linux gives them
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            var oldPath = parseResult.GetValue(oldArgument)!;
            var newPath = parseResult.GetValue(newArgument);
            var reference = parseResult.GetValue(against);
            if (reference is not null && newPath is not null)
            {
                stderr.WriteLine($"error: --against {reference} reads the old contract from git: give only the new one (stepwise compat --against {reference} {newPath})");
                return ExitCodes.BadInput;
            }
            if (reference is null && newPath is null)
            {
                stderr.WriteLine($"error: give the old and the new contract (stepwise compat OLD NEW), or the new one and a git ref to read the old one from (stepwise compat --against origin/main {oldPath})");
                return ExitCodes.BadInput;
            }
            ContractKind? kindValue = parseResult.GetValue(kind) switch
            {
                "openapi" => ContractKind.OpenApi,
                "protobuf" => ContractKind.Protobuf,
                "jsonschema" => ContractKind.JsonSchema,
                _ => null,
            };
            var modeValue = parseResult.GetValue(mode) switch
            {
                "backward" => CompatMode.Backward,
                "forward" => CompatMode.Forward,
                "strict" => CompatMode.Strict,
                _ => CompatMode.Fleet,
            };
            var formatValue = parseResult.GetValue(format) switch
            {
                "json" => ReportFormat.Json,
                "sarif" => ReportFormat.Sarif,
                "markdown" => ReportFormat.Markdown,
                "github" => ReportFormat.GitHub,
                _ => ReportFormat.Text,
            };
            var failOnValue = parseResult.GetValue(failOn) == "warning" ? Severity.Warning : Severity.Error;
            if (ContractLimits.ParseSize(parseResult.GetValue(maxFileSize)!) is not { } maxBytes)
            {
                stderr.WriteLine($"error: --max-file-size '{parseResult.GetValue(maxFileSize)}' is not a size: give a positive byte count, optionally with a K, M or G suffix (e.g. 64M)");
                return ExitCodes.BadInput;
            }
            var options = new CheckerOptions(parseResult.GetValue(role) == "writer" ? SchemaRole.Writer : SchemaRole.Reader, new ContractLimits(maxBytes));
            CompatReport report;
            GitRevision? revision = null;
            try
            {
                if (reference is not null)
                {
                    newPath = oldPath;
                    revision = GitRevision.Checkout(reference, newPath, maxBytes);
                    report = CompatRunner.Run(revision.Path, newPath, kindValue, modeValue, options);
                    report = FromRevision(report, revision, newPath);
                }
                else
                {
                    report = CompatRunner.Run(oldPath, newPath!, kindValue, modeValue, options);
                }
            }
            catch (ContractInputException e)
            {
                stderr.WriteLine($"error: {(revision is null ? e.Describe() : revision.Named(e.Describe()))}");
                return ExitCodes.BadInput;
            }
            catch (GitRevisionException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
            finally
            {
                revision?.Dispose();
            }
            CompatReportWriter.Write(report, formatValue, failOnValue, stdout);
            return report.IsBreaking(failOnValue) ? ExitCodes.Refused : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The report with the temporary copy of the old contract named as the commit has it (<c>REF:path</c>).</summary>
    private static CompatReport FromRevision(CompatReport report, GitRevision revision, string path) => report with
    {
        OldSource = $"{revision.Reference}:{path}",
        Findings = report.Findings.Select(f => f.File is { } file ? f with { File = revision.Named(file) } : f).ToList(),
    };
}
