using System.Text.Json;
using Stepwise.Data.Sql;

namespace Stepwise.Data.Lint;

/// <summary>
/// Classifies PostgreSQL statements from libpg_query's parse tree. Stateful across the statements of one file: it knows which
/// tables the file itself creates (new, empty, unused tables need no online recipe) and whether a transaction block is open.
/// </summary>
internal sealed class PostgresRules
{
    private readonly HashSet<string> createdTables = new(StringComparer.Ordinal);
    private bool inTransaction;

    public bool SetsLockTimeout { get; private set; }
    public bool SetsStatementTimeout { get; private set; }

    // Defaults that are not volatile: PostgreSQL 11+ stores them in the catalog without rewriting the table.
    private static readonly HashSet<string> NonVolatileFunctions = new(StringComparer.OrdinalIgnoreCase)
    {
        "now", "statement_timestamp", "transaction_timestamp", "current_date", "current_time", "current_timestamp", "localtime", "localtimestamp",
        "lower", "upper", "length", "char_length", "abs", "coalesce", "nullif", "greatest", "least", "concat", "md5", "to_jsonb", "jsonb_build_object",
        "json_build_object", "array", "make_date", "make_timestamp", "make_timestamptz", "make_interval", "to_timestamp", "to_date", "to_char",
        "current_user", "current_setting", "inet", "int4range", "int8range", "tstzrange", "daterange",
    };

    public List<(LintRule Rule, string Message)> Classify(PgStatement statement)
    {
        var found = new List<(LintRule, string)>();
        var n = statement.Node;
        switch (statement.Kind)
        {
            case "TransactionStmt":
                var kind = Str(n, "kind");
                if (kind is "TRANS_STMT_BEGIN" or "TRANS_STMT_START")
                {
                    inTransaction = true;
                }
                else if (kind is "TRANS_STMT_COMMIT" or "TRANS_STMT_ROLLBACK" or "TRANS_STMT_COMMIT_PREPARED" or "TRANS_STMT_ROLLBACK_PREPARED" or "TRANS_STMT_PREPARE")
                {
                    inTransaction = false;
                }
                break;
            case "VariableSetStmt":
                var name = Str(n, "name");
                SetsLockTimeout |= name == "lock_timeout";
                SetsStatementTimeout |= name == "statement_timeout";
                break;
            case "CreateStmt":
                createdTables.Add(TableName(n.GetProperty("relation")));
                foreach (var element in Arr(n, "tableElts"))
                {
                    if (element.TryGetProperty("ColumnDef", out var col))
                    {
                        TypeAdvice(col, found);
                    }
                }
                break;
            case "AlterTableStmt":
                AlterTable(n, found);
                break;
            case "RenameStmt":
                var renameType = Str(n, "renameType");
                if (renameType == "OBJECT_COLUMN" && !IsNew(n))
                {
                    found.Add((LintRules.RenamingColumn, $"renames column {Str(n, "subname")} of {Rel(n)} to {Str(n, "newname")}"));
                }
                else if (renameType == "OBJECT_TABLE" && !IsNew(n))
                {
                    found.Add((LintRules.RenamingTable, $"renames table {Rel(n)} to {Str(n, "newname")}"));
                }
                break;
            case "AlterObjectSchemaStmt":
                if (Str(n, "objectType") == "OBJECT_TABLE" && !IsNew(n))
                {
                    found.Add((LintRules.RenamingTable, $"moves table {Rel(n)} to schema {Str(n, "newschema")}"));
                }
                break;
            case "DropStmt":
                Drop(n, found);
                break;
            case "DropdbStmt":
                found.Add((LintRules.BanDropDatabase, $"drops database {Str(n, "dbname")}"));
                break;
            case "IndexStmt":
                var table = n.TryGetProperty("relation", out var rel) ? TableName(rel) : "";
                var concurrent = Bool(n, "concurrent");
                if (concurrent && inTransaction)
                {
                    found.Add((LintRules.BanConcurrentIndexCreationInTransaction, $"CREATE INDEX CONCURRENTLY on {table} inside BEGIN … COMMIT"));
                }
                else if (!concurrent && !createdTables.Contains(table))
                {
                    found.Add((LintRules.RequireConcurrentIndexCreation, $"builds index {Str(n, "idxname") ?? "(unnamed)"} on {table} without CONCURRENTLY"));
                }
                break;
            case "ReindexStmt":
                if (!Arr(n, "params").Any(p => p.TryGetProperty("DefElem", out var d) && Str(d, "defname") == "concurrently"))
                {
                    found.Add((LintRules.RequireConcurrentReindex, "REINDEX without CONCURRENTLY"));
                }
                break;
            case "TruncateStmt":
                if (Str(n, "behavior") == "DROP_CASCADE")
                {
                    found.Add((LintRules.BanTruncateCascade, "TRUNCATE … CASCADE"));
                }
                break;
            case "VacuumStmt":
                if (Arr(n, "options").Any(p => p.TryGetProperty("DefElem", out var d) && Str(d, "defname") == "full"))
                {
                    found.Add((LintRules.BanVacuumFull, "VACUUM FULL rewrites the table"));
                }
                break;
            case "ClusterStmt":
                found.Add((LintRules.BanVacuumFull, "CLUSTER rewrites the table"));
                break;
            case "UpdateStmt":
                // A new table is empty and unused; any WHERE, however wide, is the author's choice of rows.
                var updated = TableName(n.GetProperty("relation"));
                if (!n.TryGetProperty("whereClause", out _) && !createdTables.Contains(updated))
                {
                    found.Add((LintRules.BanUnbatchedUpdate, $"updates every row of {updated} in one statement"));
                }
                break;
            case "LockStmt":
                found.Add((LintRules.BanExplicitLock, "LOCK TABLE"));
                break;
            case "AlterDomainStmt":
                if (Str(n, "subtype") == "C")
                {
                    found.Add((LintRules.BanAlterDomainWithAddConstraint, "adds a constraint to a domain"));
                }
                break;
            case "CreateDomainStmt":
                if (Arr(n, "constraints").Any())
                {
                    found.Add((LintRules.BanCreateDomainWithConstraint, "creates a domain with a constraint"));
                }
                break;
            case "AlterEnumStmt":
                if (Str(n, "newVal") is not null && Str(n, "newValNeighbor") is null)
                {
                    found.Add((LintRules.RequireEnumValueOrdering, $"adds enum value '{Str(n, "newVal")}' without BEFORE/AFTER"));
                }
                break;
        }
        return found;
    }

