using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Cli.Contexts;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands.Operator;

/// <summary><c>stepwise context list|use|set|delete</c>: named servers in the contexts file, like kubeconfig contexts.</summary>
public static class ContextCommand
{
    public static Command Create()
    {
        var command = new Command("context", $"Name servers and tokens once, then switch between them (the contexts file: $XDG_CONFIG_HOME/stepwise/config.yaml, or $STEPWISE_CONFIG).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Use());
        command.Subcommands.Add(Set());
        command.Subcommands.Add(Delete());
        return command;
    }

    private static Command List()
    {
        var format = CliOutput.FormatOption();
        var command = new Command("list", "List the contexts; the current one is marked with *.") { format };
        command.SetAction(parse => WithFile(parse, (file, path) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                stdout.WriteLine(SnapshotJson.Write(new ContextListOutput(path, file.Current, file.Contexts.Select(c => new ContextEntry(c.Name, c.Server, c.Token is null ? null : "(set)", c.TokenFile)).ToList()), CliJson.Indented));
                return ExitCodes.Ok;
            }
            if (file.Contexts.Count == 0)
            {
                stdout.WriteLine($"no contexts in {path}; add one with 'stepwise context set NAME --server URL --token-file PATH'");
                return ExitCodes.Ok;
            }
            var table = new Table().Border(TableBorder.Simple);
            foreach (var column in new[] { "", "name", "server", "token" })
            {
                table.AddColumn(column);
            }
            foreach (var c in file.Contexts)
            {
                table.AddRow(c.Name == file.Current ? "*" : "", CliOutput.Esc(c.Name), CliOutput.Esc(c.Server),
                    CliOutput.Esc(c.TokenFile is { } f ? $"file {f}" : c.Token is null ? "-" : "(in the file)"));
            }
            CliOutput.Console(stdout).Write(table);
            return ExitCodes.Ok;
        }, save: false));
        return command;
    }

    private static Command Use()
    {
        var name = new Argument<string>("NAME") { Description = "The context to make current." };
        var command = new Command("use", "Make a context the current one: commands without --server use its server and token.") { name };
        command.SetAction(parse => WithFile(parse, (file, path) =>
        {
            var wanted = parse.GetValue(name)!;
            if (file.Find(wanted) is null)
            {
                var names = file.Contexts.Count == 0 ? "none yet" : string.Join(", ", file.Contexts.Select(c => c.Name));
                var closest = Stepwise.Core.Config.Suggestions.Closest(wanted, file.Contexts.Select(c => c.Name));
                parse.InvocationConfiguration.Error.WriteLine($"error: no context '{wanted}' in {path}{(closest is null ? "" : $"; did you mean '{closest}'?")} (contexts: {names})");
                return ExitCodes.BadInput;
            }
            file.Current = wanted;
            parse.InvocationConfiguration.Output.WriteLine($"now using context '{wanted}'");
            return ExitCodes.Ok;
        }, save: true));
        return command;
    }

    private static Command Set()
    {
        var name = new Argument<string>("NAME") { Description = "The context to add or change." };
        var server = new Option<string?>("--server") { Description = "The server's address, e.g. https://stepwise.example.com:5080." };
        var token = new Option<string?>("--token") { Description = "A token kept in the contexts file (mode 0600); prefer --token-file." };
        var tokenFile = new Option<string?>("--token-file") { Description = "A file holding the token (read each time)." };
        var use = new Option<bool>("--use") { Description = "Also make it the current context." };
        var command = new Command("set", "Add a context or change its server or token.") { name, server, token, tokenFile, use };
        command.SetAction(parse => WithFile(parse, (file, path) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            var contextName = parse.GetValue(name)!;
            if (contextName.Length is 0 or > 128 || contextName.Any(ch => char.IsControl(ch) || char.IsWhiteSpace(ch)))
            {
                stderr.WriteLine($"error: context name '{contextName}': use 1 to 128 characters without spaces");
                return ExitCodes.BadInput;
            }
            if (parse.GetValue(token) is not null && parse.GetValue(tokenFile) is not null)
            {
                stderr.WriteLine("error: give --token or --token-file, not both");
                return ExitCodes.BadInput;
            }
            var existing = file.Find(contextName);
            var address = parse.GetValue(server) ?? existing?.Server;
            if (address is null)
            {
                stderr.WriteLine($"error: --server is missing: context '{contextName}' is new; give its server, e.g. --server http://127.0.0.1:5080");
                return ExitCodes.BadInput;
            }
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                stderr.WriteLine($"error: --server {address}: not an http(s) address; write e.g. http://127.0.0.1:5080");
                return ExitCodes.BadInput;
            }
            var keptToken = parse.GetValue(tokenFile) is not null ? null : parse.GetValue(token) ?? existing?.Token;
            var keptFile = parse.GetValue(token) is not null ? null : parse.GetValue(tokenFile) is { } f ? Path.GetFullPath(f) : existing?.TokenFile;
            var updated = new ServerContext(contextName, address, keptToken, keptFile);
            var index = file.Contexts.FindIndex(c => c.Name == contextName);
            if (index >= 0)
            {
                file.Contexts[index] = updated;
            }
            else
            {
                file.Contexts.Add(updated);
            }
            if (parse.GetValue(use) || file.Current is null)
            {
                file.Current = contextName;
            }
            parse.InvocationConfiguration.Output.WriteLine($"{(index >= 0 ? "changed" : "added")} context '{contextName}' ({address}){(file.Current == contextName ? ", in use" : "")}; saved in {path}");
            return ExitCodes.Ok;
        }, save: true));
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("NAME") { Description = "The context to remove." };
        var command = new Command("delete", "Remove a context.") { name };
        command.SetAction(parse => WithFile(parse, (file, path) =>
        {
            var contextName = parse.GetValue(name)!;
            if (file.Contexts.RemoveAll(c => c.Name == contextName) == 0)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: no context '{contextName}' in {path}");
                return ExitCodes.BadInput;
            }
            if (file.Current == contextName)
            {
                file.Current = null;
            }
            parse.InvocationConfiguration.Output.WriteLine($"deleted context '{contextName}'");
            return ExitCodes.Ok;
        }, save: true));
        return command;
    }

    private static int WithFile(ParseResult parse, Func<ContextsFile, string, int> action, bool save)
    {
        var stderr = parse.InvocationConfiguration.Error;
        var path = ContextsFile.DefaultPath();
        try
        {
            var file = ContextsFile.Load(path);
            var exit = action(file, path);
            if (save && exit == ExitCodes.Ok)
            {
                file.Save(path);
            }
            return exit;
        }
        catch (ContextsFileException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {path}: cannot write it: {e.Message}");
            return ExitCodes.BadInput;
        }
    }
}
