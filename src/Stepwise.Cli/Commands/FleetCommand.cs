using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stepwise.Api;

namespace Stepwise.Cli.Commands;

/// <summary><c>stepwise fleet</c>: every node the server knows, with its release, health, state and last heartbeat.</summary>
public static class FleetCommand
{
    public static Command Create()
    {
        var service = new Option<string?>("--service") { Description = "Only the nodes of this service." };
        var server = new ServerCall();
        var command = new Command("fleet", "List the nodes: actual and desired release, health, state (quarantined, offline...), last heartbeat.") { service };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse,
                async c =>
                {
                    var answer = await c.GetAsync<List<NodeView>>(Routes.Nodes, ct);
                    return parse.GetValue(service) is { } only && answer.Value is { } nodes ? answer with { Value = [.. nodes.Where(n => n.Service == only)] } : answer;
                },
                (console, nodes) => console.Write(Table(nodes))));
        return command;
    }

    internal static Table Table(IEnumerable<NodeView> nodes)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "node", "service", "release", "desired", "health", "state", "serves", "last heartbeat" })
        {
            table.AddColumn(column);
        }
        foreach (var n in nodes.OrderBy(n => n.Service, StringComparer.Ordinal).ThenBy(n => n.Id, StringComparer.Ordinal))
        {
            table.AddRow(CliOutput.Esc(n.Id), CliOutput.Esc(n.Service), CliOutput.Esc(n.ActualRelease ?? "-"), CliOutput.Esc(n.DesiredRelease ?? "-"),
                n.Health.ToString().ToLowerInvariant(), n.State.ToString().ToLowerInvariant(), n.MayServe ? "yes" : "no",
                n.LastHeartbeat?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "never");
        }
        return table;
    }
}
