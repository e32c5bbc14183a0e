using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary><c>stepwise events [--after ID] [--limit N] [--follow]</c>: the server's event log, oldest first.</summary>
public static class EventsCommand
{
    public static Command Create()
    {
        var after = new Option<long>("--after") { Description = "Only events after this id." };
        var limit = new Option<int>("--limit") { Description = "At most this many events per page (1-1000).", DefaultValueFactory = _ => 200 };
        var follow = new Option<bool>("--follow") { Description = "Keep printing new events until stopped." };
        var server = new ServerCall();
        var command = new Command("events", "Print the event log: decisions, transitions, refusals, overrides, alerts, registrations.") { after, limit, follow };
        server.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            var stdout = parse.InvocationConfiguration.Output;
            var pageSize = parse.GetValue(limit);
            if (pageSize is < 1 or > 1000)
            {
                stderr.WriteLine($"error: --limit {pageSize}: give a number from 1 to 1000");
                return ExitCodes.BadInput;
            }
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
                    var answer = await client.GetAsync<List<EventView>>($"{Routes.Events}?after={last}&limit={pageSize}", ct);
                    if (!answer.Ok)
                    {
                        return server.Fail(parse, answer.Problem!);
                    }
                    var page = answer.Value ?? [];
                    foreach (var e in page)
                    {
                        if (json && !parse.GetValue(follow))
                        {
                            all.Add(e);
                        }
                        else
                        {
                            stdout.WriteLine(json ? JsonSerializer.Serialize(e, SnapshotJson.Options) : Line(e));
                        }
                        last = Math.Max(last, e.Id);
                    }
                    stdout.Flush();
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
                stdout.WriteLine(JsonSerializer.Serialize(all, SnapshotJson.Indented));
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static string Line(EventView e) =>
        $"{e.Id,6} {e.At.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {e.Kind,-22} {(e.Subject is { } s ? $"[{s}] " : "")}{e.Message}";
}
