using System.CommandLine;
using Stepwise.Api;

namespace Stepwise.Cli.Commands.Operator;

/// <summary><c>stepwise release retire SERVICE VERSION</c>: a release no node runs and no rollout targets leaves its service's ordering.</summary>
public static class ReleaseRetireCommand
{
    public static Command Create()
    {
        var service = new Argument<string>("SERVICE") { Description = "The service." };
        var version = new Argument<string>("VERSION") { Description = "The release to retire." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the event log)." };
        var server = new ServerCall();
        var command = new Command("retire", "Retire a release no node runs and no rollout targets (refused otherwise, saying which).") { service, version, reason };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse,
                c => c.PostAsync<RequestOutcome>(ApiClient.Route(Routes.RetireRelease, ("service", parse.GetValue(service)!), ("version", parse.GetValue(version)!)), new ReasonBody(parse.GetValue(reason)), ct),
                (console, outcome) => parse.InvocationConfiguration.Output.WriteLine($"{(outcome.Accepted ? "accepted" : "not accepted")}: {outcome.Message}")));
        return command;
    }
}
