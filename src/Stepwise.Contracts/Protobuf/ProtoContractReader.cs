using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Stepwise.Contracts.Protobuf;

/// <summary>
/// Reads one side of a Protobuf comparison: a folder of .proto files (compiled together, the folder
/// being the import root), a single .proto file (its folder being the import root), or a ready
/// FileDescriptorSet (protoc --descriptor_set_out, preferably with --include_imports and --include_source_info).
/// </summary>
internal static partial class ProtoContractReader
{
    private static readonly MessageParser<FileDescriptorProto> DescriptorParser = FileDescriptorProto.Parser.WithDiscardUnknownFields(true);

    public static ProtoContract Read(string path, CancellationToken cancellationToken, ContractLimits? limits = null)
    {
        if (Directory.Exists(path))
        {
            return ReadFolder(Path.GetFullPath(path), cancellationToken);
        }
        if (!File.Exists(path))
        {
            throw new ContractInputException("no such file or folder; give a .proto file, a folder of .proto files or a descriptor set", path);
        }
        var length = new FileInfo(path).Length;
        if (length == 0)
        {
            throw new ContractInputException("the file is empty; give a .proto file, a folder of .proto files or a descriptor set", path);
        }
        if (path.EndsWith(".proto", StringComparison.OrdinalIgnoreCase))
        {
            return ReadProtoFile(Path.GetFullPath(path), cancellationToken);
        }
        return ReadDescriptorSet(path, (limits ?? ContractLimits.Default).ReadFile(path, path));
    }

    /// <summary>
    /// Reads two folders for comparison. With <paramref name="skipUnchanged"/>, files that are byte-identical on
    /// both sides and import only such files are left out of both compiles: they describe the same elements,
    /// resolved the same way, on both sides, so they cannot produce a finding. Changed files are compiled with
    /// the unchanged files they import, so every type a compared element uses is known.
    /// </summary>
    public static (ProtoContract Old, ProtoContract New) ReadFolders(string oldPath, string newPath, bool skipUnchanged, int filesPerCompile, CancellationToken cancellationToken)
    {
        var oldRoot = Path.GetFullPath(oldPath);
        var newRoot = Path.GetFullPath(newPath);
        var oldFiles = ListProtoFiles(oldRoot);
        var newFiles = ListProtoFiles(newRoot);
        var unchanged = skipUnchanged ? UnchangedClosure(oldRoot, oldFiles, newRoot, newFiles) : new HashSet<string>(StringComparer.Ordinal);
        var oldSide = Task.Run(() => CompileFolder(oldRoot, oldFiles.Where(f => !unchanged.Contains(f)).ToList(), unchanged, filesPerCompile, cancellationToken), cancellationToken);
        var newSide = Task.Run(() => CompileFolder(newRoot, newFiles.Where(f => !unchanged.Contains(f)).ToList(), unchanged, filesPerCompile, cancellationToken), cancellationToken);
        return Await(oldSide, newSide, cancellationToken);
    }

    /// <summary>Waits for both sides; the old side's error wins when both fail, as it is named first.</summary>
    internal static (T Old, T New) Await<T>(Task<T> oldSide, Task<T> newSide, CancellationToken cancellationToken)
    {
        try
        {
            Task.WaitAll([oldSide, newSide], cancellationToken);
        }
        catch (AggregateException e)
        {
            var failure = oldSide.Exception?.InnerException ?? newSide.Exception?.InnerException ?? e.InnerException ?? e;
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
            throw;
        }
        return (oldSide.Result, newSide.Result);
    }

    private static List<string> ListProtoFiles(string root)
    {
        var files = Directory.EnumerateFiles(root, "*.proto", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            throw new ContractInputException("the folder holds no .proto files", root);
        }
        return files;
    }

    private static ProtoContract ReadFolder(string root, CancellationToken cancellationToken) =>
        CompileFolder(root, ListProtoFiles(root), new HashSet<string>(StringComparer.Ordinal), DefaultFilesPerCompile, cancellationToken);

