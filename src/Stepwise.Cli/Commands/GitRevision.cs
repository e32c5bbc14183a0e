using System.Diagnostics;

namespace Stepwise.Cli.Commands;

/// <summary>Something <c>--against</c> could not read from git; exit 2 with the message.</summary>
internal sealed class GitRevisionException(string message) : Exception(message);

/// <summary>
/// A contract as a git commit has it (<c>stepwise compat --against REF PATH</c>): the file or folder at
/// <c>PATH</c> in <c>REF</c> of the repository that holds <c>PATH</c>, copied into a temporary folder with the same
/// layout, so relative references and imports resolve as they did in that commit. Bounded: at most
/// <see cref="MaxFiles"/> files, each at most the contract size limit.
/// </summary>
internal sealed class GitRevision : IDisposable
{
    public const int MaxFiles = 10_000;
    private static readonly TimeSpan GitLimit = TimeSpan.FromSeconds(60);

    private GitRevision(string reference, string root, string path)
    {
        Reference = reference;
        Root = root;
        Path = path;
    }

    /// <summary>The branch, tag or commit the contract was read from, as given.</summary>
    public string Reference { get; }

    /// <summary>The temporary folder; removed on dispose.</summary>
    public string Root { get; }

    /// <summary>Where the old contract is now: the file, or the folder, in <see cref="Root"/>.</summary>
    public string Path { get; }

    /// <summary><paramref name="text"/> (a path, or a message naming one) with the temporary copy named as the commit has it: <c>REF:path</c>.</summary>
    public string Named(string text) => text.Replace(Root + System.IO.Path.DirectorySeparatorChar, Reference + ":", StringComparison.Ordinal);

    public static GitRevision Checkout(string reference, string path, long maxFileBytes)
    {
        if (reference.Length == 0 || reference.StartsWith('-') || reference.Any(char.IsControl))
        {
            throw new GitRevisionException($"--against '{reference}': give a branch, tag or commit, e.g. --against origin/main");
        }
        var full = System.IO.Path.GetFullPath(path);
        var isFolder = Directory.Exists(full);
        if (!isFolder && !File.Exists(full))
        {
            throw new GitRevisionException($"{path}: no such file or folder; give the new contract as it is in the working tree");
        }
        var dir = isFolder ? full : System.IO.Path.GetDirectoryName(full)!;
        var name = isFolder ? "." : System.IO.Path.GetFileName(full);
        if (Git(dir, ["rev-parse", "--is-inside-work-tree"]).Exit != 0)
        {
            throw new GitRevisionException($"--against {reference}: {path} is not in a git repository");
        }
        if (Git(dir, ["rev-parse", "--verify", "--quiet", $"{reference}^{{commit}}"]) is not { Exit: 0 } commit)
        {
            throw new GitRevisionException($"--against {reference}: no such branch, tag or commit in the repository of {path} (a shallow clone may lack it: fetch it first, e.g. git fetch origin main)");
        }
        var sha = commit.Out.Trim();
        // One listing gives each entry's type, object and size: no process per file to size it.
        var listed = Git(dir, ["ls-tree", "-r", "-z", "-l", sha, "--", name]);
        if (listed.Exit != 0)
        {
            throw new GitRevisionException($"--against {reference}: git ls-tree failed: {listed.Err.Trim()}");
        }
        var files = listed.Out.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        if (files.Length == 0)
        {
            throw new GitRevisionException($"--against {reference}: {path} does not exist at {reference} ({sha[..Math.Min(12, sha.Length)]}); a contract new in this change has nothing to be compared with");
        }
        if (files.Length > MaxFiles)
        {
            throw new GitRevisionException($"--against {reference}: {path} holds {files.Length} files at {reference}, more than {MaxFiles}; point at the contract's own folder");
        }
        var root = Directory.CreateTempSubdirectory("stepwise-against-").FullName;
        var revision = new GitRevision(reference, root, System.IO.Path.Combine(root, isFolder ? "" : name).TrimEnd(System.IO.Path.DirectorySeparatorChar));
        try
        {
            foreach (var entry in files)
            {
                // "<mode> <type> <object> <size>\t<path>", the path relative to the folder ls-tree ran in; keep that
                // layout under the temporary root.
                var tab = entry.IndexOf('\t');
                var fields = tab < 0 ? [] : entry[..tab].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields is not [var mode, "blob", var objectId, var sizeText] || mode == "120000" || !long.TryParse(sizeText, out var bytes))
                {
                    continue; // a submodule or a symbolic link: no contract file
                }
                var file = entry[(tab + 1)..];
                var target = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, file));
                if (!target.StartsWith(root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new GitRevisionException($"--against {reference}: {file} lies outside {path}");
                }
                if (bytes > maxFileBytes)
                {
                    throw new GitRevisionException($"--against {reference}: {file} is {bytes} bytes at {reference}, more than --max-file-size ({maxFileBytes})");
                }
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                var blob = GitBytes(dir, ["cat-file", "blob", objectId]);
                File.WriteAllBytes(target, blob);
            }
            return revision;
        }
        catch
        {
            revision.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a temporary folder left behind goes with the next clean-up
        }
    }

    private static (int Exit, string Out, string Err) Git(string dir, IReadOnlyList<string> args)
    {
        using var process = Start(dir, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Wait(process);
        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static byte[] GitBytes(string dir, IReadOnlyList<string> args)
    {
        using var process = Start(dir, args);
        using var buffer = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(buffer);
        var stderr = process.StandardError.ReadToEndAsync();
        Wait(process);
        copy.GetAwaiter().GetResult();
        return process.ExitCode == 0 ? buffer.ToArray() : throw new GitRevisionException($"git {string.Join(' ', args)}: {stderr.GetAwaiter().GetResult().Trim()}");
    }

    private static Process Start(string dir, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo("git") { WorkingDirectory = dir, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        try
        {
            return Process.Start(info) ?? throw new GitRevisionException("could not start git");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new GitRevisionException($"--against needs git on the PATH: {e.Message}");
        }
    }

    private static void Wait(Process process)
    {
        if (!process.WaitForExit(GitLimit))
        {
            process.Kill(entireProcessTree: true);
            throw new GitRevisionException($"git did not answer within {GitLimit.TotalSeconds:0} s");
        }
        process.WaitForExit();
    }
}
