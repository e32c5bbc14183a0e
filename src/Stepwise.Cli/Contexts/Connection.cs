namespace Stepwise.Cli.Contexts;

/// <summary>Where a command's server and token come from, and what they are.</summary>
public sealed record Connection(Uri Server, string? Token, string Source);

/// <summary>
/// Resolves the server and token of a command: <c>--server</c>/<c>--token</c> first, then <c>STEPWISE_SERVER</c>/
/// <c>STEPWISE_TOKEN</c>, then the context (<c>--context</c>, <c>STEPWISE_CONTEXT</c>, or the file's current one).
/// A context's token is sent only to that context's server: with a server from a flag or the environment, the
/// context gives a token only when its server is the same.
/// </summary>
public static class ConnectionResolver
{
    /// <summary>The connection, or null after writing why there is none (bad input).</summary>
    public static Connection? Resolve(string? serverFlag, string? tokenFlag, string? contextFlag, TextWriter stderr)
    {
        var server = Blank(serverFlag) ?? Blank(Environment.GetEnvironmentVariable("STEPWISE_SERVER"));
        var token = Blank(tokenFlag) ?? Blank(Environment.GetEnvironmentVariable("STEPWISE_TOKEN"));
        var source = serverFlag is { Length: > 0 } ? "--server" : server is not null ? "STEPWISE_SERVER" : null;
        var contextName = Blank(contextFlag) ?? Blank(Environment.GetEnvironmentVariable("STEPWISE_CONTEXT"));
        ServerContext? context = null;
        if (server is null || token is null || contextName is not null)
        {
            var path = ContextsFile.DefaultPath();
            ContextsFile file;
            try
            {
                file = ContextsFile.Load(path);
            }
            catch (ContextsFileException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return null;
            }
            var wanted = contextName ?? file.Current;
            if (wanted is not null)
            {
                context = file.Find(wanted);
                if (context is null && contextName is not null)
                {
                    var names = file.Contexts.Count == 0 ? "none yet; add one with 'stepwise context set NAME --server URL --token-file PATH'" : string.Join(", ", file.Contexts.Select(c => c.Name));
                    stderr.WriteLine($"error: context '{contextName}' is not in {path}; contexts: {names}");
                    return null;
                }
            }
        }
        if (context is not null && server is not null && !SameServer(server, context.Server))
        {
            context = null; // never send a context's token to another server
        }
        if (server is null && context is not null)
        {
            server = context.Server;
            source = $"context '{context.Name}'";
        }
        if (server is null)
        {
            stderr.WriteLine("error: no server: give --server http://HOST:PORT, set STEPWISE_SERVER, or choose a context ('stepwise context set NAME --server URL', then 'stepwise context use NAME')");
            return null;
        }
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            stderr.WriteLine($"error: --server {server} (from {source}): not an http(s) address; write e.g. http://127.0.0.1:5080");
            return null;
        }
        if (token is null && context is not null)
        {
            if (context.Token is not null)
            {
                token = context.Token;
            }
            else if (context.TokenFile is { } tokenFile)
            {
                token = ReadTokenFile(tokenFile, context.Name, stderr);
                if (token is null)
                {
                    return null;
                }
            }
        }
        return new Connection(uri, token, source!);
    }

    private static string? ReadTokenFile(string path, string context, TextWriter stderr)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > 64 * 1024)
            {
                stderr.WriteLine($"error: {path} (token-file of context '{context}'): too large to be a token");
                return null;
            }
            var text = File.ReadAllText(path).Trim();
            if (text.Length == 0)
            {
                stderr.WriteLine($"error: {path} (token-file of context '{context}'): empty; write the token in it");
                return null;
            }
            return text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {path} (token-file of context '{context}'): cannot read it: {e.Message}");
            return null;
        }
    }

    private static bool SameServer(string a, string b) =>
        string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
