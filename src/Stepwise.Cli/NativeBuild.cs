using System.CommandLine;

namespace Stepwise.Cli;

/// <summary>
/// The native build of the CLI (ahead-of-time compiled, published with <c>-p:StepwiseNative=true</c>) for CI: every
/// command but the ones that host a long-running process, which stay in the .NET tool.
/// </summary>
public static class NativeBuild
{
    /// <summary>The commands only the .NET tool has.</summary>
    public static IReadOnlyList<string> HostCommands { get; } = ["agent", "demo", "server"];

    /// <summary>A command of the .NET tool, in the native build: it says where to find it and exits 2.</summary>
    public static Command Placeholder(string name)
    {
        var rest = new Argument<string[]>("ARGS") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(name, $"Not in the native build: run 'stepwise {name}' from the .NET tool.") { rest };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Error.WriteLine(
                $"error: 'stepwise {name}' is not part of the native build, which covers the commands CI runs; " +
                "install the .NET tool for it: dotnet tool install --global Stepwise.Cli");
            return ExitCodes.BadInput;
        });
        return command;
    }
}
