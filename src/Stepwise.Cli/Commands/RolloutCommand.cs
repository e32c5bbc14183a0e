using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise rollout start|status|pause|resume|abort</c> against a running server.
/// Refusals print as <c>stepwise plan</c> prints them and exit 1; an unreachable server and bad input exit 2.
/// </summary>
public static class RolloutCommand
{
    public static Command Create()
    {
        var command = new Command("rollout", "Start, watch, pause, resume, abort or approve rollouts on a Stepwise server.");
        command.Subcommands.Add(Start());
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Operator.RolloutGetCommand.Get());
        command.Subcommands.Add(Operator.RolloutGetCommand.List());
        foreach (var action in new[] { "pause", "resume", "abort", "promote", "approve" })
        {
            command.Subcommands.Add(Action(action));
        }
        return command;
    }

    private static Command Start()
    {
        var target = new Argument<string>("SERVICE@VERSION") { Description = "The release to roll out, e.g. orders@1.2.0." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the event log)." };
        var server = new ServerCall();
        var command = new Command("start", "Ask the server to start a rollout; it canaries, bakes, rehearses the rollback, then proceeds in waves.") { target, reason };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(target)!;
            var at = text.IndexOf('@', StringComparison.Ordinal);
            if (at <= 0 || at == text.Length - 1)
            {
                parse.InvocationConfiguration.Error.WriteLine($"error: {text}: write SERVICE@VERSION, e.g. orders@1.2.0");
                return ExitCodes.BadInput;
            }
            return await server.RunAsync(parse, client =>
                client.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(text[..at], text[(at + 1)..], parse.GetValue(reason)), ct),
                (console, outcome) => console.WriteLine($"{(outcome.Accepted ? "accepted" : "not accepted")}: {outcome.Message}{(outcome.Rollout is { } r ? $" (rollout {r})" : "")}"));
        });
        return command;
    }

    private static Command Status()
    {
        var id = new Argument<string?>("ROLLOUT") { Description = "A rollout id (default: every rollout).", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch") { Description = "Print every change until the rollout (or every rollout) is finished." };
        var server = new ServerCall();
        var command = new Command("status", "Show rollouts: phase, wave, canary nodes, nodes on the new release.") { id, watch };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var rollout = parse.GetValue(id);
            if (!parse.GetValue(watch))
            {
                return rollout is null
                    ? await server.RunAsync(parse, c => c.GetAsync<List<RolloutView>>(Routes.Rollouts, ct), (console, list) => console.Write(Table(list)))
                    : await server.RunAsync(parse, c => c.GetAsync<RolloutView>(ApiClient.Route(Routes.Rollout, ("rollout", rollout)), ct), (console, one) => console.Write(Table([one])));
            }
            return await server.WatchAsync(parse, rollout, ct);
        });
        return command;
    }

    private static Command Action(string action)
    {
        var id = new Argument<string>("ROLLOUT") { Description = "The rollout id (stepwise rollout status lists them)." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the event log)." };
        var server = new ServerCall();
        var what = action switch
        {
            "pause" => "Pause a rollout where it is.",
            "resume" => "Resume a paused rollout.",
            "promote" => "Promote a rollout past the canary without the rollback rehearsal (refused under G7 unless overridden).",
            "approve" => "Approve a rollout waiting at an approval gate (the policy's approve); it goes on to the next step.",
            _ => "Abort a rollout: roll every node back to the release it came from.",
        };
        var command = new Command(action, what) { id, reason };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse,
                c => c.PostAsync<RequestOutcome>(ApiClient.Route(Routes.RolloutAction, ("rollout", parse.GetValue(id)!), ("action", action)), new ReasonBody(parse.GetValue(reason)), ct),
                (console, outcome) => console.WriteLine($"{(outcome.Accepted ? "accepted" : "not accepted")}: {outcome.Message}")));
        return command;
    }

    internal static Table Table(IEnumerable<RolloutView> rollouts)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "rollout", "service", "from", "to", "phase", "wave", "canary", "on new", "since", "reason" })
        {
            table.AddColumn(column);
        }
        foreach (var r in rollouts)
        {
            table.AddRow(CliOutput.Esc(r.Id), CliOutput.Esc(r.Service), CliOutput.Esc(r.From), CliOutput.Esc(r.To), CliOutput.Esc(Phase(r.Phase)),
                r.Wave.ToString(System.Globalization.CultureInfo.InvariantCulture), CliOutput.Esc(string.Join(", ", r.CanaryNodes)),
                $"{r.NodesOnTo}/{r.NodesTotal}", r.PhaseSince.ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture), CliOutput.Esc(r.Reason));
        }
        return table;
    }

    internal static string Phase(RolloutPhase phase) => JsonNamingPolicy.KebabCaseLower.ConvertName(phase.ToString());
}

/// <summary>
/// The options every command against a server takes (--server, --token, --format; STEPWISE_SERVER and STEPWISE_TOKEN
/// as defaults) and the one way they report: the answer rendered (text or JSON), refusals as <c>stepwise plan</c>
/// prints them (exit 1), anything else that went wrong on stderr (exit 2).
/// </summary>
internal sealed class ServerCall
{
    public Option<string?> Server { get; } = new("--server") { Description = "The Stepwise server, e.g. http://127.0.0.1:5080 (default: $STEPWISE_SERVER, else the context's)." };
    public Option<string?> Token { get; } = new("--token") { Description = "An admin or read token (default: $STEPWISE_TOKEN, else the context's)." };
    public Option<string?> Context { get; } = new("--context") { Description = "Use this context of the contexts file (default: $STEPWISE_CONTEXT, else the current one; see 'stepwise context')." };
    public Option<OutputFormat> Format { get; } = CliOutput.FormatOption();
    public Option<string?> CaFile { get; } = new("--ca-file") { Description = "Trust the CA certificates of this PEM file for an https:// server (default: $STEPWISE_CA_FILE; else the system's)." };
    public Option<string?> ClientCert { get; } = new("--client-cert") { Description = "Mutual TLS: present this client certificate (PEM) to a server started with --client-ca; with --client-key." };
    public Option<string?> ClientKey { get; } = new("--client-key") { Description = "The private key (PEM) of --client-cert." };

