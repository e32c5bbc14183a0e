using Microsoft.Data.Sqlite;

namespace Stepwise.Data.Sql;

/// <summary>One SQLite statement: its text, where it starts, and its words (keywords and identifiers, upper-cased, quotes removed).</summary>
public sealed record SqliteStatement(string Text, int Offset, IReadOnlyList<string> Words);

/// <summary>
/// SQLite has no libpg_query: this splits a script into statements with a small tokenizer (quotes, comments, and
/// CREATE TRIGGER … BEGIN … END bodies), then checks each statement's syntax with SQLite's own parser
/// (<c>sqlite3_prepare</c> through Microsoft.Data.Sqlite on an empty in-memory database, where only syntax errors count:
/// a missing table is not an error here).
/// </summary>
public static class SqliteScript
{
    /// <summary>
    /// How many earlier occurrences of the token SQLite names are tried to place its syntax error. Each try prepares the
    /// text before the occurrence, so this bounds the work on a long statement that repeats the token.
    /// </summary>
    private const int MaxPlacementTries = 32;

    public static (IReadOnlyList<SqliteStatement> Statements, SqlSyntaxError? Error) Parse(string sql)
    {
        // sqlite3_prepare stops at a NUL: the rest of the script would go unseen (and the tail never advances).
        SqlInput.Check(sql, long.MaxValue);
        var statements = Split(sql);
        using var db = new SqliteConnection("Data Source=:memory:");
        db.Open();
        foreach (var s in statements)
        {
            if (CheckSyntax(db, s) is { } error)
            {
                return (statements, error);
            }
        }
        return (statements, null);
    }

    private static SqlSyntaxError? CheckSyntax(SqliteConnection db, SqliteStatement s)
    {
        var reason = SyntaxProblem(db, s.Text);
        if (reason is null)
        {
            return null;
        }
        var offset = s.Offset;
        var near = reason.IndexOf("near \"", StringComparison.Ordinal);
        var end = near >= 0 ? reason.IndexOf("\":", near + 6, StringComparison.Ordinal) : -1;
        if (end > near && near >= 0)
        {
            // SQLite names the token it stopped at but not where it is: the error is at the last occurrence of that
            // token whose preceding text has no syntax error of its own (at most "incomplete input").
            // An empty token (SQLite quotes nothing at the end of its input) is not searched for: every offset would match.
            var token = reason[(near + 6)..end];
            var at = token.Length == 0 ? s.Text.Length : s.Text.LastIndexOf(token, StringComparison.Ordinal);
            for (var tries = 0; token.Length > 0 && at > 0 && tries < MaxPlacementTries; tries++)
            {
                var before = SyntaxProblem(db, s.Text[..at]);
                if (before is null || before.Contains("incomplete input", StringComparison.Ordinal))
                {
                    break;
                }
                // Strictly earlier: the search never stands still.
                var earlier = s.Text.LastIndexOf(token, at - 1, StringComparison.Ordinal);
                if (earlier < 0 || earlier >= at)
                {
                    break;
                }
                at = earlier;
            }
            offset = s.Offset + Math.Max(0, at);
        }
        else if (reason.Contains("incomplete input", StringComparison.Ordinal))
        {
            offset = s.Offset + s.Text.Length;
        }
        return new SqlSyntaxError(reason, offset);
    }

    /// <summary>SQLite's own syntax error for the text, or null (other errors, such as a missing table, do not count).</summary>
    private static string? SyntaxProblem(SqliteConnection db, string sql)
    {
        if (sql.Trim().Length == 0)
        {
            return null;
        }
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        try
        {
            cmd.Prepare();
            return null;
        }
        catch (SqliteException e)
        {
            var message = e.Message;
            var cut = message.IndexOf('\'');
            var reason = cut >= 0 && message.EndsWith("'.", StringComparison.Ordinal) ? message[(cut + 1)..^2] : message;
            var isSyntax = reason.Contains("syntax error", StringComparison.Ordinal) || reason.Contains("incomplete input", StringComparison.Ordinal) || reason.Contains("unrecognized token", StringComparison.Ordinal);
            return isSyntax ? reason : null;
        }
    }

    /// <summary>Splits a script at top-level semicolons. The statements keep their text without the semicolon.</summary>
    public static List<SqliteStatement> Split(string sql)
    {
        var result = new List<SqliteStatement>();
        var words = new List<string>();
        var start = -1;
        var i = 0;
        var inTrigger = false;
        var depth = 0; // BEGIN … END nesting inside a trigger body (CASE … END counts too, which keeps it balanced)
        while (i < sql.Length)
        {
            var c = sql[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                while (i < sql.Length && sql[i] != '\n')
                {
                    i++;
                }
                continue;
            }
            if (c == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                var close = sql.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = close < 0 ? sql.Length : close + 2;
                continue;
            }
            if (start < 0)
            {
                start = i;
            }
            if (c == ';')
            {
                if (!inTrigger || depth == 0)
                {
                    if (words.Count > 0)
                    {
                        result.Add(new SqliteStatement(sql[start..i].TrimEnd(), start, words));
                    }
                    words = [];
                    start = -1;
                    inTrigger = false;
                    depth = 0;
                }
                i++;
                continue;
            }
            if (c is '\'' or '"' or '`' or '[')
            {
                var close = c == '[' ? ']' : c;
                var j = i + 1;
                while (j < sql.Length)
                {
                    if (sql[j] == close)
                    {
                        if (close != ']' && j + 1 < sql.Length && sql[j + 1] == close)
                        {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                // Identifiers keep their name; a string literal is one word "'" (its content never matters to a rule).
                words.Add(c == '\'' ? "'" : sql[(i + 1)..Math.Min(j, sql.Length)].ToUpperInvariant());
                i = Math.Min(j + 1, sql.Length);
                continue;
            }
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                var j = i;
                while (j < sql.Length && (char.IsLetterOrDigit(sql[j]) || sql[j] is '_' or '$'))
                {
                    j++;
                }
                var word = sql[i..j].ToUpperInvariant();
                words.Add(word);
                if (word == "TRIGGER" && words.Count <= 4 && words[0] == "CREATE")
                {
                    inTrigger = true;
                }
                else if (inTrigger && word is "BEGIN" or "CASE")
                {
                    depth++;
                }
                else if (inTrigger && word == "END")
                {
                    depth--;
                }
                i = j;
                continue;
            }
            words.Add(c.ToString());
            i++;
        }
        if (start >= 0 && words.Count > 0)
        {
            result.Add(new SqliteStatement(sql[start..].TrimEnd(), start, words));
        }
        return result;
    }
}