    private static ProtoContract CompileFolder(string root, List<string> files, HashSet<string> unchanged, int filesPerCompile, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            return new ProtoContract(root, []);
        }
        foreach (var file in files)
        {
            RejectBinary(Path.Combine(root, file));
        }
        // protoc's memory grows with the source one run compiles (about 1 GB for 8,000 Google API files with
        // source info), and both sides compile at once. Large folders are therefore compiled in slices of about
        // equal size in bytes and at most filesPerCompile files, one after another; any slice compiles because
        // imports are found through -I. Imports shared by slices are compiled once per slice and kept once.
        var compiled = new List<ProtoFile>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in Slices(root, files, filesPerCompile))
        {
            var set = Protoc.Compile(root, slice, cancellationToken);
            foreach (var file in DecodeFiles(root, set, root, unchanged))
            {
                if (names.Add(file.Proto.Name))
                {
                    compiled.Add(file);
                }
            }
        }
        return new ProtoContract(root, compiled);
    }

    private static IEnumerable<List<string>> Slices(string root, List<string> files, int filesPerCompile)
    {
        filesPerCompile = Math.Max(1, filesPerCompile);
        if (files.Count <= filesPerCompile)
        {
            yield return files;
            yield break;
        }
        var sizes = files.Select(f => new FileInfo(Path.Combine(root, f)).Length).ToList();
        var slices = (files.Count + filesPerCompile - 1) / filesPerCompile;
        var target = sizes.Sum() / (double)slices;
        var slice = new List<string>();
        double bytes = 0;
        for (var i = 0; i < files.Count; i++)
        {
            slice.Add(files[i]);
            bytes += sizes[i];
            if (slice.Count == filesPerCompile || bytes >= target)
            {
                yield return slice;
                slice = [];
                bytes = 0;
            }
        }
        if (slice.Count > 0)
        {
            yield return slice;
        }
    }

    /// <summary>The most files one protoc run compiles, unless the caller says otherwise.</summary>
    internal const int DefaultFilesPerCompile = 4000;

    [System.Text.RegularExpressions.GeneratedRegex(@"\bimport\s+(?:public\s+|weak\s+)?""([^""]+)""\s*;")]
    private static partial System.Text.RegularExpressions.Regex ImportStatement();

    /// <summary>Files identical on both sides whose imports (transitively) are identical too or lie outside both folders.</summary>
    internal static HashSet<string> UnchangedClosure(string oldRoot, List<string> oldFiles, string newRoot, List<string> newFiles)
    {
        var present = new HashSet<string>(oldFiles, StringComparer.Ordinal);
        present.UnionWith(newFiles);
        var identical = new Dictionary<string, string>(StringComparer.Ordinal);
        var newSet = new HashSet<string>(newFiles, StringComparer.Ordinal);
        var candidates = oldFiles.Where(newSet.Contains).ToList();
        var texts = new string?[candidates.Count];
        Parallel.For(0, candidates.Count, i =>
        {
            var a = new FileInfo(Path.Combine(oldRoot, candidates[i]));
            var b = new FileInfo(Path.Combine(newRoot, candidates[i]));
            if (a.Length != b.Length)
            {
                return;
            }
            var bytes = File.ReadAllBytes(a.FullName);
            if (bytes.AsSpan().SequenceEqual(File.ReadAllBytes(b.FullName)))
            {
                texts[i] = System.Text.Encoding.UTF8.GetString(bytes);
            }
        });
        for (var i = 0; i < candidates.Count; i++)
        {
            if (texts[i] is { } text)
            {
                identical[candidates[i]] = text;
            }
        }
        var state = new Dictionary<string, bool>(StringComparer.Ordinal);
        bool Unchanged(string file, int depth)
        {
            if (state.TryGetValue(file, out var known))
            {
                return known;
            }
            if (!identical.TryGetValue(file, out var text) || depth > 256)
            {
                return state[file] = !present.Contains(file);
            }
            state[file] = false; // an import cycle (which protoc rejects) counts as changed
            foreach (System.Text.RegularExpressions.Match import in ImportStatement().Matches(text))
            {
                if (!Unchanged(import.Groups[1].Value, depth + 1))
                {
                    return false;
                }
            }
            return state[file] = true;
        }
        return identical.Keys.Where(f => Unchanged(f, 0)).ToHashSet(StringComparer.Ordinal);
    }

    private static ProtoContract ReadProtoFile(string file, CancellationToken cancellationToken)
    {
        RejectBinary(file);
        var root = Path.GetDirectoryName(file)!;
        var set = Protoc.Compile(root, [Path.GetFileName(file)], cancellationToken);
        return FromDescriptorSet(file, set, root);
    }

    /// <summary>A .proto file is text; a NUL byte means a binary file was named .proto, which protoc would report far less clearly.</summary>
    private static void RejectBinary(string file)
    {
        using var stream = File.OpenRead(file);
        Span<byte> head = stackalloc byte[8192];
        var read = stream.Read(head);
        if (read == 0)
        {
            throw new ContractInputException("the .proto file is empty", file, 1, 1);
        }
        var nul = head[..read].IndexOf((byte)0);
        if (nul >= 0)
        {
            throw new ContractInputException($"the file is binary (a NUL byte at offset {nul}), not .proto source; a compiled descriptor set must not be named .proto", file);
        }
    }

    private static ProtoContract ReadDescriptorSet(string path, byte[] data)
    {
        if (LooksLikeText(data))
        {
            throw new ContractInputException(
                "the file is text, not a binary descriptor set; name .proto sources with the .proto extension, or give a folder of .proto files or a set made with protoc --descriptor_set_out",
                path);
        }
        return FromDescriptorSet(path, data, sourceRoot: null);
    }

    private static bool LooksLikeText(ReadOnlySpan<byte> data)
    {
        var head = data[..Math.Min(data.Length, 4096)];
        if (head.IndexOf((byte)0) >= 0)
        {
            return false;
        }
        foreach (var b in head)
        {
            if (b < 0x09 || (b > 0x0D && b < 0x20))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Decodes a serialized FileDescriptorSet. <paramref name="sourceRoot"/> turns file names into paths on disk when the set was compiled from there.</summary>
    internal static ProtoContract FromDescriptorSet(string source, byte[] data, string? sourceRoot) =>
        new(source, DecodeFiles(source, data, sourceRoot, unchanged: null));

    private static ProtoFile[] DecodeFiles(string source, byte[] data, string? sourceRoot, HashSet<string>? unchanged)
    {
        List<Range> ranges;
        try
        {
            ranges = WireScanner.Files(data);
        }
        catch (FormatException e)
        {
            throw NotADescriptorSet(source, e.Message, e);
        }
        if (ranges.Count == 0)
        {
            throw NotADescriptorSet(source, "it holds no files", null);
        }
        var files = new ProtoFile[ranges.Count];
        try
        {
            Parallel.For(0, ranges.Count, i =>
            {
                var (offset, _) = ranges[i].GetOffsetAndLength(data.Length);
                var bytes = data.AsSpan(ranges[i]);
                var field = WireScanner.FindSourceInfo(bytes, out var sourceInfoRange);
                // Parsing the bytes before and after source_code_info is parsing the file without it (protobuf merges
                // concatenated encodings). Custom options (google.api.http and the like) are unknown fields here and
                // change neither encoding, so they are dropped rather than kept in memory.
                var proto = DescriptorParser.ParseFrom(bytes[..field.Start]);
                if (field.End.Value < bytes.Length)
                {
                    proto.MergeFrom(DescriptorParser.ParseFrom(bytes[field.End..]));
                }
                if (string.IsNullOrEmpty(proto.Name))
                {
                    throw new FormatException($"file entry {i} has no name");
                }
                var display = sourceRoot is null ? proto.Name : Path.Combine(sourceRoot, proto.Name);
                var (infoOffset, infoLength) = sourceInfoRange.GetOffsetAndLength(bytes.Length);
                files[i] = new ProtoFile(proto, display, data.AsMemory(offset + infoOffset, infoLength), unchanged?.Contains(proto.Name) == true);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is FormatException or InvalidProtocolBufferException or ArgumentException or OverflowException))
        {
            var first = e.InnerExceptions[0];
            throw NotADescriptorSet(source, first.Message, first);
        }
        return files;
    }

    private static ContractInputException NotADescriptorSet(string source, string detail, Exception? inner) =>
        new($"not a Protobuf descriptor set ({detail}); give a .proto file, a folder of .proto files or a set made with protoc --descriptor_set_out --include_imports", source, inner: inner);
}
