using System.CommandLine;

namespace Stepwise.Cli.Commands.Operator;

/// <summary>The operator's commands against a server that are not nouns of their own elsewhere, and the contexts.</summary>
public static class OperatorCommands
{
    public static IEnumerable<Command> All()
    {
        yield return TokenCommand.Create();
        yield return OverrideCommand.Create();
        yield return NodeCommand.Create();
        yield return AlertsCommand.Create();
        yield return ClientsCommand.Create();
        yield return ConfigCommand.Create();
        yield return ContextCommand.Create();
        yield return InitCommand.Create();
    }
}