    private void AlterTable(JsonElement n, List<(LintRule, string)> found)
    {
        if (Str(n, "objtype") is { } objtype && objtype != "OBJECT_TABLE")
        {
            return;
        }
        var table = TableName(n.GetProperty("relation"));
        var isNew = createdTables.Contains(table);
        foreach (var item in Arr(n, "cmds"))
        {
            if (!item.TryGetProperty("AlterTableCmd", out var cmd))
            {
                continue;
            }
            var column = Str(cmd, "name");
            switch (Str(cmd, "subtype"))
            {
                case "AT_AddColumn":
                    if (cmd.TryGetProperty("def", out var def) && def.TryGetProperty("ColumnDef", out var col))
                    {
                        AddColumn(table, isNew, col, found);
                    }
                    break;
                case "AT_DropColumn":
                    if (!isNew)
                    {
                        found.Add((LintRules.BanDropColumn, $"drops column {column} of {table}"));
                    }
                    break;
                case "AT_AlterColumnType":
                    if (!isNew)
                    {
                        found.Add((LintRules.ChangingColumnType, $"changes the type of {table}.{column}"));
                    }
                    break;
                case "AT_SetNotNull":
                    if (!isNew)
                    {
                        found.Add((LintRules.AddingNotNullableField, $"sets {table}.{column} NOT NULL"));
                    }
                    break;
                case "AT_DropNotNull":
                    if (!isNew)
                    {
                        found.Add((LintRules.BanDropNotNull, $"drops NOT NULL from {table}.{column}"));
                    }
                    break;
                case "AT_AddConstraint":
                    if (!isNew && cmd.TryGetProperty("def", out var cdef) && cdef.TryGetProperty("Constraint", out var con))
                    {
                        AddConstraint(table, con, found);
                    }
                    break;
            }
        }
    }

