using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands.Operator;

/// <summary><c>stepwise plan start PLAN</c> and <c>stepwise plan status [PLAN]</c>: plans on a Stepwise server.</summary>
public static class PlanServerCommands
{
    public static Command Start()
    {
        var plan = new Argument<string>("PLAN") { Description = "The plan's id (as in stepwise.yaml)." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the event log)." };
        var server = new ServerCall();
        var command = new Command("start", "Ask the server to start (or resume) a plan; it runs one step at a time.") { plan, reason };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse,
                c => c.PostAsync<RequestOutcome>(ApiClient.Route(Routes.StartPlan, ("plan", parse.GetValue(plan)!)), new ReasonBody(parse.GetValue(reason)), ct),
                (console, outcome) => parse.InvocationConfiguration.Output.WriteLine($"{(outcome.Accepted ? "accepted" : "not accepted")}: {outcome.Message}")));
        return command;
    }

    public static Command Status()
    {
        var plan = new Argument<string?>("PLAN") { Description = "One plan (default: every plan).", Arity = ArgumentArity.ZeroOrOne };
        var server = new ServerCall();
        var command = new Command("status", "Show plans on the server: step x/y, state, the step in progress.") { plan };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var only = parse.GetValue(plan);
            return await server.RunAsync(parse,
                async c =>
                {
                    var answer = await c.GetAsync<List<PlanView>>(Routes.Plans, ct);
                    if (only is null || answer.Value is null)
                    {
                        return answer;
                    }
                    var found = answer.Value.Where(p => p.Id == only).ToList();
                    return found.Count > 0 ? answer with { Value = found } : answer with
                    {
                        Value = null,
                        Problem = new ApiProblem(404, ProblemTypes.NotFound, "not found", $"no plan '{only}'; plans: {string.Join(", ", answer.Value.Select(p => p.Id))}", [], null),
                    };
                },
                (console, plans) => console.Write(Table(plans)));
        });
        return command;
    }

    internal static Table Table(IEnumerable<PlanView> plans)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "plan", "step", "state", "now", "since", "reason" })
        {
            table.AddColumn(column);
        }
        foreach (var p in plans)
        {
            var progress = p.Progress;
            var state = progress?.State ?? PlanState.Pending;
            var index = progress?.Step ?? 0;
            var step = state == PlanState.Complete ? $"{p.Steps.Count}/{p.Steps.Count}" : $"{Math.Min(index + 1, p.Steps.Count)}/{p.Steps.Count}";
            var now = state is PlanState.Complete or PlanState.Pending || index >= p.Steps.Count ? "-" : p.Steps[index].ToString();
            table.AddRow(CliOutput.Esc(p.Id), step, state.ToString().ToLowerInvariant(), CliOutput.Esc(now),
                progress?.StepSince?.ToString("HH:mm:ss", CultureInfo.InvariantCulture) ?? "-", CliOutput.Esc(progress?.Reason ?? ""));
        }
        return table;
    }
}
