using System.CommandLine;
using Spectre.Console;

namespace Stepwise.Cli.Commands;

/// <summary>
/// <c>stepwise demo [--non-interactive]</c>: a real server on a temporary SQLite file, six agents running the orders
/// sample on loopback ports over one SQLite database, traffic on every node, and the whole story: a safe release with
/// its rollback rehearsal, an N+2 attempt refused, a node taken offline during a push and quarantined when it
/// returns, expand → code → contract, a bad canary rolled back by itself, a breaking contract refused at registration,
/// and an old client that holds back the removal of an operation it still calls until it is told to upgrade (G8).
/// Exit 0 when every act ends as it should.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var nonInteractive = new Option<bool>("--non-interactive") { Description = "Plain progress lines (for scripts and CI) instead of the live display." };
        var sample = new Option<string?>("--sample") { Description = "The built orders sample (Stepwise.Samples.Orders.dll); default: the one the installed tool carries, or the source tree's build." };
        var keep = new Option<bool>("--keep") { Description = "Keep the temporary directory (databases, logs) for a look afterwards." };
        var dashboard = new Option<bool>("--dashboard") { Description = "Print the dashboard's address and a token to sign in with, and hold each rollout before its waves until you approve it there." };
        var command = new Command("demo", "Run the Stepwise story end to end on this machine: server, six agents, the orders sample (about a minute).")
        {
            nonInteractive, sample, keep, dashboard,
        };
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var dll = parse.GetValue(sample) ?? FindSample();
            if (dll is null || !File.Exists(dll))
            {
                stderr.WriteLine($"error: the orders sample is not built{(dll is null ? "" : $" at {dll}")}; run 'dotnet build samples/orders' or give --sample PATH");
                return ExitCodes.BadInput;
            }
            var interactive = !parse.GetValue(nonInteractive) && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
            await using var demo = new DemoRun(dll, stdout, parse.GetValue(keep), parse.GetValue(dashboard));
            try
            {
                if (interactive)
                {
                    await CliOutput.Console(stdout).Status().Spinner(Spinner.Known.Dots).StartAsync("starting", async ctx =>
                    {
                        demo.Status = text => ctx.Status(Markup.Escape(text));
                        await demo.RunAsync(ct);
                    });
                }
                else
                {
                    await demo.RunAsync(ct);
                }
            }
            catch (Exception e) when (e is DemoFailure or Local.LocalFleetException)
            {
                stderr.WriteLine($"error: {e.Message}");
                demo.PrintDiagnostics(stderr);
                demo.Summary(CliOutput.Console(stdout));
                return ExitCodes.Refused;
            }
            demo.Summary(CliOutput.Console(stdout));
            return demo.AllPassed ? ExitCodes.Ok : ExitCodes.Refused;
        });
        return command;
    }

    /// <summary>
    /// The sample the installed tool carries (sample/orders/ next to stepwise.dll), else
    /// samples/orders/bin/CONFIG/net10.0/Stepwise.Samples.Orders.dll above the running stepwise.dll (a source tree).
    /// </summary>
    internal static string? FindSample()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "sample", "orders", "Stepwise.Samples.Orders.dll");
        if (File.Exists(shipped))
        {
            return shipped;
        }
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var config in new[] { configuration, "Release", "Debug" })
            {
                var path = Path.Combine(dir.FullName, "samples", "orders", "bin", config, "net10.0", "Stepwise.Samples.Orders.dll");
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }
        return null;
    }
}

internal sealed class DemoFailure(string message) : Exception(message);

/// <summary>One act of the story and how it ended.</summary>
internal sealed record DemoAct(string Name, string Expected, string Outcome, bool Passed);
