using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Stepwise.Data.Sql;

/// <summary>
/// The real PostgreSQL grammar through libpg_query (Debian package <c>libpg-query1504.0</c>, PostgreSQL 15):
/// <c>pg_query_parse</c> returns the raw parse tree as JSON, which this class reads with System.Text.Json.
/// </summary>
public static class PgQuery
{
    private const string Library = "libpg_query.so.1504.0";

    [StructLayout(LayoutKind.Sequential)]
    private struct PgQueryError
    {
        public IntPtr Message;
        public IntPtr Funcname;
        public IntPtr Filename;
        public int Lineno;
        public int Cursorpos;
        public IntPtr Context;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PgQueryParseResult
    {
        public IntPtr ParseTree;
        public IntPtr StderrBuffer;
        public IntPtr Error;
    }

    [DllImport(Library, EntryPoint = "pg_query_parse", CallingConvention = CallingConvention.Cdecl)]
    private static extern PgQueryParseResult Parse(byte[] input);

    [DllImport(Library, EntryPoint = "pg_query_free_parse_result", CallingConvention = CallingConvention.Cdecl)]
    private static extern void FreeParseResult(PgQueryParseResult result);

    private static readonly Lazy<string?> LoadProblem = new(() =>
    {
        try
        {
            return NativeLibrary.TryLoad(Library, typeof(PgQuery).Assembly, null, out _)
                ? null
                : $"the PostgreSQL parser library {Library} is not installed";
        }
        catch (Exception e)
        {
            return $"the PostgreSQL parser library {Library} could not be loaded: {e.Message}";
        }
    });

    /// <summary>Null when libpg_query can be loaded; otherwise why not (and the fix is to install libpg-query1504.0).</summary>
    public static string? Unavailable => LoadProblem.Value;

    /// <summary>
    /// Parses <paramref name="sql"/> (any number of statements). Returns the statements with their text and position,
    /// or a syntax error with its position. A large script is parsed in parts on several cores (see <see cref="Parts"/>);
    /// the result is the same as one parse of the whole.
    /// </summary>
    public static PgParse ParseScript(string sql) => ParseScript(sql, Math.Min(Environment.ProcessorCount, MaxParts));

    /// <summary><see cref="ParseScript(string)"/> in at most <paramref name="parts"/> parts (1: in one piece).</summary>
    internal static PgParse ParseScript(string sql, int parts)
    {
        if (Unavailable is { } why)
        {
            throw new InvalidOperationException($"{why}; install it with 'apt-get install libpg-query1504.0'");
        }
        // libpg_query reads a C string: a NUL would end the script early and hide the rest of it. No size cap here (the
        // callers apply theirs), only what would make the parse wrong.
        SqlInput.Check(sql, long.MaxValue);
        var bytes = Encoding.UTF8.GetBytes(sql + "\0");
        var charAt = CharOffsets(sql, bytes);
        var starts = Parts(bytes, parts);
        if (starts.Count > 1)
        {
            var parsed = new List<PgStatement>?[starts.Count];
            Parallel.For(0, starts.Count, i =>
            {
                var end = i + 1 < starts.Count ? starts[i + 1] : bytes.Length - 1;
                parsed[i] = ParsePart(sql, bytes, charAt, starts[i], end, last: i + 1 == starts.Count);
            });
            if (parsed.All(p => p is not null))
            {
                return new PgParse([.. parsed.SelectMany(p => p!)], null);
            }
            // A part that does not parse on its own, or whose last statement runs past its end: the whole script is
            // parsed once, for the statements or the error libpg_query gives it.
        }
        return Parse(sql, bytes, bytes, charAt, 0, bytes.Length - 1, out var statements, out _) is { } error ? new PgParse([], error) : new PgParse(statements!, null);
    }

    /// <summary>Scripts smaller than this are parsed in one piece: splitting them costs more than it saves.</summary>
    internal const int MinPartBytes = 64 * 1024;

    private const int MaxParts = 4;

    /// <summary>
    /// Where each part of the script starts (byte offsets; the first is 0): up to <paramref name="count"/> parts of at
    /// least <see cref="MinPartBytes"/>, each cut just after a ';' that ends its line. Such a cut is between two
    /// statements unless the ';' is inside a literal, a quoted name, a block comment or a function body; then the part
    /// before it does not parse on its own, and <see cref="ParseScript"/> falls back to parsing the whole script.
    /// </summary>
    internal static List<int> Parts(byte[] bytes, int count)
    {
        var length = bytes.Length - 1; // without the NUL
        var starts = new List<int> { 0 };
        count = Math.Min(count, length / MinPartBytes);
        for (var k = 1; k < count; k++)
        {
            var from = Math.Max((int)((long)length * k / count), starts[^1] + MinPartBytes);
            var at = from < length ? bytes.AsSpan(from, length - from).IndexOf(";\n"u8) : -1;
            if (at < 0)
            {
                break;
            }
            var cut = from + at + 1;
            if (length - cut < MinPartBytes)
            {
                break;
            }
            starts.Add(cut);
        }
        return starts;
    }

