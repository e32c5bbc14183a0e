using System.Globalization;
using Stepwise.Api;

namespace Stepwise.Agent;

/// <summary>
/// What an agent agrees to run, whatever the controller says: a defence in depth against a controller (or a
/// registration) turned against the fleet.
/// <list type="bullet">
/// <item>Only allowed executables run (<c>--allow-command PATH</c>, <c>--allow-list FILE</c>); an entry that ends in
/// "/" allows every executable below that folder. No entry: any executable (the agent says so when it starts).</item>
/// <item>Templates are argv: {node}, {version} and {port} are filled in each argument on its own and never pass
/// through a shell. A shell's <c>-c</c> script with a placeholder in it is refused unless
/// <see cref="AllowShellPlaceholders"/> is set.</item>
/// <item>The health and metrics paths are paths on the app's own port: never a URL, never another host.</item>
/// </list>
/// Every artifact is also checked for shape (no null strings, bounded sizes), so a malformed one is a failed install,
/// never a crash.
/// </summary>
public sealed record AgentPolicy(IReadOnlyList<string> AllowedCommands, bool AllowShellPlaceholders = false)
{
    public const int MaxArguments = 256;
    public const int MaxEnvironment = 256;
    public const int MaxStringLength = 4096;
    public const int MaxReleaseLength = 128;

    public static AgentPolicy AllowAll { get; } = new([]);

    private static readonly string[] Placeholders = ["{version}", "{port}", "{node}"];

    private static readonly HashSet<string> Shells = new(StringComparer.Ordinal)
    {
        "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox", "fish", "csh", "tcsh", "pwsh",
    };

    /// <summary>
    /// Reads an allow-list file: one absolute path a line; blank lines and lines starting with '#' are skipped.
    /// Throws <see cref="FormatException"/> naming the file and line.
    /// </summary>
    public static IReadOnlyList<string> ReadAllowList(string file)
    {
        var info = new FileInfo(file);
        if (!info.Exists)
        {
            throw new FormatException($"{file}: no such file");
        }
        if (info.Length > 1 << 20)
        {
            throw new FormatException($"{file}: {info.Length} bytes; an allow-list is at most 1 MiB");
        }
        var entries = new List<string>();
        var n = 0;
        foreach (var raw in File.ReadLines(file))
        {
            n++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            entries.Add(CheckEntry(line, $"{file}:{n}"));
        }
        return entries;
    }

    /// <summary>An allowed command as given: an absolute path (a folder when it ends in "/"); throws <see cref="FormatException"/>.</summary>
    public static string CheckEntry(string entry, string where)
    {
        if (!Path.IsPathFullyQualified(entry) || entry.Contains('\0', StringComparison.Ordinal) || Placeholders.Any(p => entry.Contains(p, StringComparison.Ordinal)))
        {
            throw new FormatException($"{where}: '{entry}' is not an absolute path; allow a program by its full path, e.g. /usr/bin/dotnet, or a folder ending in /");
        }
        var full = Path.GetFullPath(entry);
        return entry.EndsWith('/') && !full.EndsWith('/') ? full + "/" : full;
    }

