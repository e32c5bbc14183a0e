using System.CommandLine;
using Spectre.Console;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise data run CHANGE:PHASE [--store ID]</c> and <c>stepwise data cancel CHANGE [--store ID]</c>: the server's
/// data-change path. The server checks G3, G4 and G5 before it runs a phase (refusals print as <c>stepwise plan</c>
/// prints them, exit 1), records the phase's state, and runs it on the store's database.
/// </summary>
public static class DataServerCommands
{
    public static Command Run()
    {
        var target = new Argument<string>("CHANGE:PHASE") { Description = "The data change and phase, e.g. customer-contact-email:contract." };
        var store = new Option<string?>("--store") { Description = "The store id (default: every store the change declares)." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the event log)." };
        var server = new ServerCall();
        var command = new Command("run", "Ask the server to run one phase of a data change; it checks G3, G4 and G5 first and records the phase state.") { target, store, reason };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(target)!;
            var colon = text.LastIndexOf(':');
            if (colon <= 0 || !Core.Names.TryParse<DataPhaseKind>(text[(colon + 1)..], out _))
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: '{Core.Model.Identifiers.Printable(text)}': write CHANGE:PHASE with PHASE expand, backfill or contract, e.g. customer-contact-email:expand");
                return ExitCodes.BadInput;
            }
            var route = ApiClient.Route(Routes.RunDataPhase, ("change", text[..colon]), ("phase", text[(colon + 1)..]));
            return await server.RunAsync(parse,
                c => c.PostAsync<RequestOutcome>(route, new DataPhaseBody(parse.GetValue(store), parse.GetValue(reason)), ct),
                (console, outcome) => console.WriteLine($"{(outcome.Accepted ? "accepted" : "not accepted")}: {outcome.Message}"));
        });
        return command;
    }

    public static Command Cancel()
    {
        var change = new Argument<string>("CHANGE") { Description = "The data change whose running phase to stop." };
        var store = new Option<string?>("--store") { Description = "Only on this store id (default: every store)." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded with the failed phase)." };
        var server = new ServerCall();
        var command = new Command("cancel", "Stop a data phase the server is running: it stops at its next statement or batch, keeps committed work, and is recorded failed.") { change, store, reason };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var route = ApiClient.Route(Routes.CancelDataPhase, ("change", parse.GetValue(change)!));
            return await server.RunAsync(parse,
                c => c.PostAsync<DataCancelOutcome>(route, new DataPhaseBody(parse.GetValue(store), parse.GetValue(reason)), ct),
                (console, outcome) => console.WriteLine(outcome.Message));
        });
        return command;
    }
}
