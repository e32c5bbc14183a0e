using System.CommandLine;
using System.Globalization;
using Stepwise.Core.Config;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands.Operator;

/// <summary>
/// <c>stepwise init [--yes]</c>: writes a commented stepwise.yaml for one service (asks for the service, its first
/// release, the canary size and the bake; <c>--yes</c> takes the defaults). Never overwrites a file without
/// <c>--force</c>; what it writes passes <c>stepwise validate</c>.
/// </summary>
public static class InitCommand
{
    /// <summary>Where answers are read from (tests set it; otherwise standard input).</summary>
    internal static AsyncLocal<TextReader?> Input { get; } = new();

    public static Command Create()
    {
        var yes = new Option<bool>("--yes", "-y") { Description = "Ask nothing: take the defaults (and the values given as options)." };
        var output = new Option<string>("--output", "-o") { Description = "The file to write.", DefaultValueFactory = _ => "stepwise.yaml" };
        var force = new Option<bool>("--force") { Description = "Overwrite the file if it exists." };
        var service = new Option<string?>("--service") { Description = "The service's name (default: the current folder's name, when it is a valid id, else 'app')." };
        var version = new Option<string?>("--release") { Description = "The release running today (default 1.0.0)." };
        var command = new Command("init", "Write a commented stepwise.yaml for one service (interactive; --yes for the defaults).") { yes, output, force, service, version };
        command.SetAction(parse =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var path = parse.GetValue(output)!;
            if (File.Exists(path) && !parse.GetValue(force))
            {
                stderr.WriteLine($"error: {path} exists; nothing was written (give --force to overwrite it, or --output PATH)");
                return ExitCodes.BadInput;
            }
            var folder = new DirectoryInfo(Path.GetDirectoryName(Path.GetFullPath(path))!).Name.ToLowerInvariant();
            var answers = new Answers(
                parse.GetValue(service) ?? (Identifiers.CheckId(folder, "service") is null ? folder : "app"),
                parse.GetValue(version) ?? "1.0.0",
                1,
                "10m");
            if ((Identifiers.CheckId(answers.Service, "--service") ?? Identifiers.CheckVersion(answers.Release, "--release")) is { } bad)
            {
                stderr.WriteLine($"error: {bad}");
                return ExitCodes.BadInput;
            }
            if (!parse.GetValue(yes))
            {
                var input = Input.Value ?? Console.In;
                var asked = Ask(input, stdout, stderr, answers);
                if (asked is null)
                {
                    return ExitCodes.BadInput;
                }
                answers = asked;
            }
            var text = Render(answers);
            try
            {
                ConfigLoader.Parse(text, path); // what init writes must load
            }
            catch (ConfigException e)
            {
                stderr.WriteLine($"error: the answers make an invalid file: {e.Errors[0].Message}; nothing was written");
                return ExitCodes.BadInput;
            }
            try
            {
                File.WriteAllText(path, text);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                stderr.WriteLine($"error: {path}: cannot write it: {e.Message}");
                return ExitCodes.BadInput;
            }
            stdout.WriteLine($"wrote {path} for {answers.Service}@{answers.Release}; check it with: stepwise validate {path}");
            return ExitCodes.Ok;
        });
        return command;
    }

    internal sealed record Answers(string Service, string Release, int CanaryNodes, string Bake);

    private static Answers? Ask(TextReader input, TextWriter stdout, TextWriter stderr, Answers defaults)
    {
        var service = Question(input, stdout, stderr, "service name", defaults.Service, v => Identifiers.CheckId(v, "the service name"));
        var release = service is null ? null : Question(input, stdout, stderr, "release running today", defaults.Release, v => Identifiers.CheckVersion(v, "the release"));
        var canary = release is null ? null : Question(input, stdout, stderr, "canary nodes", "1",
            v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1000 ? null : "the canary is 1 to 1000 nodes");
        var bake = canary is null ? null : Question(input, stdout, stderr, "canary bake (e.g. 10m)", defaults.Bake,
            v => Durations.TryParse(v, out var d) && d > TimeSpan.Zero && d <= TimeSpan.FromDays(7) ? null : "write a duration up to 7d, e.g. 30s, 10m or 1h");
        return bake is null ? null : new Answers(service!, release!, int.Parse(canary!, CultureInfo.InvariantCulture), bake);
    }

    /// <summary>Asks up to three times; an empty answer takes the default; end of input or three bad answers give up.</summary>
    private static string? Question(TextReader input, TextWriter stdout, TextWriter stderr, string what, string fallback, Func<string, string?> check)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            stdout.Write($"{what} [{fallback}]: ");
            stdout.Flush();
            var line = input.ReadLine();
            if (line is null)
            {
                stdout.WriteLine();
                stderr.WriteLine($"error: no answer for the {what} (end of input); nothing was written (--yes takes the defaults)");
                return null;
            }
            var answer = line.Trim().Length == 0 ? fallback : line.Trim();
            if (answer.Length > 256)
            {
                answer = answer[..256];
            }
            if (check(answer) is not { } problem)
            {
                return answer;
            }
            stderr.WriteLine($"  {problem}");
        }
        stderr.WriteLine($"error: no valid answer for the {what}; nothing was written");
        return null;
    }

    internal static string Render(Answers a) => $$"""
        # yaml-language-server: $schema={{SchemaUrl}}
        # stepwise.yaml for {{a.Service}}: how Stepwise rolls it out. Check it with 'stepwise validate'.
        # Every key is described in docs/cli.md; durations are written 30s, 10m, 2h or 1d.
        version: 1

        policy:
          canary: { nodes: {{a.CanaryNodes}} }      # the first nodes on a new release (or { percent: 5 })
          bake: {{a.Bake}}                  # how long the canary runs under analysis before the rollback rehearsal
          rehearsalBake: 5m           # the canary back on the old release, reading what the new one wrote (G7)
          waveBake: 5m                # between waves
          waves: [25, 50, 100]        # cumulative percentages of the nodes; the last is 100
          dataBake: 10m               # a data change's expand and backfill bake this long before code that needs them (G3)
          heartbeatTimeout: 30s       # a node silent this long is offline (it still counts for the version window, G1)
          analysis:
            interval: 1m
            timeout: 10m              # no samples this long: the rollout pauses for a person
            metrics:                  # what agents read from the app's /metrics (see docs/analysis.md)
              - { name: error_rate, kind: rate, critical: true, maxRate: 0.01, tolerance: 0.5, minSamples: 50 }
              - { name: latency_ms, kind: distribution, failOn: increase, tolerance: 0.2, minSamples: 20 }

        services:
          - name: {{a.Service}}
            releases:                 # oldest first: the order defines N and N+1
              - version: {{a.Release}}
            # Add each new release at the end, or register it from CI: stepwise release register {{a.Service}} VERSION ...

        # A database change runs as expand, backfill and contract, each after the code that needs it (G3, G4):
        # stores:
        #   - { id: {{a.Service}}-db, kind: postgres }
        # dataChanges:
        #   - id: add-column
        #     store: {{a.Service}}-db
        #     expand: { up: "ALTER TABLE t ADD COLUMN c TEXT", down: "ALTER TABLE t DROP COLUMN c" }
        #     backfill: none

        """;

    /// <summary>Where editors find the JSON Schema of stepwise.yaml (docs/schema/stepwise.schema.json in the repository).</summary>
    public const string SchemaUrl = "https://stepwise.dev/schema/stepwise.schema.json";
}
