using System.CommandLine;
using System.Text.Json;
using Stepwise.Core.Config;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary><c>stepwise validate stepwise.yaml</c>: loads the configuration and reports every problem with file:line and the fix.</summary>
public static class ValidateCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("config") { Description = "The stepwise.yaml to check.", DefaultValueFactory = _ => "stepwise.yaml" };
        var format = CliOutput.FormatOption();
        var command = new Command("validate", "Check a stepwise.yaml: services, releases, dependencies, data changes, plans and policy.") { file, format };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(file)!;
            var config = Load(path, stderr, parse.GetValue(format), stdout);
            if (config is null)
            {
                return ExitCodes.BadInput;
            }
            var releases = config.Services.Sum(s => s.Releases.Count);
            if (parse.GetValue(format) == OutputFormat.Json)
            {
                stdout.WriteLine(SnapshotJson.Write(new ValidateOutput(true, path, config.Services.Count, releases, config.DataChanges.Count, config.Plans.Count, []), CliJson.Options));
            }
            else
            {
                stdout.WriteLine($"{path}: ok ({CliOutput.Count(config.Services.Count, "service")}, {CliOutput.Count(releases, "release")}, {CliOutput.Count(config.DataChanges.Count, "data change")}, {CliOutput.Count(config.Plans.Count, "plan")})");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Loads a configuration, printing every error (text or JSON) to the right stream; null when invalid.</summary>
    internal static StepwiseConfig? Load(string path, TextWriter stderr, OutputFormat format = OutputFormat.Text, TextWriter? jsonOut = null)
    {
        var text = CliOutput.ReadText(path, stderr, "stepwise.yaml configuration");
        if (text is null)
        {
            return null;
        }
        try
        {
            return ConfigLoader.Parse(text, path);
        }
        catch (ConfigException e)
        {
            if (format == OutputFormat.Json && jsonOut is not null)
            {
                jsonOut.WriteLine(SnapshotJson.Write(new ValidateOutput(false, path, null, null, null, null, e.Errors), CliJson.Options));
            }
            foreach (var error in e.Errors)
            {
                stderr.WriteLine(error.ToString());
            }
            stderr.WriteLine($"{path}: {CliOutput.Count(e.Errors.Count, "error")}; nothing was done.");
            return null;
        }
    }
}
