using System.CommandLine;
using Stepwise.Contracts;
using Stepwise.Contracts.Reporting;

namespace Stepwise.Cli.Commands;

/// <summary><c>stepwise compat OLD NEW</c>: is release N+1's contract compatible with release N in the directions a rolling fleet needs (G6)?</summary>
public static class CompatCommand
{
    public static Command Create()
    {
        var oldArgument = new Argument<string>("old") { Description = "The contract of the running release N (file, or folder of .proto files)." };
        var newArgument = new Argument<string>("new") { Description = "The contract of the release N+1 to roll out." };
        var kind = new Option<string?>("--kind") { Description = "Contract kind; detected from the files when left out." };
        kind.AcceptOnlyFromAmong("openapi", "protobuf", "jsonschema");
        var mode = new Option<string>("--mode") { Description = "fleet: what breaks existing callers or readers when N+1 rolls out or N comes back (service expand steps are information); strict: both directions at every rule's severity; backward: new side with old counterparts only; forward: old side with new counterparts only.", DefaultValueFactory = _ => "fleet" };
        mode.AcceptOnlyFromAmong("fleet", "strict", "backward", "forward");
        var format = new Option<string>("--format") { Description = "Output format.", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json", "sarif", "markdown");
        var failOn = new Option<string>("--fail-on") { Description = "Exit 1 when a finding is at least this severe.", DefaultValueFactory = _ => "error" };
        failOn.AcceptOnlyFromAmong("error", "warning");
        var role = new Option<string>("--role") { Description = "JSON Schema only: whether the release reads (reader) or writes (writer) data of this schema.", DefaultValueFactory = _ => "reader" };
        role.AcceptOnlyFromAmong("reader", "writer");
        var maxFileSize = new Option<string>("--max-file-size") { Description = "The largest contract file read (bytes, or with a K, M or G suffix); larger files are bad input.", DefaultValueFactory = _ => "64M" };

        var command = new Command("compat", "Check that a new contract (OpenAPI, Protobuf, JSON Schema) is compatible with the old one in the directions a rolling fleet needs. Exit 0 compatible, 1 breaking, 2 bad input.")
        {
            oldArgument, newArgument, kind, mode, format, failOn, role, maxFileSize,
        };
        command.SetAction(parseResult =>
        {
            var stdout = parseResult.InvocationConfiguration.Output;
            var stderr = parseResult.InvocationConfiguration.Error;
            var oldPath = parseResult.GetValue(oldArgument)!;
            var newPath = parseResult.GetValue(newArgument)!;
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
            try
            {
                report = CompatRunner.Run(oldPath, newPath, kindValue, modeValue, options);
            }
            catch (ContractInputException e)
            {
                stderr.WriteLine($"error: {e.Describe()}");
                return ExitCodes.BadInput;
            }
            CompatReportWriter.Write(report, formatValue, failOnValue, stdout);
            return report.IsBreaking(failOnValue) ? ExitCodes.Refused : ExitCodes.Ok;
        });
        return command;
    }
}