    private static void AddConstraint(string table, JsonElement con, List<(LintRule, string)> found)
    {
        var name = Str(con, "conname") ?? "(unnamed)";
        var notValid = Bool(con, "skip_validation");
        switch (Str(con, "contype"))
        {
            case "CONSTR_CHECK" when !notValid:
                found.Add((LintRules.ConstraintMissingNotValid, $"adds CHECK constraint {name} to {table} without NOT VALID"));
                break;
            case "CONSTR_EXCLUSION":
                found.Add((LintRules.ConstraintMissingNotValid, $"adds exclusion constraint {name} to {table}: it builds its index and checks every row under lock"));
                break;
            case "CONSTR_FOREIGN" when !notValid:
                found.Add((LintRules.AddingForeignKeyConstraint, $"adds foreign key {name} to {table} without NOT VALID"));
                break;
            case "CONSTR_UNIQUE" when Str(con, "indexname") is null:
                found.Add((LintRules.DisallowedUniqueConstraint, $"adds UNIQUE constraint {name} to {table} without USING INDEX"));
                break;
            case "CONSTR_PRIMARY" when Str(con, "indexname") is null:
                found.Add((LintRules.AddingSerialPrimaryKeyField, $"adds a PRIMARY KEY to {table} without USING INDEX"));
                break;
        }
    }

    private void AddColumn(string table, bool isNew, JsonElement col, List<(LintRule, string)> found)
    {
        var name = Str(col, "colname");
        var type = TypeName(col);
        TypeAdvice(col, found);
        if (isNew)
        {
            return;
        }
        var constraints = Arr(col, "constraints").Where(c => c.TryGetProperty("Constraint", out _)).Select(c => c.GetProperty("Constraint")).ToList();
        var notNull = constraints.Any(c => Str(c, "contype") == "CONSTR_NOTNULL");
        var defaultExpr = constraints.Where(c => Str(c, "contype") == "CONSTR_DEFAULT").Select(c => c.TryGetProperty("raw_expr", out var e) ? e : (JsonElement?)null).FirstOrDefault();
        var isSerial = type is "serial" or "serial4" or "bigserial" or "serial8" or "smallserial" or "serial2";
        var generated = constraints.Any(c => Str(c, "contype") is "CONSTR_IDENTITY" or "CONSTR_GENERATED");
        if (isSerial || generated)
        {
            found.Add((LintRules.AddingFieldWithDefault, $"adds {(isSerial ? "serial" : "identity or stored generated")} column {table}.{name}: every existing row is written"));
        }
        else if (defaultExpr is { } expr && IsVolatile(expr))
        {
            found.Add((LintRules.AddingFieldWithDefault, $"adds column {table}.{name} with a volatile default: every existing row is written"));
        }
        if (notNull && defaultExpr is null && !isSerial && !generated)
        {
            found.Add((LintRules.AddingRequiredField, $"adds NOT NULL column {table}.{name} without a default"));
        }
        foreach (var c in constraints)
        {
            switch (Str(c, "contype"))
            {
                case "CONSTR_PRIMARY":
                    found.Add((LintRules.AddingSerialPrimaryKeyField, $"adds column {table}.{name} as PRIMARY KEY"));
                    break;
                case "CONSTR_UNIQUE":
                    found.Add((LintRules.DisallowedUniqueConstraint, $"adds column {table}.{name} as UNIQUE"));
                    break;
                case "CONSTR_FOREIGN" when !Bool(c, "skip_validation"):
                    found.Add((LintRules.AddingForeignKeyConstraint, $"adds column {table}.{name} with a foreign key"));
                    break;
            }
        }
    }

