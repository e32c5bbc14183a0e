using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Stepwise.Api;

namespace Stepwise.Cli.Commands.Operator;

/// <summary><c>stepwise token create|list|revoke|rotate</c>: API tokens on a Stepwise server (admin only).</summary>
public static class TokenCommand
{
    public static Command Create()
    {
        var command = new Command("token", "Create, list, revoke or rotate API tokens on a Stepwise server (needs an admin token).");
        command.Subcommands.Add(CreateToken());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Action("revoke", "Revoke a token: it stops working at once."));
        command.Subcommands.Add(Action("rotate", "Replace a token's secret: prints the new one; the old one stops working."));
        return command;
    }

    private static Command CreateToken()
    {
        var name = new Argument<string>("NAME") { Description = "The token's name (letters, digits, '.', '_' or '-'); recorded with everything it does." };
        var kind = new Option<string>("--kind") { Description = "admin (operators), read (dashboards) or agent (one node, or one service's client telemetry).", HelpName = "admin|read|agent", DefaultValueFactory = _ => "read" };
        var node = new Option<string?>("--node") { Description = "The node an agent token reports for: its heartbeats and client telemetry (agent tokens only)." };
        var service = new Option<string?>("--service") { Description = "Instead of --node: the service an agent token reports client telemetry for, from an app that runs without a Stepwise agent (agent tokens only)." };
        var server = new ServerCall();
        var command = new Command("create", "Create a token and print its secret (shown once; the server keeps only its hash).") { name, kind, node, service };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            if (!TryKind(parse.GetValue(kind)!, out var tokenKind))
            {
                stderr.WriteLine($"error: --kind {parse.GetValue(kind)}: write admin, read or agent");
                return ExitCodes.BadInput;
            }
            var body = new TokenBody(tokenKind, parse.GetValue(name)!, parse.GetValue(node), parse.GetValue(service));
            switch (body.ScopeError())
            {
                case TokenScopeError.AgentNeedsNodeOrService:
                    stderr.WriteLine("error: an agent token reports for one node (--node NODE: heartbeats and telemetry) or one service (--service SERVICE: client telemetry only); give exactly one");
                    return ExitCodes.BadInput;
                case TokenScopeError.ScopeOnlyForAgents:
                    stderr.WriteLine("error: --node and --service belong to agent tokens only; leave them out or use --kind agent");
                    return ExitCodes.BadInput;
            }
            return await server.RunAsync(parse,
                c => c.PostAsync<TokenCreated>(Routes.Tokens, body, ct),
                (console, created) => Created(parse.InvocationConfiguration.Output, created));
        });
        return command;
    }

    private static Command List()
    {
        var all = new Option<bool>("--all") { Description = "Revoked tokens too." };
        var server = new ServerCall();
        var command = new Command("list", "List tokens: name, kind, node or service, created, revoked (never their secrets).") { all };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse,
                async c =>
                {
                    var answer = await c.GetAsync<List<TokenView>>(Routes.Tokens, ct);
                    return parse.GetValue(all) || answer.Value is null ? answer : answer with { Value = [.. answer.Value.Where(t => t.RevokedAt is null)] };
                },
                (console, tokens) =>
                {
                    var table = new Table().Border(TableBorder.Simple);
                    foreach (var column in new[] { "name", "kind", "for", "created", "revoked" })
                    {
                        table.AddColumn(column);
                    }
                    foreach (var t in tokens.OrderBy(t => t.Name, StringComparer.Ordinal))
                    {
                        table.AddRow(CliOutput.Esc(t.Name), Kind(t.Kind), CliOutput.Esc(Scope(t.Node, t.Service)), When(t.CreatedAt), When(t.RevokedAt));
                    }
                    console.Write(table);
                }));
        return command;
    }

    private static Command Action(string action, string description)
    {
        var name = new Argument<string>("NAME") { Description = "The token's name (stepwise token list shows them)." };
        var server = new ServerCall();
        var command = new Command(action, description) { name };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var route = ApiClient.Route(Routes.TokenAction, ("name", parse.GetValue(name)!), ("action", action));
            return action == "revoke"
                ? await server.RunAsync(parse, c => c.PostAsync<TokenView>(route, null, ct),
                    (console, view) => parse.InvocationConfiguration.Output.WriteLine($"revoked token '{view.Name}' ({Kind(view.Kind)}); it no longer works"))
                : await server.RunAsync(parse, c => c.PostAsync<TokenCreated>(route, null, ct),
                    (console, created) => Created(parse.InvocationConfiguration.Output, created));
        });
        return command;
    }

    private static void Created(TextWriter stdout, TokenCreated created)
    {
        var scope = Scope(created.Node, created.Service);
        stdout.WriteLine($"token '{created.Name}' ({Kind(created.Kind)}{(scope == "-" ? "" : $", {scope}")}); its secret, shown only now:");
        stdout.WriteLine(created.Token);
    }

    internal static bool TryKind(string text, out TokenKind kind)
    {
        kind = text switch { "admin" => TokenKind.Admin, "read" => TokenKind.Read, "agent" => TokenKind.Agent, _ => (TokenKind)(-1) };
        return Enum.IsDefined(kind);
    }

    private static string Kind(TokenKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>What an agent token reports for: "node N", "service S", or "-".</summary>
    private static string Scope(string? node, string? service) => node is not null ? $"node {node}" : service is not null ? $"service {service}" : "-";

    private static string When(DateTimeOffset? at) => at?.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-";
}
