namespace Stepwise.Cli.Commands;

/// <summary>A token kept in a file (so it never shows in ps): the file's text, trimmed; errors name the option and the file.</summary>
internal static class TokenFile
{
    public static string? Read(string path, string option, TextWriter stderr)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                stderr.WriteLine($"error: {option} {path}: no such file");
                return null;
            }
            if (info.Length > 64 * 1024)
            {
                stderr.WriteLine($"error: {option} {path}: {info.Length} bytes is too large to be a token");
                return null;
            }
            var text = File.ReadAllText(path).Trim();
            if (text.Length == 0 || text.Any(char.IsControl))
            {
                stderr.WriteLine($"error: {option} {path}: {(text.Length == 0 ? "empty" : "holds control characters or several lines")}; write the token alone in it");
                return null;
            }
            return text;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {option} {path}: cannot read it: {e.Message}");
            return null;
        }
    }
}