    /// <summary>Whether a release id is safe to put in an argument and a path: letters, digits and . _ - + only.</summary>
    public static bool SafeValue(string? value, int maxLength = MaxReleaseLength) =>
        !string.IsNullOrEmpty(value) && value.Length <= maxLength && value[0] != '.' && value[0] != '-'
        && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '+');

    /// <summary>Why <paramref name="artifact"/> may not run as it is (null: it may, by shape and by this policy).</summary>
    public string? Refusal(Artifact? artifact)
    {
        if (artifact is null)
        {
            return "no artifact";
        }
        if (ShapeProblem(artifact) is { } shape)
        {
            return shape;
        }
        if (!AllowShellPlaceholders && ShellScriptWithPlaceholder(artifact) is { } shell)
        {
            return $"'{shell}' runs a shell script with a placeholder in it, and placeholders never reach a shell; pass the values as arguments, or start the agent with --allow-shell-placeholders";
        }
        return null;
    }

    /// <summary>Why the resolved <paramref name="program"/> may not run (null: allowed).</summary>
    public string? ProgramRefusal(string program)
    {
        if (AllowedCommands.Count == 0)
        {
            return null;
        }
        var full = Path.GetFullPath(program);
        return AllowedCommands.Any(a => a.EndsWith('/') ? full.StartsWith(a, StringComparison.Ordinal) : full == a)
            ? null
            : $"{full} is not an allowed command of this agent (--allow-command / --allow-list)";
    }

    private static string? ShapeProblem(Artifact a)
    {
        if (!ShortString(a.Command) || a.Command.Length == 0)
        {
            return "the command is missing, empty, too long or holds a NUL byte";
        }
        if (a.Arguments is null)
        {
            return "the arguments are missing";
        }
        if (a.Arguments.Count > MaxArguments)
        {
            return $"{a.Arguments.Count} arguments; at most {MaxArguments}";
        }
        for (var i = 0; i < a.Arguments.Count; i++)
        {
            if (!ShortString(a.Arguments[i]))
            {
                return $"argument {i} is null, longer than {MaxStringLength} characters or holds a NUL byte";
            }
        }
        if ((PathProblem(a.HealthPath, "health") ?? PathProblem(a.MetricsPath, "metrics")) is { } path)
        {
            return path;
        }
        if (a.Environment is { } env)
        {
            if (env.Count > MaxEnvironment)
            {
                return $"{env.Count} environment variables; at most {MaxEnvironment}";
            }
            foreach (var (k, v) in env)
            {
                if (!ShortString(k) || k.Length == 0 || k.Contains('=', StringComparison.Ordinal) || !ShortString(v))
                {
                    return $"environment variable '{k}' has an invalid name or value (null, empty name, '=' in the name, NUL, or too long)";
                }
            }
        }
        return null;
    }

    /// <summary>The health or metrics path must be a path on the app's own port: "/..." and nothing that leaves it.</summary>
    private static string? PathProblem(string? path, string what)
    {
        if (!ShortString(path) || path.Length == 0)
        {
            return $"the {what} path is missing, too long or holds a NUL byte";
        }
        if (path[0] != '/' || path.StartsWith("//", StringComparison.Ordinal) || path.Any(c => char.IsControl(c) || c is '\\' or ' ' or '@'))
        {
            return $"the {what} path '{path}' is not a path on the app's own port; write it as /{what}, never as a URL";
        }
        var probe = new Uri(new Uri("http://127.0.0.1:1/"), path);
        return probe.Host == "127.0.0.1" && probe.Port == 1 ? null : $"the {what} path '{path}' leaves the app's own port";
    }

    private static bool ShortString([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? s) => s is not null && s.Length <= MaxStringLength && !s.Contains('\0', StringComparison.Ordinal);

    /// <summary>The shell when the artifact runs a shell's -c script that holds a placeholder (also through env).</summary>
    private static string? ShellScriptWithPlaceholder(Artifact a)
    {
        var argv = new List<string> { a.Command };
        argv.AddRange(a.Arguments);
        var i = 0;
        // "env [VAR=value|-option]... program ..." runs program.
        if (Path.GetFileName(argv[0]) == "env")
        {
            i = 1;
            while (i < argv.Count && (argv[i].StartsWith('-') || argv[i].Contains('=', StringComparison.Ordinal)))
            {
                i++;
            }
            if (i == argv.Count)
            {
                return null;
            }
        }
        var shell = Path.GetFileName(argv[i]);
        if (!Shells.Contains(shell))
        {
            return null;
        }
        var script = argv.Skip(i + 1).Any(x => x.Length > 1 && x[0] == '-' && x[1] != '-' && x.Contains('c', StringComparison.Ordinal));
        return script && argv.Skip(i).Any(x => Placeholders.Any(p => x.Contains(p, StringComparison.Ordinal))) ? shell : null;
    }

    /// <summary>The heartbeat interval to use for what the controller asked, clamped to 1 s .. 10 min.</summary>
    public static TimeSpan Interval(int seconds, TimeSpan fallback) => seconds switch
    {
        <= 0 => fallback,
        > 600 => TimeSpan.FromSeconds(600),
        _ => TimeSpan.FromSeconds(seconds),
    };

    public override string ToString() =>
        AllowedCommands.Count == 0 ? "any command" : string.Join(", ", AllowedCommands.Select(c => c.ToString(CultureInfo.InvariantCulture)));
}
