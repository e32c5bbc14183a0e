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
    /// or a syntax error with its position.
    /// </summary>
    public static PgParse ParseScript(string sql)
    {
        if (Unavailable is { } why)
        {
            throw new InvalidOperationException($"{why}; install it with 'apt-get install libpg-query1504.0'");
        }
        // libpg_query reads a C string: a NUL would end the script early and hide the rest of it. No size cap here (the
        // callers apply theirs), only what would make the parse wrong.
        SqlInput.Check(sql, long.MaxValue);
        var bytes = Encoding.UTF8.GetBytes(sql + "\0");
        var result = Parse(bytes);
        try
        {
            if (result.Error != IntPtr.Zero)
            {
                var error = Marshal.PtrToStructure<PgQueryError>(result.Error);
                var message = Marshal.PtrToStringUTF8(error.Message) ?? "syntax error";
                // cursorpos is 1-based and counts characters; 0 means "no position" (for example at end of input).
                var offset = error.Cursorpos > 0 ? Math.Min(error.Cursorpos - 1, sql.Length) : sql.Length;
                return new PgParse([], new SqlSyntaxError(message, offset));
            }
            // Read the UTF-8 JSON as bytes: no round trip through a UTF-16 string, and the statements keep elements of
            // this one document instead of cloning each.
            byte[] json;
            unsafe
            {
                var native = new ReadOnlySpan<byte>((byte*)result.ParseTree, checked((int)Utf8Length(result.ParseTree)));
                json = native.ToArray();
            }
            return new PgParse(ReadStatements(sql, bytes, json), null);
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

    private static List<PgStatement> ReadStatements(string sql, byte[] bytes, byte[] json)
    {
        var statements = new List<PgStatement>();
        var byteLength = bytes.Length - 1;
        // Byte offsets → char offsets: only needed when the text is not ASCII.
        int[]? charAt = null;
        if (byteLength != sql.Length)
        {
            charAt = new int[byteLength + 1];
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
        }
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
            var length = raw.TryGetProperty("stmt_len", out var n) && n.GetInt32() > 0 ? n.GetInt32() : byteLength - location;
            var start = ToChar(location);
            var end = ToChar(location + length);
            var first = SqlText.SkipTrivia(sql, start, end);
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
