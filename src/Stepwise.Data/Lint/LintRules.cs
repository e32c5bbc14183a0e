namespace Stepwise.Data.Lint;

/// <summary>How a statement may be used in a data change. Persisted in JSON/SARIF output: values pinned.</summary>
public enum StatementClass
{
    /// <summary>Compatible with the old and the new code, and cheap on locks: fine in an expand.</summary>
    Safe = 0,

    /// <summary>Breaks code that still runs against the old shape (drop, rename, new required column…): contract phase only.</summary>
    ContractOnly = 1,

    /// <summary>Takes a long blocking lock or rewrites/scans a table under one: unsafe in any phase; use the recipe.</summary>
    Blocking = 2,

    /// <summary>A hygiene note that does not make the statement unsafe.</summary>
    Advice = 3,
}

/// <summary>The SQL dialect a file is linted and run as.</summary>
public enum SqlDialect
{
    Postgres = 0,
    Sqlite = 1,
}

/// <summary>One lint rule: a stable id (squawk's or Atlas's name where the concept is the same), its class, why, and the safe recipe.</summary>
public sealed record LintRule(string Id, StatementClass Class, string Why, string Recipe, SqlDialect[] Dialects);

/// <summary>
/// Every lint rule. Rule ids are a compatibility promise (CI configurations and suppressions name them): the list may only
/// grow, and a rule's id and class never change. docs/data-changes.md lists them all.
/// </summary>
public static class LintRules
{
    private static readonly SqlDialect[] Pg = [SqlDialect.Postgres];
    private static readonly SqlDialect[] Both = [SqlDialect.Postgres, SqlDialect.Sqlite];
    private static readonly SqlDialect[] Lite = [SqlDialect.Sqlite];

    // Contract-only: the statement removes or changes something the old code still uses.
    public static readonly LintRule BanDropColumn = new("ban-drop-column", StatementClass.ContractOnly,
        "dropping a column breaks code that still reads or writes it",
        "stop using the column in every running release first, then drop it in the contract phase", Both);
    public static readonly LintRule BanDropTable = new("ban-drop-table", StatementClass.ContractOnly,
        "dropping a table breaks code that still uses it",
        "stop using the table in every running release first, then drop it in the contract phase", Both);
    public static readonly LintRule BanDropDatabase = new("ban-drop-database", StatementClass.ContractOnly,
        "dropping a database removes everything the running code uses",
        "never drop a database from a migration; do it by hand once nothing uses it", Pg);
    public static readonly LintRule BanDropSchema = new("ban-drop-schema", StatementClass.ContractOnly,
        "dropping a schema removes every object in it that the running code may use",
        "drop the schema in a contract phase once no running release uses anything in it", Pg);
    public static readonly LintRule RenamingColumn = new("renaming-column", StatementClass.ContractOnly,
        "renaming a column breaks code that uses the old name",
        "add the new column in expand, dual-write and backfill, switch readers, then drop the old column in contract", Both);
    public static readonly LintRule RenamingTable = new("renaming-table", StatementClass.ContractOnly,
        "renaming a table (or moving it to another schema) breaks code that uses the old name",
        "create the new table in expand (or a view under the new name), move readers and writers, then drop the old one in contract", Both);
    public static readonly LintRule AddingRequiredField = new("adding-required-field", StatementClass.ContractOnly,
        "a new NOT NULL column without a default makes every insert from the old code fail",
        "add the column nullable or with a DEFAULT in expand; backfill; add NOT NULL in contract (CHECK … NOT VALID, VALIDATE, SET NOT NULL)", Both);
    public static readonly LintRule BanDropNotNull = new("ban-drop-not-null", StatementClass.ContractOnly,
        "dropping NOT NULL lets new code write NULLs that the old code does not expect",
        "drop NOT NULL only once no running release assumes the column is set", Pg);
    public static readonly LintRule BanTruncateCascade = new("ban-truncate-cascade", StatementClass.ContractOnly,
        "TRUNCATE … CASCADE also empties every table that references this one",
        "truncate the tables you mean by name, without CASCADE, in a contract phase", Pg);

