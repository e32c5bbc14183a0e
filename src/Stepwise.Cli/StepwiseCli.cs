using System.CommandLine;

namespace Stepwise.Cli;

/// <summary>Builds the <c>stepwise</c> command tree and runs it. Each command lives in its own file under Commands/.</summary>
public static class StepwiseCli
{
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("Stepwise: a release controller that makes version skew safe by construction.");
        foreach (var command in AllCommands())
        {
            root.Subcommands.Add(command);
        }
        return root;
    }

    // One line per command; a command is defined entirely in its own file.
    private static IEnumerable<Command> AllCommands()
    {
        yield return Stepwise.Cli.Commands.ValidateCommand.Create();
        yield return Stepwise.Cli.Commands.PlanCommand.Create();
        yield return Stepwise.Cli.Commands.AgentCommand.Create();
        yield return Stepwise.Cli.Commands.RolloutCommand.Create();
        yield return Stepwise.Cli.Commands.FleetCommand.Create();
        yield return Stepwise.Cli.Commands.ReleaseCommand.Create();
        yield return Stepwise.Cli.Commands.EventsCommand.Create();
        yield return Stepwise.Cli.Commands.DemoCommand.Create();
        yield return Stepwise.Cli.Commands.ServerCommand.Create();
        yield return Stepwise.Cli.Commands.CompatCommand.Create();
        yield return Stepwise.Cli.Commands.DataCommand.Create();
        yield return Stepwise.Cli.Commands.LintSqlCommand.Create();
        yield return Stepwise.Cli.Commands.SimulateCommand.Create();
        foreach (var command in Stepwise.Cli.Commands.Operator.OperatorCommands.All())
        {
            yield return command;
        }
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = BuildRoot();
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                stderr.WriteLine($"error: {error.Message}");
            }
            stderr.WriteLine("Run 'stepwise --help' for usage.");
            return ExitCodes.BadInput;
        }
        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return parsed.Invoke(config);
    }
}
