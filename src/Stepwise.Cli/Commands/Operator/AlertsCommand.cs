using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands.Operator;

/// <summary><c>stepwise alerts</c>: the alerts the server holds raised now.</summary>
public static class AlertsCommand
{
    public static Command Create()
    {
        var server = new ServerCall();
        var command = new Command("alerts", "List the alerts raised now: severity, guarantee, since when, what.");
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse, c => c.GetAsync<List<Alert>>(Routes.Alerts, ct), (console, alerts) =>
            {
                if (alerts.Count == 0)
                {
                    parse.InvocationConfiguration.Output.WriteLine("no alerts");
                    return;
                }
                var table = new Table().Border(TableBorder.Simple);
                foreach (var column in new[] { "severity", "guarantee", "since", "alert" })
                {
                    table.AddColumn(column);
                }
                foreach (var a in alerts.OrderByDescending(a => a.Severity).ThenBy(a => a.Since))
                {
                    table.AddRow(a.Severity.ToString().ToLowerInvariant(), CliOutput.Esc(a.Guarantee?.Label() ?? "-"),
                        a.Since?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-", CliOutput.Esc(a.Message));
                }
                console.Write(table);
            }));
        return command;
    }
}