    // Blocking: a long lock, a rewrite or a validation scan under a lock that stops reads or writes.
    public static readonly LintRule RequireConcurrentIndexCreation = new("require-concurrent-index-creation", StatementClass.Blocking,
        "CREATE INDEX without CONCURRENTLY blocks writes to the table for the whole build",
        "CREATE INDEX CONCURRENTLY (Stepwise runs it outside a transaction and cleans up an invalid leftover)", Pg);
    public static readonly LintRule RequireConcurrentIndexDeletion = new("require-concurrent-index-deletion", StatementClass.Blocking,
        "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table",
        "DROP INDEX CONCURRENTLY (Stepwise runs it outside a transaction)", Pg);
    public static readonly LintRule RequireConcurrentReindex = new("require-concurrent-reindex", StatementClass.Blocking,
        "REINDEX without CONCURRENTLY blocks writes (and reads that use the index) for the whole rebuild",
        "REINDEX … CONCURRENTLY", Pg);
    public static readonly LintRule BanConcurrentIndexCreationInTransaction = new("ban-concurrent-index-creation-in-transaction", StatementClass.Blocking,
        "CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction block: the file fails part way",
        "remove BEGIN/COMMIT around it; Stepwise runs concurrent index statements outside a transaction by itself", Pg);
    public static readonly LintRule ConstraintMissingNotValid = new("constraint-missing-not-valid", StatementClass.Blocking,
        "a new CHECK constraint scans the whole table while it holds a lock that blocks writes",
        "ADD CONSTRAINT … NOT VALID, then VALIDATE CONSTRAINT in a separate transaction (Stepwise splits it this way when it runs the phase)", Pg);
    public static readonly LintRule AddingForeignKeyConstraint = new("adding-foreign-key-constraint", StatementClass.Blocking,
        "a new foreign key scans the table under a SHARE ROW EXCLUSIVE lock on both tables, blocking their writes",
        "ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then VALIDATE CONSTRAINT in a separate transaction", Pg);
    public static readonly LintRule DisallowedUniqueConstraint = new("disallowed-unique-constraint", StatementClass.Blocking,
        "adding a UNIQUE constraint builds its index under an ACCESS EXCLUSIVE lock",
        "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … UNIQUE USING INDEX", Pg);
    public static readonly LintRule AddingSerialPrimaryKeyField = new("adding-serial-primary-key-field", StatementClass.Blocking,
        "adding a PRIMARY KEY builds its index (and checks NOT NULL) under an ACCESS EXCLUSIVE lock",
        "CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … PRIMARY KEY USING INDEX", Pg);
    public static readonly LintRule AddingFieldWithDefault = new("adding-field-with-default", StatementClass.Blocking,
        "a column with a volatile default, a serial or identity column, or a stored generated column rewrites the table under an ACCESS EXCLUSIVE lock",
        "add the column without the default (or with a constant one), set the default, and backfill the existing rows in a backfill phase", Pg);
    public static readonly LintRule ChangingColumnType = new("changing-column-type", StatementClass.Blocking,
        "changing a column's type rewrites the table under an ACCESS EXCLUSIVE lock and breaks code that reads the old type",
        "add a column of the new type in expand, dual-write and backfill, switch readers, drop the old column in contract", Pg);
    public static readonly LintRule AddingNotNullableField = new("adding-not-nullable-field", StatementClass.Blocking,
        "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock (and breaks old code that writes NULL)",
        "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c; then SET NOT NULL (no scan) and drop c, in the contract phase", Pg);
    public static readonly LintRule BanAlterDomainWithAddConstraint = new("ban-alter-domain-with-add-constraint", StatementClass.Blocking,
        "adding a constraint to a domain validates every column of that domain in every table under lock",
        "use a table CHECK constraint added NOT VALID and validated separately", Pg);
    public static readonly LintRule BanVacuumFull = new("ban-vacuum-full", StatementClass.Blocking,
        "VACUUM FULL (and CLUSTER) rewrite the table under an ACCESS EXCLUSIVE lock",
        "use plain VACUUM, or an online repack tool outside the migration", Pg);
    public static readonly LintRule BanExplicitLock = new("ban-explicit-lock", StatementClass.Blocking,
        "an explicit LOCK TABLE holds the lock until the transaction ends",
        "remove the LOCK; Stepwise already runs each statement with lock_timeout and retries", Pg);
    public static readonly LintRule BanUnbatchedUpdate = new("ban-unbatched-update", StatementClass.Blocking,
        "an UPDATE without WHERE changes every row of the table in one transaction: it holds each row's lock (SQLite: the database's write lock) until it commits, so the application's writes to those rows wait for the whole table, and a large table bloats",
        "write it as the data change's backfill (key, batchSize, pause): Stepwise updates the rows in keyset batches, each committed on its own, with a pause between them", Both);
    public static readonly LintRule SqliteAlterNeedsRebuild = new("sqlite-alter-needs-rebuild", StatementClass.Blocking,
        "SQLite's ALTER TABLE cannot do this (a PRIMARY KEY/UNIQUE column, a non-constant default, a stored generated column, a changed column)",
        "use the table-rebuild recipe: CREATE TABLE new_t (…); INSERT INTO new_t SELECT … FROM t; DROP TABLE t; ALTER TABLE new_t RENAME TO t; recreate indexes and triggers (Stepwise runs it with foreign keys off and checks them before commit)", Lite);
    public static readonly LintRule SqliteVacuum = new("sqlite-vacuum", StatementClass.Blocking,
        "VACUUM rewrites the whole database file and blocks every writer for its duration",
        "run VACUUM in a maintenance window, not in a data change", Lite);

