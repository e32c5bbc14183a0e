using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands.Operator;

/// <summary>
/// <c>stepwise config get|push|diff</c>: the server's linked configuration. <c>push</c> replaces its stepwise.yaml (the
/// server validates it against the registered releases; nothing changes when it is invalid); <c>diff</c> compares a
/// local stepwise.yaml with the server's, linked the same way (exit 0 same, 1 different, 2 bad input).
/// </summary>
public static class ConfigCommand
{
    public static Command Create()
    {
        var command = new Command("config", "Show, replace or compare the server's stepwise.yaml configuration.");
        command.Subcommands.Add(Get());
        command.Subcommands.Add(Push());
        command.Subcommands.Add(Diff());
        return command;
    }

    private static Command Get()
    {
        var server = new ServerCall();
        var command = new Command("get", "Show the server's linked configuration (--format json: all of it, every derived relation spelled out).");
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse, c => c.GetAsync<ConfigView>(Routes.Config, ct), (console, config) =>
            {
                var table = new Table().Border(TableBorder.Simple);
                table.AddColumn("kind");
                table.AddColumn("name");
                table.AddColumn("details");
                foreach (var s in config.Services)
                {
                    table.AddRow("service", CliOutput.Esc(s.Name), CliOutput.Esc($"releases {string.Join(", ", s.Releases.Select(r => r.Version))}"
                        + (s.DependsOn.Count > 0 ? $"; depends on {string.Join(", ", s.DependsOn.Select(d => d.Service))}" : "")));
                }
                foreach (var store in config.Stores)
                {
                    table.AddRow("store", CliOutput.Esc(store.Id), CliOutput.Esc(store.Kind.ToString().ToLowerInvariant()));
                }
                foreach (var change in config.DataChanges)
                {
                    table.AddRow("data change", CliOutput.Esc(change.Id), CliOutput.Esc($"on {string.Join(", ", change.Stores)}; needed by {Refs(change.NeededBy)}; old shape used by {Refs(change.OldShapeUsedBy)}"));
                }
                foreach (var plan in config.Plans)
                {
                    table.AddRow("plan", CliOutput.Esc(plan.Id), CliOutput.Esc(string.Join(" -> ", plan.Steps)));
                }
                console.Write(table);
            }));
        return command;
    }

    private static string Refs(IReadOnlyList<ReleaseRef> refs) => refs.Count == 0 ? "-" : string.Join(", ", refs.Select(r => $"{r.Service}@{r.Version}"));

    private static Command Push()
    {
        var file = new Argument<string>("FILE") { Description = "The stepwise.yaml to send.", DefaultValueFactory = _ => "stepwise.yaml" };
        var server = new ServerCall();
        var command = new Command("push", "Replace the server's stepwise.yaml (validated there with the registered releases; nothing changes when invalid).") { file };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            var text = CliOutput.ReadText(path, stderr, "stepwise.yaml configuration");
            if (text is null)
            {
                return ExitCodes.BadInput;
            }
            using var client = server.Connect(parse);
            if (client is null)
            {
                return ExitCodes.BadInput;
            }
            try
            {
                var answer = await client.PutTextAsync<ConfigView>(Routes.Config, text, "application/yaml", ct);
                if (!answer.Ok)
                {
                    if (answer.Problem!.Status == 400)
                    {
                        stderr.WriteLine($"error: the server refused {path}: {answer.Problem.Detail}");
                        ValidateCommand.Load(path, stderr); // every error with its line, when the file is wrong on its own
                        stderr.WriteLine("nothing was changed on the server");
                        return ExitCodes.BadInput;
                    }
                    return server.Fail(parse, answer.Problem);
                }
                var config = answer.Value!;
                if (parse.GetValue(server.Format) == OutputFormat.Json)
                {
                    parse.InvocationConfiguration.Output.WriteLine(SnapshotJson.Write(config, CliJson.Indented));
                }
                else
                {
                    parse.InvocationConfiguration.Output.WriteLine($"pushed {path} to {client.Server}: {config.Services.Count} services, {config.Services.Sum(s => s.Releases.Count)} releases, {config.DataChanges.Count} data changes, {config.Plans.Count} plans");
                }
                return ExitCodes.Ok;
            }
            catch (ApiConnectionException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }

    private static Command Diff()
    {
        var file = new Argument<string>("FILE") { Description = "The local stepwise.yaml to compare.", DefaultValueFactory = _ => "stepwise.yaml" };
        var server = new ServerCall();
        var command = new Command("diff", "Compare a local stepwise.yaml with the server's configuration (releases registered through the API are left out). Exit 1 when they differ.") { file };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            var local = ValidateCommand.Load(path, stderr);
            if (local is null)
            {
                return ExitCodes.BadInput;
            }
            using var client = server.Connect(parse);
            if (client is null)
            {
                return ExitCodes.BadInput;
            }
            try
            {
                var answer = await client.GetAsync<JsonElement>(Routes.Config, ct);
                if (!answer.Ok)
                {
                    return server.Fail(parse, answer.Problem!);
                }
                var mine = JsonSerializer.SerializeToElement(ConfigViews.Of(local), ApiJson.Options.Info<ConfigView>());
                var differences = ConfigDiff.Compare(mine, answer.Value);
                if (parse.GetValue(server.Format) == OutputFormat.Json)
                {
                    stdout.WriteLine(SnapshotJson.Write(new ConfigDiffOutput(path, client.Server, differences.Count == 0, differences), CliJson.Indented));
                }
                else if (differences.Count == 0)
                {
                    stdout.WriteLine($"{path} and {client.Server} agree");
                }
                else
                {
                    stdout.WriteLine($"{path} (-) against {client.Server} (+): {differences.Count} difference{(differences.Count == 1 ? "" : "s")}");
                    foreach (var d in differences)
                    {
                        stdout.WriteLine(d.ToString());
                    }
                }
                return differences.Count == 0 ? ExitCodes.Ok : ExitCodes.Refused;
            }
            catch (ApiConnectionException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }
}
