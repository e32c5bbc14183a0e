using System.CommandLine;
using Spectre.Console;

namespace Stepwise.Cli;

/// <summary>Output formats every command accepts.</summary>
public enum OutputFormat
{
    Text,
    Json,
}

/// <summary>Shared pieces of the commands: the --format option, Spectre consoles over the command's writers, file reading.</summary>
public static class CliOutput
{
    /// <summary>"1 service", "2 services": a count with its noun in the right number (nouns whose plural adds "s").</summary>
    public static string Count(long n, string noun) => n == 1 ? $"1 {noun}" : $"{n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} {noun}s";

    public static Option<OutputFormat> FormatOption() => new("--format")
    {
        Description = "Output format: text (tables for people) or json (one object for scripts).",
        HelpName = "text|json",
        DefaultValueFactory = _ => OutputFormat.Text,
    };

    /// <summary>A Spectre console writing to <paramref name="writer"/>; colours only when it is the real, interactive stdout.</summary>
    public static IAnsiConsole Console(TextWriter writer)
    {
        var interactive = ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            // Redirected output goes to logs and files: don't wrap tables at 80 columns.
            console.Profile.Width = 160;
        }
        return console;
    }

    /// <summary>Reads a text file or explains why it can't (returns null after writing the error).</summary>
    public static string? ReadText(string path, TextWriter stderr, string what)
    {
        try
        {
            if (Directory.Exists(path))
            {
                stderr.WriteLine($"error: {path}: is a directory; give the {what} file");
                return null;
            }
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            stderr.WriteLine($"error: {path}: no such file; give the path of the {what}");
        }
        catch (DirectoryNotFoundException)
        {
            stderr.WriteLine($"error: {path}: no such directory; give the path of the {what}");
        }
        catch (UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {path}: permission denied");
        }
        catch (IOException e)
        {
            stderr.WriteLine($"error: {path}: {e.Message}");
        }
        return null;
    }

    /// <summary>Escapes text for Spectre markup.</summary>
    public static string Esc(string? text) => Markup.Escape(text ?? "");
}
