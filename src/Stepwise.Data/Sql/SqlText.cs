namespace Stepwise.Data.Sql;

/// <summary>Small text helpers shared by both dialects: skipping comments and whitespace, line:column positions.</summary>
public static class SqlText
{
    /// <summary>The first offset at or after <paramref name="start"/> (before <paramref name="end"/>) that is not whitespace or a comment.</summary>
    public static int SkipTrivia(string sql, int start, int end)
    {
        var i = start;
        while (i < end)
        {
            if (char.IsWhiteSpace(sql[i]))
            {
                i++;
            }
            else if (sql[i] == '-' && i + 1 < end && sql[i + 1] == '-')
            {
                while (i < end && sql[i] != '\n')
                {
                    i++;
                }
            }
            else if (sql[i] == '/' && i + 1 < end && sql[i + 1] == '*')
            {
                var close = sql.IndexOf("*/", i + 2, end - i - 2, StringComparison.Ordinal);
                i = close < 0 ? end : close + 2;
            }
            else
            {
                break;
            }
        }
        return Math.Min(i, end);
    }

    /// <summary>1-based line and column of a character offset.</summary>
    public static (int Line, int Column) Position(string sql, int offset)
    {
        var line = 1;
        var lineStart = 0;
        var stop = Math.Min(offset, sql.Length);
        for (var i = 0; i < stop; i++)
        {
            if (sql[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }
        return (line, stop - lineStart + 1);
    }

    /// <summary>Offsets of the start of each line, for repeated position look-ups on a long script.</summary>
    public static int[] LineStarts(string sql)
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < sql.Length; i++)
        {
            if (sql[i] == '\n')
            {
                starts.Add(i + 1);
            }
        }
        return [.. starts];
    }

    public static (int Line, int Column) Position(int[] lineStarts, int offset)
    {
        var index = Array.BinarySearch(lineStarts, offset);
        if (index < 0)
        {
            index = ~index - 1;
        }
        return (index + 1, offset - lineStarts[index] + 1);
    }
}
