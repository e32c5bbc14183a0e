using Stepwise.Core.Model;
using Stepwise.Data.Running;

namespace Stepwise.Data.Tests.Running;

/// <summary>SQLite's table-rebuild recipe for what its ALTER TABLE cannot do, as the runner applies it.</summary>
public sealed class SqliteRecipeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Rebuild = """
        CREATE TABLE new_customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL DEFAULT '', created_at TEXT DEFAULT CURRENT_TIMESTAMP);
        INSERT INTO new_customers (id, email) SELECT id, coalesce(email, '') FROM customers;
        DROP TABLE customers;
        ALTER TABLE new_customers RENAME TO customers;
        CREATE INDEX customers_email_idx ON customers (email);
        """;

    [Fact]
    public async Task a_table_rebuild_keeps_rows_and_foreign_keys_and_switches_foreign_keys_back_on()
    {
        using var lite = TestDatabases.NewSqlite();
        lite.Exec("""
            CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id));
            INSERT INTO customers VALUES (1, 'a@x'), (2, NULL);
            INSERT INTO orders VALUES (10, 1), (11, 2);
            """);
        var change = new DataChange("rebuild", ["db"], new SqlPhase(Rebuild, "SELECT 1"), null, null);
        var store = StoreUrl.Parse(lite.Url);
        var withForeignKeys = store with { ConnectionString = store.ConnectionString + ";Foreign Keys=True" };

        await new DataRunner(change, ".").ApplyAsync(withForeignKeys, DataPhaseKind.Expand, Ct);

        lite.Scalar<long>("SELECT count(*) FROM customers").ShouldBe(2);
        lite.Scalar<long>("SELECT count(*) FROM orders JOIN customers ON customers.id = orders.customer_id").ShouldBe(2);
        lite.Scalar<long>("SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'created_at'").ShouldBe(1);
        lite.Scalar<long>("SELECT count(*) FROM pragma_foreign_key_check").ShouldBe(0);
    }

    [Fact]
    public async Task a_rebuild_that_breaks_a_foreign_key_is_rolled_back()
    {
        using var lite = TestDatabases.NewSqlite();
        lite.Exec("""
            CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT);
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id));
            INSERT INTO customers VALUES (1, 'a@x'), (2, 'b@x');
            INSERT INTO orders VALUES (10, 2);
            """);
        // The rebuild "forgets" customer 2, whom order 10 references.
        var broken = Rebuild.Replace("FROM customers;", "FROM customers WHERE id = 1;", StringComparison.Ordinal);
        var change = new DataChange("rebuild", ["db"], new SqlPhase(broken, "SELECT 1"), null, null);
        var runner = new DataRunner(change, ".");
        var store = StoreUrl.Parse(lite.Url);
        var withForeignKeys = store with { ConnectionString = store.ConnectionString + ";Foreign Keys=True" };

        var e = await Should.ThrowAsync<DataPhaseFailedException>(() => runner.ApplyAsync(withForeignKeys, DataPhaseKind.Expand, Ct));
        e.Message.ShouldContain("orders");
        lite.Scalar<long>("SELECT count(*) FROM customers").ShouldBe(2);
        lite.Scalar<long>("SELECT count(*) FROM pragma_table_info('customers') WHERE name = 'created_at'").ShouldBe(0);
    }
}
