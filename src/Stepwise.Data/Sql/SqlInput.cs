using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Stepwise.Data.Sql;

/// <summary>Why a SQL text is not acceptable input at all (before any parsing): what, at which byte, and the fix.</summary>
/// <param name="ByteOffset">0-based offset in the UTF-8 bytes of the text (or file) where the problem is; null for a size problem.</param>
/// <param name="Line">1-based line of the problem (1 for a size problem).</param>
/// <param name="Column">1-based column (in characters before the problem, counting a broken sequence's bytes as one each).</param>
public sealed record SqlInputProblem(string Message, long? ByteOffset, string Fix, int Line = 1, int Column = 1);

/// <summary>Bad SQL input (a NUL byte, invalid UTF-8, a file over the size cap).</summary>
public sealed class SqlInputException(SqlInputProblem problem) : Exception(problem.Message)
{
    public SqlInputProblem Problem { get; } = problem;
}

/// <summary>
/// The gate every SQL text passes before a parser sees it. PostgreSQL's parser and SQLite's both stop at a NUL byte,
/// so a NUL would hide the rest of a script from the linter (and from the runner's plan); invalid UTF-8 would be read
/// as replacement characters. Both are refused with the byte offset. SQL is capped in size, because parsing and
/// linting hold the whole script and its parse tree in memory.
/// </summary>
public static class SqlInput
{
    /// <summary>The default size cap for one SQL file or phase: 8 MiB.</summary>
    public const long DefaultMaxBytes = 8 * 1024 * 1024;

    private const string NulFix = "remove the NUL byte: SQL is text, and PostgreSQL and SQLite would silently ignore everything after it";

    /// <summary>Reads a SQL file as strict UTF-8 (a leading byte-order mark is skipped), refusing it over <paramref name="maxBytes"/>.</summary>
    public static string ReadFile(string path, long maxBytes = DefaultMaxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (stream.CanSeek && stream.Length > maxBytes)
        {
            throw new SqlInputException(TooLarge(stream.Length, maxBytes));
        }
        // Read at most maxBytes + 1 so that a file that grows (or a pipe) can't take more memory than the cap.
        var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int n;
            while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                buffer.Write(chunk, 0, n);
                if (buffer.Length > maxBytes)
                {
                    throw new SqlInputException(TooLarge(buffer.Length, maxBytes, atLeast: true));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), maxBytes);
    }

    /// <summary>Decodes SQL bytes as strict UTF-8: a NUL byte or an invalid sequence is refused with its byte offset.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, long maxBytes = DefaultMaxBytes)
    {
        if (bytes.Length > maxBytes)
        {
            throw new SqlInputException(TooLarge(bytes.Length, maxBytes));
        }
        var bom = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var nul = bytes.IndexOf((byte)0);
        var body = bytes[bom..];
        var chars = new char[body.Length];
        var status = Utf8.ToUtf16(body, chars, out var read, out var written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            var offset = bom + read;
            if (nul >= 0 && nul < offset)
            {
                throw new SqlInputException(Nul(bytes, nul));
            }
            var (line, column) = Position(bytes, offset);
            throw new SqlInputException(new SqlInputProblem(
                $"invalid UTF-8 at byte offset {offset} (byte 0x{bytes[offset]:X2})", offset, "save the file as UTF-8 (SQL files are read as UTF-8)", line, column));
        }
        if (nul >= 0)
        {
            throw new SqlInputException(Nul(bytes, nul));
        }
        return new string(chars, 0, written);
    }

    /// <summary>
    /// The problem with SQL that is already text (inline SQL from stepwise.yaml or the API), or null: a NUL character,
    /// a lone UTF-16 surrogate (not encodable as UTF-8), or more than <paramref name="maxBytes"/> UTF-8 bytes.
    /// </summary>
    public static SqlInputProblem? Problem(string sql, long maxBytes = DefaultMaxBytes)
    {
        // A char is at most 3 UTF-8 bytes: only count exactly when the text could be over the cap.
        if ((long)sql.Length * 3 > maxBytes)
        {
            var size = Encoding.UTF8.GetByteCount(sql);
            if (size > maxBytes)
            {
                return TooLarge(size, maxBytes);
            }
        }
        long bytes = 0;
        var line = 1;
        var column = 1; // counts characters (code points), as the byte reader does
        for (var i = 0; i < sql.Length; i++)
        {
            var c = sql[i];
            if (c == '\0')
            {
                return new SqlInputProblem($"NUL byte at byte offset {bytes}", bytes, NulFix, line, column);
            }
            if (char.IsHighSurrogate(c) && i + 1 < sql.Length && char.IsLowSurrogate(sql[i + 1]))
            {
                bytes += 4;
                column++;
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                return new SqlInputProblem($"invalid UTF-8 at byte offset {bytes} (a lone UTF-16 surrogate U+{(int)c:X4})", bytes, "remove the broken character: SQL must be valid Unicode text", line, column);
            }
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            if (c == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }
        return null;
    }

    /// <summary>Throws <see cref="SqlInputException"/> when <see cref="Problem"/> finds one.</summary>
    public static void Check(string sql, long maxBytes = DefaultMaxBytes)
    {
        if (Problem(sql, maxBytes) is { } problem)
        {
            throw new SqlInputException(problem);
        }
    }

    private static SqlInputProblem Nul(ReadOnlySpan<byte> bytes, int offset)
    {
        var (line, column) = Position(bytes, offset);
        return new SqlInputProblem($"NUL byte at byte offset {offset}", offset, NulFix, line, column);
    }

    /// <summary>Line and column of a byte offset: the column counts the characters before it on its line.</summary>
    private static (int Line, int Column) Position(ReadOnlySpan<byte> bytes, int offset)
    {
        var before = bytes[..offset];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        var column = 1;
        foreach (var b in before[lineStart..])
        {
            // Count one per character: continuation bytes (10xxxxxx) do not start one.
            if ((b & 0xC0) != 0x80)
            {
                column++;
            }
        }
        return (line, column);
    }

    private static SqlInputProblem TooLarge(long size, long maxBytes, bool atLeast = false) => new(
        $"SQL is {(atLeast ? "more than " : "")}{size.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes, over the limit of {maxBytes.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes",
        null,
        "split it into smaller files, or raise the limit with --max-sql-bytes");
}