    /// <summary>
    /// Parses the bytes [<paramref name="start"/>, <paramref name="end"/>) of the script with the bytes before them
    /// blanked (so that every location libpg_query gives is an offset in the whole script), or null when they do not
    /// parse on their own or, for a part before the last, when its last statement is not ended by a ';' of its own
    /// (the cut was then not between two statements).
    /// </summary>
    private static List<PgStatement>? ParsePart(string sql, byte[] bytes, int[]? charAt, int start, int end, bool last)
    {
        var input = new byte[end + 1];
        input.AsSpan(0, start).Fill((byte)' ');
        bytes.AsSpan(start, end - start).CopyTo(input.AsSpan(start));
        return Parse(sql, bytes, input, charAt, start, end, out var statements, out var open) is null && (last || !open) ? statements : null;
    }

    /// <summary>
    /// One libpg_query parse of <paramref name="input"/> (the script's bytes, or a part of them after blanks). Returns
    /// the syntax error, or null with the statements and whether the last runs to <paramref name="end"/> without a ';'.
    /// The first statement of a part starting at <paramref name="start"/> is given location 0 by the grammar; it
    /// starts at <paramref name="start"/>.
    /// </summary>
    private static SqlSyntaxError? Parse(string sql, byte[] bytes, byte[] input, int[]? charAt, int start, int end, out List<PgStatement>? statements, out bool open)
    {
        statements = null;
        open = false;
        var result = Parse(input);
        try
        {
            if (result.Error != IntPtr.Zero)
            {
                var error = Marshal.PtrToStructure<PgQueryError>(result.Error);
                var message = Marshal.PtrToStringUTF8(error.Message) ?? "syntax error";
                // cursorpos is 1-based and counts characters; 0 means "no position" (for example at end of input).
                var offset = error.Cursorpos > 0 ? Math.Min(error.Cursorpos - 1, sql.Length) : sql.Length;
                return new SqlSyntaxError(message, offset);
            }
            // Read the UTF-8 JSON as bytes: no round trip through a UTF-16 string, and the statements keep elements of
            // this one document instead of cloning each.
            byte[] json;
            unsafe
            {
                var native = new ReadOnlySpan<byte>((byte*)result.ParseTree, checked((int)Utf8Length(result.ParseTree)));
                json = native.ToArray();
            }
            statements = ReadStatements(sql, bytes.Length - 1, charAt, json, start, end, out open);
            return null;
        }
        finally
        {
            FreeParseResult(result);
        }
    }

    private static unsafe nuint Utf8Length(IntPtr s)
    {
        var p = (byte*)s;
        nuint n = 0;
        while (p[n] != 0)
        {
            n++;
        }
        return n;
    }

    /// <summary>The character offset of each byte offset of the script, or null when the script is ASCII (they are equal).</summary>
    private static int[]? CharOffsets(string sql, byte[] bytes)
    {
        var byteLength = bytes.Length - 1;
        if (byteLength == sql.Length)
        {
            return null;
        }
        var charAt = new int[byteLength + 1];
        var c = 0;
        var b = 0;
        while (c < sql.Length)
        {
            var n = char.IsHighSurrogate(sql[c]) && c + 1 < sql.Length ? 2 : 1;
            var len = Encoding.UTF8.GetByteCount(sql.AsSpan(c, n));
            for (var k = 0; k < len; k++)
            {
                charAt[b + k] = c;
            }
            b += len;
            c += n;
        }
        charAt[byteLength] = sql.Length;
        return charAt;
    }

    private static List<PgStatement> ReadStatements(string sql, int byteLength, int[]? charAt, byte[] json, int start, int partEnd, out bool open)
    {
        var statements = new List<PgStatement>();
        open = false;
        int ToChar(int byteOffset) => charAt is null ? byteOffset : charAt[Math.Clamp(byteOffset, 0, byteLength)];

        // Not disposed: the statements' elements point into it; the GC reclaims it with them.
        var doc = JsonDocument.Parse(json);
        if (!doc.RootElement.TryGetProperty("stmts", out var stmts))
        {
            return statements;
        }
        foreach (var raw in stmts.EnumerateArray())
        {
            var location = raw.TryGetProperty("stmt_location", out var l) ? l.GetInt32() : 0;
            // A length of 0: the statement runs to the end of the input, with no ';' after it.
            open = !(raw.TryGetProperty("stmt_len", out var n) && n.GetInt32() > 0);
            var length = open ? partEnd - location : n.GetInt32();
            if (location < start)
            {
                (location, length) = (start, location + length - start);
            }
            var from = ToChar(location);
            var end = ToChar(location + length);
            var first = SqlText.SkipTrivia(sql, from, end);
            var node = raw.GetProperty("stmt").EnumerateObject().First();
            statements.Add(new PgStatement(node.Name, node.Value, sql[first..end].TrimEnd(), first));
        }
        return statements;
    }
}

/// <summary>A parsed script: its statements, or the first syntax error.</summary>
public sealed record PgParse(IReadOnlyList<PgStatement> Statements, SqlSyntaxError? Error);

/// <summary>One statement: its parse-tree node type (e.g. <c>AlterTableStmt</c>), the node, its text and where the text starts.</summary>
public sealed record PgStatement(string Kind, JsonElement Node, string Text, int Offset);

/// <summary>A syntax error at a character offset of the script.</summary>
public sealed record SqlSyntaxError(string Message, int Offset);
