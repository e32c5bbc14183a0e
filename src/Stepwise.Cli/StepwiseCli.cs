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
        yield return Stepwise.Cli.Commands.RolloutCommand.Create();
        yield return Stepwise.Cli.Commands.FleetCommand.Create();
        yield return Stepwise.Cli.Commands.ReleaseCommand.Create();
        yield return Stepwise.Cli.Commands.EventsCommand.Create();
        foreach (var command in HostCommands())
        {
            yield return command;
        }
        yield return Stepwise.Cli.Commands.CompatCommand.Create();
        yield return Stepwise.Cli.Commands.DataCommand.Create();
        yield return Stepwise.Cli.Commands.LintSqlCommand.Create();
        yield return Stepwise.Cli.Commands.SimulateCommand.Create();
        foreach (var command in Stepwise.Cli.Commands.Operator.OperatorCommands.All())
        {
            yield return command;
        }
    }

    // The commands that host long-running processes (the server, an agent, the demo's local fleet). The native build
    // leaves them to the .NET tool: they need ASP.NET Core, and they start once, so start-up time does not matter.
    private static IEnumerable<Command> HostCommands()
    {
#if STEPWISE_NATIVE
        return NativeBuild.HostCommands.Select(NativeBuild.Placeholder);
#else
        return
        [
            Stepwise.Cli.Commands.AgentCommand.Create(),
            Stepwise.Cli.Commands.DemoCommand.Create(),
            Stepwise.Cli.Commands.ServerCommand.Create(),
        ];
#endif
    }

    /// <summary>"did you mean" for each unknown word: the closest subcommand, or option when it starts with '-', of the command it follows.</summary>
    internal static IEnumerable<string> DidYouMean(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        // An unknown "--option" before a command's argument is taken as that argument; suggest for it too.
        var unknown = parsed.UnmatchedTokens
            .Concat(parsed.Tokens.Where(t => t.Type == System.CommandLine.Parsing.TokenType.Argument && t.Value.StartsWith("--", StringComparison.Ordinal)).Select(t => t.Value));
        foreach (var token in unknown.Distinct(StringComparer.Ordinal))
        {
            var candidates = token.StartsWith('-')
                ? command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
                : command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
            if (Stepwise.Core.Config.Suggestions.Closest(token, candidates) is { } closest)
            {
                yield return $"did you mean '{string.Join(' ', Path(command).Skip(1).Append(closest).Prepend("stepwise"))}'?";
            }
        }
    }

    private static IEnumerable<string> Path(Command command)
    {
        var names = new List<string>();
        for (Symbol? s = command; s is Command c; s = c.Parents.FirstOrDefault())
        {
            names.Insert(0, c is RootCommand ? "stepwise" : c.Name);
        }
        return names;
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
            foreach (var hint in DidYouMean(parsed))
            {
                stderr.WriteLine(hint);
            }
            var path = string.Join(' ', Path(parsed.CommandResult.Command));
            stderr.WriteLine($"Run '{path} --help' for usage.");
            return ExitCodes.BadInput;
        }
        var config = new InvocationConfiguration { Output = stdout, Error = stderr };
        return parsed.Invoke(config);
    }
}
