using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stepwise.Api;

namespace Stepwise.Cli.Commands.Operator;

/// <summary>
/// <c>stepwise clients [--service S] [--operation OP]</c>: who calls what within the telemetry window, by client app
/// and version, with the calls, when each was last seen and its share of the operation's traffic (G8).
/// </summary>
public static class ClientsCommand
{
    public static Command Create()
    {
        var service = new Option<string?>("--service") { Description = "Only the calls to this service." };
        var operation = new Option<string?>("--operation") { Description = "Only the calls of this operation, as the contract names it (e.g. \"DELETE /orders/{id}\")." };
        var server = new ServerCall();
        var command = new Command("clients", "Who calls what (G8): client apps and versions per operation, with calls, last seen and share of traffic, within the telemetry window.") { service, operation };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse,
                c => c.GetAsync<List<ClientView>>(Path(parse.GetValue(service), parse.GetValue(operation)), ct),
                (console, rows) =>
                {
                    if (rows.Count == 0)
                    {
                        parse.InvocationConfiguration.Output.WriteLine("no client calls within the telemetry window");
                        return;
                    }
                    console.Write(Table(rows));
                }));
        return command;
    }

    /// <summary>The query is built escaped: operations hold spaces, braces and slashes.</summary>
    internal static string Path(string? service, string? operation)
    {
        var query = new List<string>();
        if (service is not null)
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }
        if (operation is not null)
        {
            query.Add("operation=" + Uri.EscapeDataString(operation));
        }
        return query.Count == 0 ? Routes.Clients : $"{Routes.Clients}?{string.Join('&', query)}";
    }

    internal static Table Table(IEnumerable<ClientView> rows)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "service", "operation", "client", "version", "calls", "share", "last seen" })
        {
            table.AddColumn(column);
        }
        table.Columns[4].RightAligned();
        table.Columns[5].RightAligned();
        // The server orders the rows (service, operation, most calls first); the table keeps that order.
        foreach (var r in rows)
        {
            table.AddRow(CliOutput.Esc(r.Service), CliOutput.Esc(r.Operation), CliOutput.Esc(r.App), CliOutput.Esc(r.Version),
                r.Calls.ToString("N0", CultureInfo.InvariantCulture), (r.Share * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%",
                r.LastSeen.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
        }
        return table;
    }
}
