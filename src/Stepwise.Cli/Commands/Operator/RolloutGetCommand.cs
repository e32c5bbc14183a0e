using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Stepwise.Api;
using Stepwise.Cli.Rendering;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands.Operator;

/// <summary>
/// <c>stepwise rollout get NAME [--watch]</c>: one rollout as a tree (steps, analysis numbers, nodes, blockers), and
/// <c>stepwise rollout list [--all]</c>: the rollouts in flight, or every rollout.
/// </summary>
public static class RolloutGetCommand
{
    public static Command Get()
    {
        var name = new Argument<string>("NAME") { Description = "A rollout id, or a service (its latest rollout)." };
        var watch = new Option<bool>("--watch") { Description = "Redraw every second until the rollout finishes (exit 0 complete, 1 rolled back, aborted or failed)." };
        var width = new Option<int?>("--width") { Description = "Lay out for this many columns (default: the terminal's, 160 when redirected)." };
        var server = new ServerCall();
        var command = new Command("get", "Show a rollout: step x/y, bake time left, each metric canary against baseline, the nodes, what blocks it.") { name, watch, width };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            if (parse.GetValue(width) is { } w && w is < 40 or > 1000)
            {
                stderr.WriteLine($"error: --width {w}: give a number of columns from 40 to 1000");
                return ExitCodes.BadInput;
            }
            using var client = server.Connect(parse);
            if (client is null)
            {
                return ExitCodes.BadInput;
            }
            var style = RenderStyle.ForConsole(stdout);
            if (parse.GetValue(width) is { } columns)
            {
                style = style with { Width = columns };
            }
            var json = parse.GetValue(server.Format) == OutputFormat.Json;
            var tty = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
            string? shown = null;
            try
            {
                while (true)
                {
                    var (model, problem, error) = await LoadAsync(client, parse.GetValue(name)!, ct);
                    if (error is not null)
                    {
                        stderr.WriteLine($"error: {error}");
                        return ExitCodes.BadInput;
                    }
                    if (problem is not null)
                    {
                        return server.Fail(parse, problem);
                    }
                    var text = json ? SnapshotJson.Write(model, CliJson.Options) : RolloutTreeRenderer.Render(model!, style);
                    // Without a terminal, print again only when something other than the clock changed.
                    var key = json || tty ? text : RolloutTreeRenderer.Render(model! with { Elapsed = TimeSpan.Zero, BakeLeft = model!.BakeLeft is null ? null : TimeSpan.Zero }, style);
                    if (!parse.GetValue(watch))
                    {
                        stdout.Write(json ? text + "\n" : text);
                        return ExitCodes.Ok;
                    }
                    if (key != shown)
                    {
                        if (tty && !json)
                        {
                            stdout.Write("\u001b[H\u001b[2J");
                        }
                        else if (shown is not null && !json)
                        {
                            stdout.Write($"--- {DateTimeOffset.UtcNow.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}\n");
                        }
                        stdout.Write(json ? text + "\n" : text);
                        stdout.Flush();
                        shown = key;
                    }
                    if (model!.Finished)
                    {
                        return model.Succeeded ? ExitCodes.Ok : ExitCodes.Refused;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                }
            }
            catch (ApiConnectionException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return ExitCodes.BadInput;
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    private static async Task<(RolloutTreeModel? Model, ApiProblem? Problem, string? Error)> LoadAsync(ApiClient client, string name, CancellationToken ct)
    {
        var rollouts = await client.GetAsync<List<RolloutView>>(Routes.Rollouts, ct);
        if (!rollouts.Ok)
        {
            return (null, rollouts.Problem, null);
        }
        var all = rollouts.Value ?? [];
        var rollout = all.LastOrDefault(r => r.Id == name) ?? all.LastOrDefault(r => r.Service == name);
        if (rollout is null)
        {
            var ids = all.Where(r => !RolloutPhases.IsTerminal(r.Phase)).Select(r => r.Id).ToList();
            return (null, null, $"no rollout or service '{name}' has a rollout; {(ids.Count == 0 ? "none is in flight" : "in flight: " + string.Join(", ", ids))} (stepwise rollout list --all shows every one)");
        }
        var nodes = await client.GetAsync<List<NodeView>>(Routes.Nodes, ct);
        if (!nodes.Ok)
        {
            return (null, nodes.Problem, null);
        }
        var config = await client.GetAsync<ConfigView>(Routes.Config, ct);
        if (!config.Ok)
        {
            return (null, config.Problem, null);
        }
        return (RolloutTreeModel.Of(rollout, nodes.Value ?? [], config.Value!.Policy, DateTimeOffset.UtcNow), null, null);
    }

    public static Command List()
    {
        var all = new Option<bool>("--all") { Description = "Finished rollouts too (history), oldest first." };
        var server = new ServerCall();
        var command = new Command("list", "List the rollouts in flight (--all: every rollout).") { all };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
            await server.RunAsync(parse,
                async c =>
                {
                    var answer = await c.GetAsync<List<RolloutView>>(Routes.Rollouts, ct);
                    return parse.GetValue(all) || answer.Value is null ? answer : answer with { Value = [.. answer.Value.Where(r => !RolloutPhases.IsTerminal(r.Phase))] };
                },
                (console, rollouts) =>
                {
                    if (rollouts.Count == 0)
                    {
                        parse.InvocationConfiguration.Output.WriteLine(parse.GetValue(all) ? "no rollouts yet" : "no rollout in flight (--all shows finished ones)");
                        return;
                    }
                    var table = new Table().Border(TableBorder.Simple);
                    foreach (var column in new[] { "rollout", "service", "from", "to", "phase", "nodes on to", "since" })
                    {
                        table.AddColumn(column);
                    }
                    foreach (var r in rollouts)
                    {
                        // A finished rollout's node counts would be today's, not its own: left out.
                        table.AddRow(CliOutput.Esc(r.Id), CliOutput.Esc(r.Service), CliOutput.Esc(r.From), CliOutput.Esc(r.To),
                            CliOutput.Esc(RolloutCommand.Phase(r.Phase) + (r.Phase == RolloutPhase.Waves ? $" {r.Wave}" : "")),
                            RolloutPhases.IsTerminal(r.Phase) ? "-" : $"{r.NodesOnTo}/{r.NodesTotal}",
                            r.PhaseSince.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture));
                    }
                    console.Write(table);
                }));
        return command;
    }
}
