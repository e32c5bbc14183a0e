namespace Stepwise.Contracts;

/// <summary>
/// Bounds on what reading a contract may cost, so hostile or broken input fails fast with a clear error instead of
/// growing without bound.
/// </summary>
/// <param name="MaxFileBytes">The largest contract file (OpenAPI, JSON Schema, descriptor set, or a file a <c>$ref</c> reaches) read, in bytes.</param>
/// <param name="MaxYamlAliasNodes">How many nodes YAML aliases may add when they are expanded, beyond the document's own nodes.</param>
public sealed record ContractLimits(long MaxFileBytes = ContractLimits.DefaultMaxFileBytes, int MaxYamlAliasNodes = ContractLimits.DefaultMaxYamlAliasNodes)
{
    /// <summary>64 MiB: several times the largest public API descriptions (GitHub's is about 12 MB).</summary>
    public const long DefaultMaxFileBytes = 64L * 1024 * 1024;

    /// <summary>Plenty for YAML that shares parts with anchors; an alias bomb needs millions.</summary>
    public const int DefaultMaxYamlAliasNodes = 100_000;

    public static ContractLimits Default { get; } = new();

    /// <summary>
    /// Reads a whole file, at most <see cref="MaxFileBytes"/> of it: a larger file (or an endless one such as a
    /// device) is bad input naming the cap and how to raise it.
    /// </summary>
    public byte[] ReadFile(string path, string displayPath)
    {
        var content = Read(path, displayPath, mapLarge: false);
        // Unmapped, the file was read into an array of its length: hand that array over rather than a copy.
        return System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var read) && read is { Offset: 0, Array: { } array } && read.Count == array.Length
            ? array
            : content.ToArray();
    }

    /// <summary>Files from this size up are mapped by <see cref="ReadContent"/>: below it, a read costs less than a mapping.</summary>
    internal const long MapFromBytes = 1024 * 1024;

    /// <summary>
    /// A whole file's bytes, bounded like <see cref="ReadFile"/>. A regular file of <see cref="MapFromBytes"/> or more
    /// is mapped rather than copied (<see cref="Json.MappedFile"/>); the memory stays valid for as long as it is referenced.
    /// </summary>
    internal ReadOnlyMemory<byte> ReadContent(string path, string displayPath) => Read(path, displayPath, mapLarge: true);

    private ReadOnlyMemory<byte> Read(string path, string displayPath, bool mapLarge)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            if (stream.CanSeek && stream.Length > MaxFileBytes)
            {
                throw TooLarge(displayPath, stream.Length);
            }
            if (mapLarge && stream.CanSeek && stream.Length is >= MapFromBytes and <= int.MaxValue && Json.MappedFile.TryMap(stream, (int)stream.Length) is { } mapped)
            {
                return mapped;
            }
            if (stream.CanSeek && ReadWhole(stream) is { } whole)
            {
                return whole;
            }
            using var buffer = new MemoryStream(stream.CanSeek ? (int)Math.Min(stream.Length, int.MaxValue) : 0);
            var chunk = new byte[81920];
            while (true)
            {
                var read = stream.Read(chunk, 0, chunk.Length);
                if (read == 0)
                {
                    break;
                }
                if (buffer.Length + read > MaxFileBytes)
                {
                    throw TooLarge(displayPath, null);
                }
                buffer.Write(chunk, 0, read);
            }
            return buffer.ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ContractInputException($"cannot read the file: {e.Message}", displayPath, inner: e);
        }
    }

    /// <summary>A file of known length read straight into an array of that length (no copy); null when it changed size while read.</summary>
    private static byte[]? ReadWhole(FileStream stream)
    {
        var bytes = new byte[stream.Length];
        var done = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        if (done != bytes.Length || stream.ReadByte() != -1)
        {
            stream.Position = 0;
            return null;
        }
        return bytes;
    }

    private ContractInputException TooLarge(string displayPath, long? size) =>
        new($"the file is larger than the contract size cap of {Describe(MaxFileBytes)}{(size is { } s ? $" ({Describe(s)})" : "")}; raise the cap with --max-file-size if this contract is really that large", displayPath);

    /// <summary>A byte count for people: 64 MiB, 512 KiB, 100 bytes.</summary>
    public static string Describe(long bytes) => bytes switch
    {
        >= 1024L * 1024 * 1024 when bytes % (1024L * 1024 * 1024) == 0 => $"{bytes / (1024L * 1024 * 1024)} GiB",
        >= 1024 * 1024 when bytes % (1024 * 1024) == 0 => $"{bytes / (1024 * 1024)} MiB",
        >= 1024 when bytes % 1024 == 0 => $"{bytes / 1024} KiB",
        _ => $"{bytes} bytes",
    };

    /// <summary>Parses a size such as <c>64M</c>, <c>512k</c>, <c>1G</c> or a plain byte count; null when it is not one.</summary>
    public static long? ParseSize(string text)
    {
        var s = text.Trim();
        long unit = 1;
        if (s.Length > 0 && char.ToUpperInvariant(s[^1]) is 'K' or 'M' or 'G')
        {
            unit = char.ToUpperInvariant(s[^1]) switch { 'K' => 1024L, 'M' => 1024L * 1024, _ => 1024L * 1024 * 1024 };
            s = s[..^1];
        }
        return long.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 && n <= long.MaxValue / unit
            ? n * unit
            : null;
    }
}
