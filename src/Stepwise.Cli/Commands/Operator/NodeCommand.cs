using System.CommandLine;
using Stepwise.Api;

namespace Stepwise.Cli.Commands.Operator;

/// <summary><c>stepwise node decommission|enable NODE</c>: take a node out of the fleet's counts (G1, G4) or let it back.</summary>
public static class NodeCommand
{
    public static Command Create()
    {
        var command = new Command("node", "Decommission a node (it no longer counts, even offline) or let a decommissioned node back.");
        command.Subcommands.Add(Action("decommission", Routes.DecommissionNode, "Decommission a node: it stops counting for the version window and old shapes, and may not serve."));
        command.Subcommands.Add(Action("enable", Routes.EnableNode, "Let a decommissioned node back: it rejoins on its next heartbeat."));
        return command;
    }

    private static Command Action(string name, string route, string description)
    {
        var node = new Argument<string>("NODE") { Description = "The node id (stepwise fleet lists them)." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the event log)." };
        var server = new ServerCall();
        var command = new Command(name, description) { node, reason };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse,
                c => c.PostAsync<RequestOutcome>(ApiClient.Route(route, ("node", parse.GetValue(node)!)), new ReasonBody(parse.GetValue(reason)), ct),
                (console, outcome) => parse.InvocationConfiguration.Output.WriteLine($"{(outcome.Accepted ? "accepted" : "not accepted")}: {outcome.Message}")));
        return command;
    }
}
