using Stepwise.Data.Running;

namespace Stepwise.Data.Tests.Running;

/// <summary>One scratch database of either dialect, so that a runner test body covers PostgreSQL and SQLite alike.</summary>
public sealed class TestDb : IAsyncDisposable
{
    private readonly PgScratch? pg;
    private readonly SqliteScratch? lite;

    private TestDb(PgScratch? pg, SqliteScratch? lite)
    {
        this.pg = pg;
        this.lite = lite;
    }

    public static async Task<TestDb> CreateAsync(string dialect)
    {
        if (dialect == "postgres")
        {
            TestDatabases.RequireLibPgQuery();
            return new TestDb(await TestDatabases.NewPostgresAsync(), null);
        }
        return new TestDb(null, TestDatabases.NewSqlite());
    }

    public bool IsPostgres => pg is not null;

    public string Url => pg?.Url ?? lite!.Url;

    public StoreUrl Store => StoreUrl.Parse(Url);

    public string? PostgresConnectionString => pg?.ConnectionString;

    public async Task ExecAsync(string sql)
    {
        if (pg is not null)
        {
            await pg.ExecAsync(sql);
        }
        else
        {
            lite!.Exec(sql);
        }
    }

    public async Task<long> LongAsync(string sql) => pg is not null ? await pg.ScalarAsync<long>(sql) : lite!.Scalar<long>(sql);

    public async Task<bool> ColumnExistsAsync(string table, string column) => pg is not null
        ? await pg.ScalarAsync<long>($"SELECT count(*) FROM information_schema.columns WHERE table_name = '{table}' AND column_name = '{column}'") == 1
        : lite!.Scalar<long>($"SELECT count(*) FROM pragma_table_info('{table}') WHERE name = '{column}'") == 1;

    public async Task<bool> TableExistsAsync(string table) => pg is not null
        ? await pg.ScalarAsync<long>($"SELECT count(*) FROM information_schema.tables WHERE table_name = '{table}'") == 1
        : lite!.Scalar<long>($"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'") == 1;

    /// <summary>customers(id, email, hits) with <paramref name="rows"/> rows; hits counts how often a backfill touched a row.</summary>
    public async Task SeedCustomersAsync(int rows)
    {
        if (pg is not null)
        {
            await ExecAsync($"CREATE TABLE customers (id bigint PRIMARY KEY, email text, hits integer NOT NULL DEFAULT 0); INSERT INTO customers (id, email) SELECT g, 'c' || g || '@example.com' FROM generate_series(1, {rows}) g");
        }
        else
        {
            await ExecAsync($"CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, hits INTEGER NOT NULL DEFAULT 0); WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {rows}) INSERT INTO customers (id, email) SELECT n, 'c' || n || '@example.com' FROM g");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (pg is not null)
        {
            await pg.DisposeAsync();
        }
        lite?.Dispose();
    }
}
