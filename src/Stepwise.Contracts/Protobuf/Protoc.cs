using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Stepwise.Contracts.Protobuf;

/// <summary>
/// Runs the protoc compiler that ships with Stepwise (from the Grpc.Tools package) to turn .proto
/// sources into a FileDescriptorSet with source locations. STEPWISE_PROTOC overrides the binary.
/// </summary>
internal static partial class Protoc
{
    public const string OverrideVariable = "STEPWISE_PROTOC";

    private static readonly Lock ResolveLock = new();
    private static string? resolvedPath;

    /// <summary>The folder with the well-known types (google/protobuf/*.proto) shipped beside the assembly.</summary>
    public static string IncludeDirectory => Path.Combine(AppContext.BaseDirectory, "protoc", "include");

    /// <summary>
    /// Compiles <paramref name="files"/> (paths relative to <paramref name="root"/>) in one protoc run.
    /// Returns the serialized FileDescriptorSet. Throws <see cref="ContractInputException"/> with protoc's
    /// first error as file:line:col when the sources do not compile.
    /// </summary>
    public static byte[] Compile(string root, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var protoc = Resolve();
        var work = Directory.CreateTempSubdirectory("stepwise-protoc-");
        try
        {
            var output = Path.Combine(work.FullName, "set.pb");
            var responseFile = Path.Combine(work.FullName, "args.txt");
            // One argument per line: protoc reads @file response files this way, which keeps thousands
            // of inputs clear of the command-line length limit.
            var args = new StringBuilder();
            args.Append("-I").Append(root).Append('\n');
            if (Directory.Exists(IncludeDirectory))
            {
                args.Append("-I").Append(IncludeDirectory).Append('\n');
            }
            args.Append("--include_imports\n--include_source_info\n");
            args.Append("--descriptor_set_out=").Append(output).Append('\n');
            foreach (var file in files)
            {
                args.Append(file).Append('\n');
            }
            File.WriteAllText(responseFile, args.ToString());

            var start = new ProcessStartInfo(protoc)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
                WorkingDirectory = root,
            };
            start.ArgumentList.Add("@" + responseFile);
            Process? started;
            try
            {
                started = Start(start);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new ContractInputException($"could not run protoc at {protoc} ({e.Message}); set {OverrideVariable} to a working protoc binary", inner: e);
            }
            using var process = started ?? throw new ContractInputException($"could not start protoc ({protoc}); set {OverrideVariable} to a working protoc binary");
            var stderrTask = process.StandardError.ReadToEndAsync(cancellationToken);
            var stdoutTask = process.StandardOutput.ReadToEndAsync(cancellationToken);
            using (cancellationToken.Register(() => TryKill(process)))
            {
                process.WaitForExit();
            }
            cancellationToken.ThrowIfCancellationRequested();
            var stderr = stderrTask.GetAwaiter().GetResult() + stdoutTask.GetAwaiter().GetResult();
            if (process.ExitCode != 0)
            {
                throw ToInputException(root, stderr);
            }
            return File.ReadAllBytes(output);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is harmless; the comparison result is what matters.
            }
        }
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    /// <summary>Turns protoc's error output into one exception that names the first error's place and lists the rest.</summary>
    internal static ContractInputException ToInputException(string root, string stderr)
    {
        var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => !line.Contains(": warning:", StringComparison.Ordinal))
            .ToList();
        if (errors.Count == 0)
        {
            return new ContractInputException("protoc failed without a message", root);
        }
        var shown = string.Join("\n", errors.Take(20)) + (errors.Count > 20 ? $"\n... and {errors.Count - 20} more" : "");
        var first = errors.Select(e => ErrorLine().Match(e)).FirstOrDefault(m => m.Success);
        const string hint = "\nfix the .proto source (protoc's message above), or remove the file from the compared folder";
        if (first is null)
        {
            return new ContractInputException("the .proto files do not compile:\n" + shown + hint, root);
        }
        var file = Path.Combine(root, first.Groups["file"].Value);
        var line = int.Parse(first.Groups["line"].Value, System.Globalization.CultureInfo.InvariantCulture);
        var column = int.Parse(first.Groups["col"].Value, System.Globalization.CultureInfo.InvariantCulture);
        return new ContractInputException("the .proto files do not compile:\n" + shown + hint, file, line, column);
    }

    [GeneratedRegex(@"^(?<file>[^:]+\.proto):(?<line>\d+):(?<col>\d+): ")]
    private static partial Regex ErrorLine();

    /// <summary>Finds protoc: STEPWISE_PROTOC, else the copy shipped beside the assembly, made executable once.</summary>
    public static string Resolve()
    {
        lock (ResolveLock)
        {
            if (resolvedPath is not null)
            {
                return resolvedPath;
            }
            var overridden = Environment.GetEnvironmentVariable(OverrideVariable);
            if (!string.IsNullOrWhiteSpace(overridden))
            {
                if (!File.Exists(overridden))
                {
                    throw new ContractInputException($"{OverrideVariable} points to {overridden}, which does not exist; unset it to use the protoc shipped with Stepwise");
                }
                return resolvedPath = overridden;
            }
            var shipped = Path.Combine(AppContext.BaseDirectory, "protoc", PlatformFolder(), OperatingSystem.IsWindows() ? "protoc.exe" : "protoc");
            if (!File.Exists(shipped))
            {
                throw new ContractInputException($"protoc was not found at {shipped}; set {OverrideVariable} to a protoc binary (3.21 or newer)");
            }
            return resolvedPath = EnsureExecutable(shipped);
        }
    }

    private static string PlatformFolder()
    {
        var arch = RuntimeInformation.OSArchitecture;
        if (OperatingSystem.IsWindows())
        {
            return "windows_x64";
        }
        if (OperatingSystem.IsMacOS())
        {
            return "macosx_universal";
        }
        return arch == Architecture.Arm64 ? "linux_arm64" : "linux_x64";
    }

    /// <summary>
    /// Starts protoc. A binary just copied or made executable can fail to start with ETXTBSY ("text file busy") while a
    /// process forked elsewhere in this one still holds the copy's write handle until it execs; that lasts moments, so
    /// the start is tried again a few times before the error stands.
    /// </summary>
    internal static Process? Start(ProcessStartInfo start)
    {
        const int textFileBusy = 26;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return Process.Start(start);
            }
            catch (System.ComponentModel.Win32Exception e) when (e.NativeErrorCode == textFileBusy && attempt < 5)
            {
                Thread.Sleep(20 * attempt);
            }
        }
    }

    /// <summary>
    /// NuGet does not keep the executable bit, so a protoc inside an installed tool may not be runnable.
    /// Set the bit in place; where the install folder is read-only, copy protoc into the user's cache and use that.
    /// </summary>
    internal static string EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return path;
        }
        const UnixFileMode execute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        var mode = File.GetUnixFileMode(path);
        if ((mode & UnixFileMode.UserExecute) != 0)
        {
            return path;
        }
        try
        {
            File.SetUnixFileMode(path, mode | execute);
            return path;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            var home = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            var cacheRoot = string.IsNullOrEmpty(home) ? Path.GetTempPath() : home;
            var version = typeof(Protoc).Assembly.GetName().Version?.ToString() ?? "0";
            var cached = Path.Combine(cacheRoot, "stepwise", "protoc", version, Path.GetFileName(path));
            if (!File.Exists(cached) || new FileInfo(cached).Length != new FileInfo(path).Length)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(cached)!);
                var partial = cached + "." + Environment.ProcessId + ".tmp";
                File.Copy(path, partial, overwrite: true);
                File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
                File.Move(partial, cached, overwrite: true);
            }
            return cached;
        }
    }
}
