using System.Text;
using Stepwise.Yaml;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Cli.Contexts;

/// <summary>One named server: its address and how to authenticate (a token, or a file holding it).</summary>
public sealed record ServerContext(string Name, string Server, string? Token = null, string? TokenFile = null);

/// <summary>A contexts file that cannot be read: the file, the line and how to fix it.</summary>
public sealed class ContextsFileException(string message) : Exception(message);

/// <summary>
/// The contexts file, like a kubeconfig: <c>$XDG_CONFIG_HOME/stepwise/config.yaml</c> (default
/// <c>~/.config/stepwise/config.yaml</c>), or <c>$STEPWISE_CONFIG</c>. It names servers and the one in use:
/// <code>
/// current-context: prod
/// contexts:
///   - name: prod
///     server: https://stepwise.example.com:5080
///     token-file: /etc/stepwise/admin.token
/// </code>
/// Read with caps (size, entries); written whole, mode 0600 (it may hold tokens).
/// </summary>
public sealed class ContextsFile
{
    /// <summary>The largest contexts file read, in bytes.</summary>
    public const int MaxBytes = 256 * 1024;

    /// <summary>The most contexts a file may hold.</summary>
    public const int MaxContexts = 1000;

    /// <summary>The deepest nesting a contexts file may have (it needs three levels).</summary>
    public const int MaxDepth = 8;

    private static readonly string[] ContextKeys = ["name", "server", "token", "token-file"];

    public string? Current { get; set; }

    public List<ServerContext> Contexts { get; } = [];

    public ServerContext? Find(string name) => Contexts.FirstOrDefault(c => c.Name == name);

    /// <summary>Where the file lives: $STEPWISE_CONFIG, else $XDG_CONFIG_HOME/stepwise/config.yaml, else ~/.config/stepwise/config.yaml.</summary>
    public static string DefaultPath() => PathOverride.Value ?? PathFrom(Environment.GetEnvironmentVariable);

    /// <summary>Tests point one flow of calls at their own file without touching the process's environment.</summary>
    internal static AsyncLocal<string?> PathOverride { get; } = new();

    internal static string PathFrom(Func<string, string?> environment)
    {
        if (environment("STEPWISE_CONFIG") is { Length: > 0 } explicitPath)
        {
            return explicitPath;
        }
        var xdg = environment("XDG_CONFIG_HOME");
        var root = xdg is { Length: > 0 } && Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(root, "stepwise", "config.yaml");
    }

    /// <summary>Reads the file; an absent file is an empty one.</summary>
    public static ContextsFile Load(string path)
    {
        if (!File.Exists(path))
        {
            return new ContextsFile();
        }
        string text;
        try
        {
            var info = new FileInfo(path);
            if (info.Length > MaxBytes)
            {
                throw new ContextsFileException($"{path}: {info.Length} bytes; a contexts file holds at most {MaxBytes} (is it the right file?)");
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContextsFileException($"{path}: cannot read it: {e.Message}");
        }
        return Parse(text, path);
    }

    public static ContextsFile Parse(string text, string path)
    {
        if (text.Length > MaxBytes)
        {
            throw new ContextsFileException($"{path}: longer than {MaxBytes} characters; a contexts file holds at most that");
        }
        YamlStream stream;
        try
        {
            stream = BoundedYaml.Load(text, MaxDepth);
        }
        catch (YamlTooDeepException e)
        {
            throw new ContextsFileException($"{path}:{e.Start.Line}: {e.Message}; a contexts file is a mapping of a list of mappings");
        }
        catch (YamlException e)
        {
            throw new ContextsFileException($"{path}:{e.Start.Line}: not YAML ({e.Message}); fix it or remove the file and run 'stepwise context set'");
        }
        var file = new ContextsFile();
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return file;
        }
        if (stream.Documents.Count > 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ContextsFileException($"{path}:1: write one mapping with 'current-context' and 'contexts'");
        }
        foreach (var (keyNode, value) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            switch (key)
            {
                case "current-context":
                    file.Current = Scalar(value, path, "current-context");
                    break;
                case "contexts":
                    if (value is YamlScalarNode { Value: null or "" })
                    {
                        break;
                    }
                    if (value is not YamlSequenceNode list)
                    {
                        throw new ContextsFileException($"{path}:{value.Start.Line}: 'contexts' must be a list of entries with name, server and token or token-file");
                    }
                    foreach (var entry in list)
                    {
                        if (file.Contexts.Count >= MaxContexts)
                        {
                            throw new ContextsFileException($"{path}:{entry.Start.Line}: more than {MaxContexts} contexts");
                        }
                        file.Contexts.Add(ReadContext(entry, path, file));
                    }
                    break;
                default:
                    throw new ContextsFileException($"{path}:{keyNode.Start.Line}: unknown key '{key}'; the file takes current-context and contexts");
            }
        }
        return file;
    }

