using Stepwise.Data.Sql;

namespace Stepwise.Data.Lint;

/// <summary>
/// SQLite's smaller rule set, over the statement's words. SQLite has no CONCURRENTLY and one writer at a time, so the
/// rules are about what breaks old code and what its ALTER TABLE cannot do (which needs the table-rebuild recipe).
/// A rebuild (CREATE TABLE new_t …; DROP TABLE t; ALTER TABLE new_t RENAME TO t) keeps the name and is not a drop or a rename.
/// </summary>
internal sealed class SqliteRules
{
    private readonly HashSet<string> createdTables = new(StringComparer.Ordinal);
    private readonly HashSet<string> rebuiltTables;

    public SqliteRules(IReadOnlyList<SqliteStatement> script)
    {
        // Tables dropped and then replaced by a table this file created, renamed to the old name: the rebuild recipe.
        var created = new HashSet<string>(StringComparer.Ordinal);
        rebuiltTables = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in script)
        {
            var w = s.Words;
            if (IsCreateTable(w) is { } name)
            {
                created.Add(name);
            }
            if (w.Count >= 6 && w[0] == "ALTER" && w[1] == "TABLE" && w[3] == "RENAME" && w[4] == "TO" && created.Contains(w[2]))
            {
                rebuiltTables.Add(w[5]);
                rebuiltTables.Add(w[2]);
            }
        }
    }

    private static string? IsCreateTable(IReadOnlyList<string> w)
    {
        var i = 0;
        if (w.Count > 1 && w[0] == "CREATE")
        {
            i = w[1] is "TEMP" or "TEMPORARY" ? 2 : 1;
        }
        if (w.Count <= i + 1 || w[0] != "CREATE" || w[i] != "TABLE")
        {
            return null;
        }
        i++;
        if (w.Count > i + 3 && w[i] == "IF" && w[i + 1] == "NOT" && w[i + 2] == "EXISTS")
        {
            i += 3;
        }
        return w.Count > i ? w[i] : null;
    }

    public List<(LintRule Rule, string Message)> Classify(SqliteStatement statement)
    {
        var found = new List<(LintRule, string)>();
        var w = statement.Words;
        if (IsCreateTable(w) is { } created)
        {
            createdTables.Add(created);
            return found;
        }
        if (w.Count >= 1 && w[0] == "VACUUM")
        {
            found.Add((LintRules.SqliteVacuum, "VACUUM rewrites the database"));
            return found;
        }
        if (w.Count >= 2 && w[0] == "UPDATE")
        {
            // UPDATE [OR conflict-resolution] table SET …: without a WHERE outside parentheses it changes every row.
            var name = w[1] == "OR" && w.Count > 3 ? w[3] : w[1];
            if (!HasTopLevel(w, "WHERE") && !createdTables.Contains(name))
            {
                found.Add((LintRules.BanUnbatchedUpdate, $"updates every row of {name} in one statement"));
            }
            return found;
        }
        if (w.Count >= 3 && w[0] == "DROP" && w[1] == "TABLE")
        {
            var name = w.Count > 4 && w[2] == "IF" && w[3] == "EXISTS" ? w[4] : w[2];
            if (!createdTables.Contains(name) && !rebuiltTables.Contains(name))
            {
                found.Add((LintRules.BanDropTable, $"drops table {name}"));
            }
            return found;
        }
        if (w.Count < 4 || w[0] != "ALTER" || w[1] != "TABLE")
        {
            return found;
        }
        var table = w[2];
        var isNew = createdTables.Contains(table);
        var verb = w[3];
        if (verb == "RENAME")
        {
            if (w.Count > 4 && w[4] == "TO")
            {
                if (!isNew && !rebuiltTables.Contains(table))
                {
                    found.Add((LintRules.RenamingTable, $"renames table {table} to {(w.Count > 5 ? w[5] : "?")}"));
                }
            }
            else if (!isNew)
            {
                var at = w.Count > 4 && w[4] == "COLUMN" ? 5 : 4;
                found.Add((LintRules.RenamingColumn, $"renames column {(w.Count > at ? w[at] : "?")} of {table}"));
            }
        }
        else if (verb == "DROP" && !isNew)
        {
            var at = w.Count > 4 && w[4] == "COLUMN" ? 5 : 4;
            found.Add((LintRules.BanDropColumn, $"drops column {(w.Count > at ? w[at] : "?")} of {table}"));
        }
        else if (verb == "ADD")
        {
            var at = w.Count > 4 && w[4] == "COLUMN" ? 5 : 4;
            var column = w.Count > at ? w[at] : "?";
            var def = w.Skip(at + 1).ToList();
            var defaultAt = def.IndexOf("DEFAULT");
            var hasDefault = defaultAt >= 0 && defaultAt + 1 < def.Count && def[defaultAt + 1] != "NULL";
            if (Contains(def, "PRIMARY", "KEY") || def.Contains("UNIQUE"))
            {
                found.Add((LintRules.SqliteAlterNeedsRebuild, $"adds column {table}.{column} as PRIMARY KEY or UNIQUE"));
            }
            else if (def.Contains("STORED"))
            {
                found.Add((LintRules.SqliteAlterNeedsRebuild, $"adds stored generated column {table}.{column}"));
            }
            else if (defaultAt >= 0 && defaultAt + 1 < def.Count && def[defaultAt + 1] is "(" or "CURRENT_TIME" or "CURRENT_DATE" or "CURRENT_TIMESTAMP")
            {
                found.Add((LintRules.SqliteAlterNeedsRebuild, $"adds column {table}.{column} with a non-constant default"));
            }
            else if (Contains(def, "NOT", "NULL") && !hasDefault && !isNew)
            {
                found.Add((LintRules.AddingRequiredField, $"adds NOT NULL column {table}.{column} without a default"));
            }
        }
        return found;
    }

    private static bool HasTopLevel(IReadOnlyList<string> words, string keyword)
    {
        var depth = 0;
        foreach (var word in words)
        {
            depth += word == "(" ? 1 : word == ")" ? -1 : 0;
            if (depth == 0 && word == keyword)
            {
                return true;
            }
        }
        return false;
    }

    private static bool Contains(List<string> words, string a, string b)
    {
        for (var i = 0; i + 1 < words.Count; i++)
        {
            if (words[i] == a && words[i + 1] == b)
            {
                return true;
            }
        }
        return false;
    }
}
