using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise release register SERVICE VERSION ...</c>: registers the next release of a service with how agents run
/// it and its contracts; the server compares the contracts with the previous release's (G6) and refuses a breaking
/// one (exit 1). <c>stepwise release list SERVICE</c> lists the releases.
/// </summary>
public static class ReleaseCommand
{
    public static Command Create()
    {
        var command = new Command("release", "Register and list releases on a Stepwise server.");
        command.Subcommands.Add(Register());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Operator.ReleaseRetireCommand.Create());
        return command;
    }

    private static Command Register()
    {
        var service = new Argument<string>("SERVICE") { Description = "The service." };
        var version = new Argument<string>("VERSION") { Description = "The new release's version (appended as the newest)." };
        var run = new Option<string?>("--command") { Description = "The artifact: the program agents start ({version}, {port} and {node} are replaced)." };
        var args = new Option<string[]>("--arg") { Description = "An argument of the artifact command (repeatable, in order).", AllowMultipleArgumentsPerToken = false };
        var health = new Option<string>("--health-path") { Description = "Where the app answers 2xx when healthy.", DefaultValueFactory = _ => "/healthz" };
        var metrics = new Option<string>("--metrics-path") { Description = "Where the app serves Prometheus text.", DefaultValueFactory = _ => "/metrics" };
        var provides = new Option<string[]>("--provides") { Description = "An operation this release serves, e.g. \"GET /orders/{id}\" (repeatable)." };
        var deprecates = new Option<string[]>("--deprecates") { Description = "An operation this release marks for removal (repeatable)." };
        var needs = new Option<string[]>("--needs") { Description = "A data change that must be complete first; CHANGE:expand for the expand only (repeatable)." };
        var oldShape = new Option<string[]>("--uses-old-shape-of") { Description = "A data change whose old shape this release still uses (repeatable)." };
        var calls = new Option<string[]>("--calls") { Description = "An operation of another service this release calls: SERVICE:OPERATION (repeatable)." };
        var contracts = new Option<string[]>("--contract") { Description = "A contract to compare with the previous release: KIND=PATH, KIND openapi, protobuf (a descriptor set) or jsonschema (repeatable)." };
        var file = new Option<string?>("--file") { Description = "The whole registration as JSON (the API's ReleaseRegistration); other options are then not allowed." };
        var server = new ServerCall();
        var command = new Command("register", "Register the next release of a service (refused when its contract breaks the previous release's).")
        {
            service, version, run, args, health, metrics, provides, deprecates, needs, oldShape, calls, contracts, file,
        };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            ReleaseRegistration registration;
            if (parse.GetValue(file) is { } path)
            {
                var text = CliOutput.ReadText(path, stderr, "release registration");
                if (text is null)
                {
                    return ExitCodes.BadInput;
                }
                try
                {
                    registration = SnapshotJson.Read<ReleaseRegistration>(text, ApiJson.Options)
                        ?? throw new JsonException("the registration is null");
                }
                catch (JsonException e)
                {
                    stderr.WriteLine($"error: {path}:{(e.LineNumber ?? 0) + 1}: not a release registration ({e.Message}); see docs/cli.md for its fields");
                    return ExitCodes.BadInput;
                }
                if (registration.Version != parse.GetValue(version))
                {
                    stderr.WriteLine($"error: {path}: version {registration.Version} differs from the VERSION argument {parse.GetValue(version)}");
                    return ExitCodes.BadInput;
                }
            }
            else
            {
                if (parse.GetValue(run) is not { Length: > 0 } program)
                {
                    stderr.WriteLine("error: --command is missing: say how agents start this release, e.g. --command dotnet --arg app.dll --arg --port --arg {port}");
                    return ExitCodes.BadInput;
                }
                var documents = new List<ContractDocument>();
                foreach (var entry in parse.GetValue(contracts) ?? [])
                {
                    var eq = entry.IndexOf('=', StringComparison.Ordinal);
                    var kind = eq > 0 ? entry[..eq] : "";
                    if (kind is not ("openapi" or "protobuf" or "jsonschema") || eq == entry.Length - 1)
                    {
                        stderr.WriteLine($"error: --contract {entry}: write KIND=PATH with KIND openapi, protobuf or jsonschema");
                        return ExitCodes.BadInput;
                    }
                    var contractPath = entry[(eq + 1)..];
                    string? content;
                    if (kind == "protobuf")
                    {
                        try
                        {
                            content = Convert.ToBase64String(File.ReadAllBytes(contractPath));
                        }
                        catch (IOException e)
                        {
                            stderr.WriteLine($"error: --contract {entry}: {e.Message}");
                            return ExitCodes.BadInput;
                        }
                    }
                    else
                    {
                        content = CliOutput.ReadText(contractPath, stderr, $"{kind} contract");
                    }
                    if (content is null)
                    {
                        return ExitCodes.BadInput;
                    }
                    documents.Add(new ContractDocument(kind, content));
                }
                var operationCalls = new List<OperationCall>();
                foreach (var call in parse.GetValue(calls) ?? [])
                {
                    var colon = call.IndexOf(':', StringComparison.Ordinal);
                    if (colon <= 0 || colon == call.Length - 1)
                    {
                        stderr.WriteLine($"error: --calls {call}: write SERVICE:OPERATION, e.g. payments:POST /refunds");
                        return ExitCodes.BadInput;
                    }
                    operationCalls.Add(new OperationCall(call[..colon], call[(colon + 1)..]));
                }
                registration = new ReleaseRegistration(
                    parse.GetValue(version)!,
                    new Artifact(program, parse.GetValue(args) ?? [], parse.GetValue(health)!, parse.GetValue(metrics)!),
                    parse.GetValue(provides), parse.GetValue(deprecates), operationCalls, parse.GetValue(needs), parse.GetValue(oldShape), documents);
            }
            return await server.RunAsync(parse,
                c => c.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", parse.GetValue(service)!)), registration, ct),
                (console, view) => console.WriteLine($"registered {view.Service}@{view.Version} (release #{view.Ordinal + 1} of {view.Service})"));
        });
        return command;
    }

    private static Command List()
    {
        var service = new Argument<string>("SERVICE") { Description = "The service." };
        var server = new ServerCall();
        var command = new Command("list", "List a service's releases, oldest first.") { service };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse,
                c => c.GetAsync<List<ReleaseView>>(ApiClient.Route(Routes.Releases, ("service", parse.GetValue(service)!)), ct),
                (console, releases) =>
                {
                    var table = new Table().Border(TableBorder.Simple);
                    foreach (var column in new[] { "#", "version", "provides", "deprecates", "needs", "uses old shape of", "registered" })
                    {
                        table.AddColumn(column);
                    }
                    foreach (var r in releases)
                    {
                        table.AddRow((r.Ordinal + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), CliOutput.Esc(r.Version), CliOutput.Esc(string.Join(", ", r.Provides)),
                            CliOutput.Esc(string.Join(", ", r.Deprecates)), CliOutput.Esc(string.Join(", ", r.Needs)), CliOutput.Esc(string.Join(", ", r.UsesOldShapeOf)),
                            r.RegisteredAt?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "stepwise.yaml");
                    }
                    console.Write(table);
                }));
        return command;
    }
}
