using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands.Operator;

/// <summary><c>stepwise override create|list</c>: recorded decisions to set one guarantee aside for one subject.</summary>
public static class OverrideCommand
{
    public static Command Create()
    {
        var command = new Command("override", "Set a guarantee aside for one subject, with a recorded reason, or list the overrides.");
        command.Subcommands.Add(CreateOverride());
        command.Subcommands.Add(List());
        return command;
    }

    private static Command CreateOverride()
    {
        var guarantee = new Option<string>("--guarantee") { Description = "The guarantee to set aside: G1..G8 or its name (e.g. G4 or contract-after-code).", Required = true };
        var subject = new Option<string>("--subject") { Description = "The subject as the refusal names it (e.g. \"data customer-contact-email contract on orders-db\").", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (recorded with your token's name).", Required = true };
        var server = new ServerCall();
        var command = new Command("create", "Record an override: the refusal of that guarantee for that subject is set aside (every use is logged).") { guarantee, subject, reason };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            if (!GuaranteeIds.TryParse(parse.GetValue(guarantee)!, out var id))
            {
                stderr.WriteLine($"error: --guarantee {parse.GetValue(guarantee)}: write G1..G8 or a guarantee's name ({string.Join(", ", Enum.GetValues<GuaranteeId>().Select(g => g.Label()))})");
                return ExitCodes.BadInput;
            }
            if (string.IsNullOrWhiteSpace(parse.GetValue(reason)))
            {
                stderr.WriteLine("error: --reason is empty: say why the guarantee is set aside");
                return ExitCodes.BadInput;
            }
            return await server.RunAsync(parse,
                c => c.PostAsync<Override>(Routes.Overrides, new OverrideBody(id, parse.GetValue(subject)!, parse.GetValue(reason)!), ct),
                (console, o) => parse.InvocationConfiguration.Output.WriteLine($"override {o.Id}: {o.Guarantee.Label()} set aside for {o.Subject} by '{o.By}': {o.Reason}"));
        });
        return command;
    }

    private static Command List()
    {
        var server = new ServerCall();
        var command = new Command("list", "List the recorded overrides: guarantee, subject, who, when and why.");
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse, c => c.GetAsync<List<Override>>(Routes.Overrides, ct), (console, overrides) =>
            {
                var table = new Table().Border(TableBorder.Simple);
                foreach (var column in new[] { "id", "guarantee", "subject", "by", "at", "reason" })
                {
                    table.AddColumn(column);
                }
                foreach (var o in overrides)
                {
                    table.AddRow(CliOutput.Esc(o.Id), CliOutput.Esc(o.Guarantee.Label()), CliOutput.Esc(o.Subject), CliOutput.Esc(o.By),
                        o.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), CliOutput.Esc(o.Reason));
                }
                console.Write(table);
            }));
        return command;
    }
}
