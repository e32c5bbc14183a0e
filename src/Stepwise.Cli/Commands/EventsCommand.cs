using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary><c>stepwise events [--after ID] [--limit N] [--kind K]... [--subject S] [--follow]</c>: the server's event log, oldest first.</summary>
public static class EventsCommand
{
    public static Command Create()
    {
        var after = new Option<long>("--after") { Description = "Only events after this id." };
        var limit = new Option<int?>("--limit") { Description = "Print at most this many events (the first ones after --after, counted after the filters), then stop." };
        var kinds = new Option<string[]>("--kind") { Description = "Only events of this kind, e.g. refusal, raise-alert, start-rollout (repeatable).", AllowMultipleArgumentsPerToken = false };
        var subject = new Option<string?>("--subject") { Description = "Only events about this subject (a rollout id, a node, \"data CHANGE PHASE on STORE\"...), as events print it in brackets." };
        var follow = new Option<bool>("--follow") { Description = "Keep printing new events until stopped." };
        var server = new ServerCall();
        var command = new Command("events", "Print the event log: decisions, transitions, refusals, overrides, alerts, registrations.") { after, limit, kinds, subject, follow };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            var stdout = parse.InvocationConfiguration.Output;
            var max = parse.GetValue(limit);
            if (max is < 1)
            {
                stderr.WriteLine($"error: --limit {max}: give a number of events, 1 or more");
                return ExitCodes.BadInput;
            }
            var wanted = parse.GetValue(kinds) is { Length: > 0 } k ? k.ToHashSet(StringComparer.Ordinal) : null;
            var about = parse.GetValue(subject);
            bool Keep(EventView e) => (wanted is null || wanted.Contains(e.Kind)) && (about is null || e.Subject == about);
            var printed = 0;
            using var client = server.Connect(parse);
            if (client is null)
            {
                return ExitCodes.BadInput;
            }
            var json = parse.GetValue(server.Format) == OutputFormat.Json;
            var last = parse.GetValue(after);
            var all = new List<EventView>();
            try
            {
                while (true)
                {
                    var pageSize = wanted is null && about is null && max is { } m ? Math.Min(m - printed, 1000) : 1000;
                    var answer = await client.GetAsync<List<EventView>>($"{Routes.Events}?after={last}&limit={pageSize}", ct);
                    if (!answer.Ok)
                    {
                        return server.Fail(parse, answer.Problem!);
                    }
                    var page = answer.Value ?? [];
                    foreach (var e in page)
                    {
                        last = Math.Max(last, e.Id);
                        if (!Keep(e))
                        {
                            continue;
                        }
                        printed++;
                        if (json && !parse.GetValue(follow))
                        {
                            all.Add(e);
                        }
                        else
                        {
                            stdout.WriteLine(json ? SnapshotJson.Write(e, CliJson.Options) : Line(e));
                        }
                        if (printed == max)
                        {
                            break;
                        }
                    }
                    stdout.Flush();
                    if (printed == max)
                    {
                        break;
                    }
                    if (page.Count > 0)
                    {
                        continue; // the server may page below --limit: read until a page comes back empty
                    }
                    if (!parse.GetValue(follow))
                    {
                        break;
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
            if (json)
            {
                stdout.WriteLine(SnapshotJson.Write(all, CliJson.Indented));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Line(EventView e) =>
        $"{e.Id,6} {e.At.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {e.Kind,-22} {(e.Subject is { } s ? $"[{s}] " : "")}{e.Message}";
}
