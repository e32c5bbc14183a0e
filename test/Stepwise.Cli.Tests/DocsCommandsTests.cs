using System.CommandLine;
using System.Text.RegularExpressions;

namespace Stepwise.Cli.Tests;

/// <summary>Every command and option the docs name exists: each <c>`stepwise ...`</c> span in docs/cli.md and the README resolves, and its --help runs.</summary>
public sealed partial class DocsCommandsTests
{
    [GeneratedRegex(@"`stepwise ([^`]+)`")]
    private static partial Regex Span();

    [GeneratedRegex(@"(?<![\w-])(--[a-z][a-z-]*)")]
    private static partial Regex OptionName();

    public static TheoryData<string> Documents() => new() { "docs/cli.md", "README.md" };

    [Theory]
    [MemberData(nameof(Documents))]
    public void every_command_and_option_named_exists(string document)
    {
        var text = File.ReadAllText(Path.Combine(Cli.RepoRoot(), document));
        var root = StepwiseCli.BuildRoot();
        var checkedSpans = 0;
        foreach (Match match in Span().Matches(text))
        {
            var words = match.Groups[1].Value.Replace("\\|", "|", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var paths = new List<List<Command>> { new() { root } };
            foreach (var word in words)
            {
                var alternatives = word.Split('|');
                var next = new List<List<Command>>();
                foreach (var path in paths)
                {
                    foreach (var alternative in alternatives)
                    {
                        if (path[^1].Subcommands.FirstOrDefault(c => c.Name == alternative) is { } sub)
                        {
                            next.Add([.. path, sub]);
                        }
                    }
                }
                var matched = alternatives.Count(a => paths.Any(p => p[^1].Subcommands.Any(c => c.Name == a)));
                if (matched == 0 && paths[0].Count > 1)
                {
                    break; // the command's arguments begin
                }
                matched.ShouldBe(alternatives.Length, $"{document}: `stepwise {match.Groups[1].Value}`: '{word}' names a command that does not exist");
                paths = next;
            }
            foreach (var path in paths)
            {
                var command = path[^1];
                var known = path.SelectMany(c => c.Options).SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
                foreach (Match option in OptionName().Matches(match.Groups[1].Value))
                {
                    known.ShouldContain(option.Groups[1].Value, $"{document}: `stepwise {match.Groups[1].Value}` names {option.Groups[1].Value}, which '{string.Join(' ', path.Skip(1).Select(c => c.Name))}' does not take");
                }
                var (exit, output, err) = Cli.Run([.. path.Skip(1).Select(c => c.Name), "--help"]);
                exit.ShouldBe(0, err);
                output.ShouldContain("Usage");
                checkedSpans++;
            }
        }
        checkedSpans.ShouldBeGreaterThan(5);
    }
}