    private static ServerContext ReadContext(YamlNode node, string path, ContextsFile file)
    {
        if (node is not YamlMappingNode map)
        {
            throw new ContextsFileException($"{path}:{node.Start.Line}: a context is a mapping with name, server and token or token-file");
        }
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            if (Array.IndexOf(ContextKeys, key) < 0)
            {
                throw new ContextsFileException($"{path}:{keyNode.Start.Line}: unknown key '{key}' in a context; it takes {string.Join(", ", ContextKeys)}");
            }
            values[key] = Scalar(value, path, key);
        }
        var line = node.Start.Line;
        if (values.GetValueOrDefault("name") is not { Length: > 0 } name)
        {
            throw new ContextsFileException($"{path}:{line}: a context has no name");
        }
        if (file.Find(name) is not null)
        {
            throw new ContextsFileException($"{path}:{line}: context '{name}' is defined twice; keep one");
        }
        if (values.GetValueOrDefault("server") is not { Length: > 0 } server)
        {
            throw new ContextsFileException($"{path}:{line}: context '{name}' has no server; add 'server: http://HOST:PORT'");
        }
        if (values.GetValueOrDefault("token") is not null && values.GetValueOrDefault("token-file") is not null)
        {
            throw new ContextsFileException($"{path}:{line}: context '{name}' has both token and token-file; keep one");
        }
        return new ServerContext(name, server, values.GetValueOrDefault("token"), values.GetValueOrDefault("token-file"));
    }

    private static string? Scalar(YamlNode node, string path, string key) => node is YamlScalarNode scalar
        ? scalar.Value is { Length: > 0 } v ? v : null
        : throw new ContextsFileException($"{path}:{node.Start.Line}: '{key}' must be a single value");

    /// <summary>Writes the whole file (creating its folder), readable by its owner only.</summary>
    public void Save(string path)
    {
        var text = new StringBuilder();
        text.Append("# Stepwise contexts: servers and tokens for 'stepwise' commands (stepwise context list|use|set).\n");
        if (Current is not null)
        {
            text.Append("current-context: ").Append(Quote(Current)).Append('\n');
        }
        text.Append("contexts:").Append(Contexts.Count == 0 ? " []\n" : "\n");
        foreach (var c in Contexts)
        {
            text.Append("  - name: ").Append(Quote(c.Name)).Append('\n');
            text.Append("    server: ").Append(Quote(c.Server)).Append('\n');
            if (c.Token is not null)
            {
                text.Append("    token: ").Append(Quote(c.Token)).Append('\n');
            }
            if (c.TokenFile is not null)
            {
                text.Append("    token-file: ").Append(Quote(c.TokenFile)).Append('\n');
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.Write(text.ToString());
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A double-quoted YAML scalar (safe for any text).</summary>
    internal static string Quote(string value)
    {
        var s = new StringBuilder("\"");
        foreach (var ch in value)
        {
            s.Append(ch switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(ch) => $"\\u{(int)ch:x4}",
                _ => ch.ToString(),
            });
        }
        return s.Append('"').ToString();
    }
}
