using Microsoft.Data.Sqlite;

namespace Stepwise.Samples.Orders;

public sealed record Order(long Id, string Item, int Quantity, string? Email);

/// <summary>
/// The orders table in SQLite. The baseline schema keeps the address in <c>customer_email</c>; the data change
/// <c>contact-email</c> adds <c>contact_email</c> (expand), copies the addresses (backfill) and finally drops
/// <c>customer_email</c> (contract). Releases that use the new column read it and write both while both exist.
/// </summary>
public sealed class OrdersStore(string path, ReleaseBehaviour release)
{
    /// <summary>Whether this release uses contact_email: as declared, or (null) whenever the column exists.</summary>
    private bool UsesContactEmail => release.UsesContactEmail ?? Columns().Contains("contact_email");

    public const string BaselineSchema =
        "CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY AUTOINCREMENT, item TEXT NOT NULL, quantity INTEGER NOT NULL, customer_email TEXT)";

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 10 }.ToString());
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 10000";
        pragma.ExecuteNonQuery();
        return connection;
    }

    public void EnsureBaseline()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL; " + BaselineSchema;
        command.ExecuteNonQuery();
    }

    public IReadOnlySet<string> Columns()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM pragma_table_info('orders')";
        using var reader = command.ExecuteReader();
        var columns = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            columns.Add(reader.GetString(0));
        }
        return columns;
    }

    /// <summary>Whether this release can run on the schema as it is now.</summary>
    public string? SchemaProblem()
    {
        var columns = Columns();
        if (!columns.Contains("id"))
        {
            return "table 'orders' is missing";
        }
        if (release.UsesContactEmail == true && !columns.Contains("contact_email"))
        {
            return $"release {release.Version} needs column orders.contact_email (data change contact-email: expand)";
        }
        if (release.UsesContactEmail == false && !columns.Contains("customer_email"))
        {
            return $"release {release.Version} needs column orders.customer_email, which was contracted away";
        }
        return null;
    }

    public Order Add(string item, int quantity, string? email)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var usesContact = UsesContactEmail;
        var columns = usesContact ? Columns() : null;
        command.CommandText = (usesContact, columns?.Contains("customer_email") == true) switch
        {
            (false, _) => "INSERT INTO orders (item, quantity, customer_email) VALUES ($item, $quantity, $email) RETURNING id",
            (true, true) => "INSERT INTO orders (item, quantity, customer_email, contact_email) VALUES ($item, $quantity, $email, $email) RETURNING id",
            (true, false) => "INSERT INTO orders (item, quantity, contact_email) VALUES ($item, $quantity, $email) RETURNING id",
        };
        command.Parameters.AddWithValue("$item", item);
        command.Parameters.AddWithValue("$quantity", quantity);
        command.Parameters.AddWithValue("$email", (object?)email ?? DBNull.Value);
        var id = (long)command.ExecuteScalar()!;
        return new Order(id, item, quantity, email);
    }

    public Order? Get(long id) => Query("WHERE id = $id", id).FirstOrDefault();

    public IReadOnlyList<Order> Latest(int limit) => Query($"ORDER BY id DESC LIMIT {limit}", null);

    public bool Delete(long id)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM orders WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() > 0;
    }

    private List<Order> Query(string tail, long? id)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var email = UsesContactEmail ? "contact_email" : "customer_email";
        command.CommandText = $"SELECT id, item, quantity, {email} FROM orders {tail}";
        if (id is { } value)
        {
            command.Parameters.AddWithValue("$id", value);
        }
        using var reader = command.ExecuteReader();
        var orders = new List<Order>();
        while (reader.Read())
        {
            orders.Add(new Order(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        return orders;
    }
}