    public void AddTo(Command command)
    {
        command.Options.Add(Server);
        command.Options.Add(Token);
        command.Options.Add(Context);
        command.Options.Add(Format);
        command.Options.Add(CaFile);
        command.Options.Add(ClientCert);
        command.Options.Add(ClientKey);
    }

    public ApiClient? Connect(ParseResult parse)
    {
        var connection = Contexts.ConnectionResolver.Resolve(parse.GetValue(Server), parse.GetValue(Token), parse.GetValue(Context), parse.InvocationConfiguration.Error);
        if (connection is null)
        {
            return null;
        }
        var ca = parse.GetValue(CaFile) ?? (Environment.GetEnvironmentVariable("STEPWISE_CA_FILE") is { Length: > 0 } env ? env : null);
        var (cert, key) = (parse.GetValue(ClientCert), parse.GetValue(ClientKey));
        if (ca is null && cert is null && key is null)
        {
            return new ApiClient(connection.Server, connection.Token);
        }
        try
        {
            return new ApiClient(connection.Server, connection.Token, handler: TlsTrust.Handler(ca, cert, key));
        }
        catch (TlsSetupException e)
        {
            parse.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
            return null;
        }
    }

    public async Task<int> RunAsync<T>(ParseResult parse, Func<ApiClient, Task<ApiAnswer<T>>> call, Action<IAnsiConsole, T> render)
    {
        using var client = Connect(parse);
        if (client is null)
        {
            return ExitCodes.BadInput;
        }
        var stdout = parse.InvocationConfiguration.Output;
        try
        {
            var answer = await call(client);
            if (!answer.Ok)
            {
                return Fail(parse, answer.Problem!);
            }
            if (parse.GetValue(Format) == OutputFormat.Json)
            {
                stdout.WriteLine(SnapshotJson.Write(answer.Value, CliJson.Indented));
            }
            else if (answer.Value is { } value)
            {
                render(CliOutput.Console(stdout), value);
            }
            return ExitCodes.Ok;
        }
        catch (ApiConnectionException e)
        {
            parse.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
    }

    /// <summary>Prints a problem: refusals on stdout as <c>stepwise plan</c> does (exit 1), other problems on stderr (exit 2).</summary>
    public int Fail(ParseResult parse, ApiProblem problem)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        if (!problem.IsRefusal)
        {
            stderr.WriteLine($"error: {problem.Detail ?? problem.Title} ({problem.Status})");
            return ExitCodes.BadInput;
        }
        if (parse.GetValue(Format) == OutputFormat.Json)
        {
            stdout.WriteLine(SnapshotJson.Write(new RefusedOutput(true, problem.Type, problem.Detail, problem.Refusals, problem.Findings), CliJson.Indented));
        }
        else if (problem.Refusals.Count > 0)
        {
            PlanCommand.Render(CliOutput.Console(stdout), new Decisions([], problem.Refusals));
        }
        else
        {
            stdout.WriteLine(problem.Detail);
        }
        return ExitCodes.Refused;
    }

    /// <summary>Polls rollouts once a second and prints each change until the watched ones are finished.</summary>
    public async Task<int> WatchAsync(ParseResult parse, string? rollout, CancellationToken cancellationToken)
    {
        using var client = Connect(parse);
        if (client is null)
        {
            return ExitCodes.BadInput;
        }
        var stdout = parse.InvocationConfiguration.Output;
        var json = parse.GetValue(Format) == OutputFormat.Json;
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var answer = await client.GetAsync<List<RolloutView>>(Routes.Rollouts, cancellationToken);
                if (!answer.Ok)
                {
                    return Fail(parse, answer.Problem!);
                }
                var watched = (answer.Value ?? []).Where(r => rollout is null ? !RolloutPhases.IsTerminal(r.Phase) || seen.ContainsKey(r.Id) : r.Id == rollout).ToList();
                if (rollout is not null && watched.Count == 0)
                {
                    parse.InvocationConfiguration.Error.WriteLine($"error: no rollout '{rollout}' (stepwise rollout status lists them)");
                    return ExitCodes.BadInput;
                }
                foreach (var r in watched)
                {
                    var line = $"{r.Id} {r.Service} {r.From} -> {r.To}: {RolloutCommand.Phase(r.Phase)}{(r.Phase == RolloutPhase.Waves ? $" {r.Wave}" : "")}, {r.NodesOnTo}/{r.NodesTotal} on {r.To}{(r.Reason is { } why ? $" ({why})" : "")}";
                    if (seen.GetValueOrDefault(r.Id) != line)
                    {
                        seen[r.Id] = line;
                        stdout.WriteLine(json ? SnapshotJson.Write(r, CliJson.Options) : $"{DateTimeOffset.UtcNow:HH:mm:ss} {line}");
                        stdout.Flush();
                    }
                }
                if (watched.All(r => RolloutPhases.IsTerminal(r.Phase)))
                {
                    var failed = watched.Any(r => r.Phase is RolloutPhase.RolledBack or RolloutPhase.Aborted or RolloutPhase.Failed);
                    return failed ? ExitCodes.Refused : ExitCodes.Ok;
                }
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
        catch (ApiConnectionException e)
        {
            parse.InvocationConfiguration.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
        }
        return ExitCodes.Ok;
    }
}
