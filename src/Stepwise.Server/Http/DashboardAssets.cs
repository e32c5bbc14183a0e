using System.Collections.Frozen;
using System.Reflection;

namespace Stepwise.Server.Http;

/// <summary>
/// The dashboard's static files (index.html, app.js, app.css, favicon.svg), built into the server and served anonymously at
/// /ui/: they hold no data. The page reads the API with the token the person signs in with. A strict content
/// security policy allows only the server's own script and style.
/// </summary>
internal static class DashboardAssets
{
    public const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly FrozenDictionary<string, (byte[] Body, string Type)> Files = Load();

    private static FrozenDictionary<string, (byte[], string)> Load()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        const string prefix = "Stepwise.Dashboard.";
        return assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToFrozenDictionary(
            n => n[prefix.Length..],
            n => (Read(assembly, n), Path.GetExtension(n) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            }),
            StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static IResult Serve(HttpContext context, string? file)
    {
        var name = string.IsNullOrEmpty(file) ? "index.html" : file;
        if (!Files.TryGetValue(name, out var asset))
        {
            return Problems.NotFound($"the dashboard has no file '{Core.Model.Identifiers.Printable(name)}'");
        }
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Body, asset.Type);
    }
}