    // Advice: schema hygiene; never changes the verdict.
    public static readonly LintRule PreferTextField = new("prefer-text-field", StatementClass.Advice,
        "a varchar(n) length can only be changed later with a type change",
        "use text with a CHECK (char_length(col) <= n) constraint", Pg);
    public static readonly LintRule PreferBigintOverInt = new("prefer-bigint-over-int", StatementClass.Advice,
        "32-bit integer keys and counters run out",
        "use bigint", Pg);
    public static readonly LintRule PreferTimestampTz = new("prefer-timestamp-tz", StatementClass.Advice,
        "timestamp without time zone drops the UTC offset",
        "use timestamptz", Pg);
    public static readonly LintRule BanCharField = new("ban-char-field", StatementClass.Advice,
        "char(n) pads with spaces and is almost always a mistake",
        "use text", Pg);
    public static readonly LintRule PreferIdentity = new("prefer-identity", StatementClass.Advice,
        "serial types make ownership and permissions of the sequence awkward",
        "use GENERATED BY DEFAULT AS IDENTITY", Pg);
    public static readonly LintRule RequireEnumValueOrdering = new("require-enum-value-ordering", StatementClass.Advice,
        "ADD VALUE without BEFORE/AFTER appends the value at the end of the enum's order",
        "say where it goes with BEFORE or AFTER", Pg);
    public static readonly LintRule BanCreateDomainWithConstraint = new("ban-create-domain-with-constraint", StatementClass.Advice,
        "constraints on domains cannot be added or changed online later",
        "put the constraint on the table columns instead", Pg);
    public static readonly LintRule RequireLockTimeout = new("require-lock-timeout", StatementClass.Advice,
        "a file run outside Stepwise has no lock_timeout: a statement waiting for a lock blocks everything queued behind it",
        "SET lock_timeout = '2s' at the top (Stepwise sets it itself when it runs a phase)", Pg);
    public static readonly LintRule RequireStatementTimeout = new("require-statement-timeout", StatementClass.Advice,
        "a file run outside Stepwise has no statement_timeout",
        "SET statement_timeout at the top (Stepwise sets it itself when it runs a phase)", Pg);

    /// <summary>Every rule, in the order docs/data-changes.md lists them.</summary>
    public static IReadOnlyList<LintRule> All { get; } =
    [
        BanDropColumn, BanDropTable, BanDropDatabase, BanDropSchema, RenamingColumn, RenamingTable, AddingRequiredField, BanDropNotNull, BanTruncateCascade,
        RequireConcurrentIndexCreation, RequireConcurrentIndexDeletion, RequireConcurrentReindex, BanConcurrentIndexCreationInTransaction,
        ConstraintMissingNotValid, AddingForeignKeyConstraint, DisallowedUniqueConstraint, AddingSerialPrimaryKeyField, AddingFieldWithDefault,
        ChangingColumnType, AddingNotNullableField, BanAlterDomainWithAddConstraint, BanVacuumFull, BanExplicitLock, BanUnbatchedUpdate, SqliteAlterNeedsRebuild, SqliteVacuum,
        PreferTextField, PreferBigintOverInt, PreferTimestampTz, BanCharField, PreferIdentity, RequireEnumValueOrdering, BanCreateDomainWithConstraint,
        RequireLockTimeout, RequireStatementTimeout,
    ];

    public static LintRule? Find(string id) => All.FirstOrDefault(r => r.Id == id);
}
