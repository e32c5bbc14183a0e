namespace Stepwise.Contracts.Json;

/// <summary>Real paths (symbolic links followed) and whether one lies inside a folder.</summary>
internal static class ContainedPath
{
    private const int MaxLinks = 40;

    /// <summary>
    /// The absolute path with every symbolic link along it followed, as far as the path exists; the parts that do not
    /// exist are appended unchanged.
    /// </summary>
    public static string Real(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "/";
        var pending = new Stack<string>(full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = root;
        var links = 0;
        while (pending.Count > 0)
        {
            var segment = pending.Pop();
            var next = Path.Combine(current, segment);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.Exists && info.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                {
                    return next; // a link loop: the caller's existence check fails on it
                }
                var resolved = Path.GetFullPath(Path.Combine(current, target));
                var resolvedRoot = Path.GetPathRoot(resolved) ?? "/";
                foreach (var part in resolved[resolvedRoot.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(part);
                }
                current = resolvedRoot;
                continue;
            }
            current = next;
        }
        return current;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or below it (both real, absolute).</summary>
    public static bool IsInside(string folder, string path)
    {
        var prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }
}