    private static void TypeAdvice(JsonElement col, List<(LintRule, string)> found)
    {
        var name = Str(col, "colname");
        switch (TypeName(col))
        {
            case "varchar":
                found.Add((LintRules.PreferTextField, $"column {name} is varchar(n)"));
                break;
            case "int4" or "int2":
                found.Add((LintRules.PreferBigintOverInt, $"column {name} is a 32-bit or 16-bit integer"));
                break;
            case "serial" or "serial4" or "smallserial" or "serial2":
                found.Add((LintRules.PreferBigintOverInt, $"column {name} is a 32-bit or 16-bit serial"));
                found.Add((LintRules.PreferIdentity, $"column {name} is serial"));
                break;
            case "bigserial" or "serial8":
                found.Add((LintRules.PreferIdentity, $"column {name} is bigserial"));
                break;
            case "timestamp":
                found.Add((LintRules.PreferTimestampTz, $"column {name} is timestamp without time zone"));
                break;
            case "bpchar":
                found.Add((LintRules.BanCharField, $"column {name} is char(n)"));
                break;
        }
    }

    private void Drop(JsonElement n, List<(LintRule, string)> found)
    {
        var objects = Arr(n, "objects").Select(ObjectName).ToList();
        switch (Str(n, "removeType"))
        {
            case "OBJECT_TABLE":
                foreach (var o in objects.Where(o => !createdTables.Contains(o)))
                {
                    found.Add((LintRules.BanDropTable, $"drops table {o}"));
                }
                break;
            case "OBJECT_SCHEMA":
                found.Add((LintRules.BanDropSchema, $"drops schema {string.Join(", ", objects)}"));
                break;
            case "OBJECT_INDEX":
                if (Bool(n, "concurrent") && inTransaction)
                {
                    found.Add((LintRules.BanConcurrentIndexCreationInTransaction, "DROP INDEX CONCURRENTLY inside BEGIN … COMMIT"));
                }
                else if (!Bool(n, "concurrent"))
                {
                    found.Add((LintRules.RequireConcurrentIndexDeletion, $"drops index {string.Join(", ", objects)} without CONCURRENTLY"));
                }
                break;
        }
    }

    private static bool IsVolatile(JsonElement expr)
    {
        var node = expr.EnumerateObject().FirstOrDefault();
        switch (node.Name)
        {
            case "A_Const" or "SQLValueFunction" or null:
                return false;
            case "TypeCast":
                return node.Value.TryGetProperty("arg", out var arg) && IsVolatile(arg);
            case "FuncCall":
                var fname = Arr(node.Value, "funcname").Select(f => f.TryGetProperty("String", out var s) ? Str(s, "sval") : null).LastOrDefault();
                return fname is null || !NonVolatileFunctions.Contains(fname) || Arr(node.Value, "args").Any(IsVolatile);
            case "A_Expr":
                return (node.Value.TryGetProperty("lexpr", out var l) && IsVolatile(l)) || (node.Value.TryGetProperty("rexpr", out var r) && IsVolatile(r));
            case "A_ArrayExpr":
                return Arr(node.Value, "elements").Any(IsVolatile);
            default:
                return true;
        }
    }

    private bool IsNew(JsonElement n) => n.TryGetProperty("relation", out var rel) && createdTables.Contains(TableName(rel));

    private static string Rel(JsonElement n) => n.TryGetProperty("relation", out var rel) ? TableName(rel) : "?";

    internal static string TableName(JsonElement relation) =>
        Str(relation, "schemaname") is { } schema ? $"{schema}.{Str(relation, "relname")}" : Str(relation, "relname") ?? "?";

    private static string ObjectName(JsonElement o)
    {
        var items = o.TryGetProperty("List", out var list) ? Arr(list, "items") : [o];
        return string.Join(".", items.Select(i => i.TryGetProperty("String", out var s) ? Str(s, "sval") : "?"));
    }

    private static string? TypeName(JsonElement col) =>
        col.TryGetProperty("typeName", out var t) ? Arr(t, "names").Select(x => x.TryGetProperty("String", out var s) ? Str(s, "sval") : null).LastOrDefault() : null;

    internal static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    internal static bool Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    internal static IEnumerable<JsonElement> Arr(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];
}
