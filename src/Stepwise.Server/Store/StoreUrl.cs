namespace Stepwise.Server.Store;

/// <summary>Which database holds the server's state. Two dialects of one schema.</summary>
public enum StoreDialect
{
    Sqlite = 0,
    Postgres = 1,
}

/// <summary>
/// A parsed <c>--store</c> value: <c>sqlite:PATH</c> (one file, the default) or <c>postgres://user:password@host:port/db</c>.
/// </summary>
/// <param name="Path">SQLite: the database file.</param>
public sealed record StoreUrl(StoreDialect Dialect, string ConnectionString, string Display, string? Path = null)
{
    public static StoreUrl Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["sqlite:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }
            if (path.Length == 0)
            {
                throw new FormatException("--store sqlite: needs a file path, e.g. sqlite:stepwise.db");
            }
            var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                DefaultTimeout = 30,
            };
            return new StoreUrl(StoreDialect.Sqlite, builder.ToString(), $"sqlite:{path}", path);
        }
        if (text.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw new FormatException($"--store {Redact(text)}: not a valid URL; write postgres://user:password@host:5432/database");
            }
            var builder = new Npgsql.NpgsqlConnectionStringBuilder
            {
                Host = uri.Host,
                Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
                Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
            };
            if (uri.UserInfo.Length > 0)
            {
                var parts = uri.UserInfo.Split(':', 2);
                builder.Username = Uri.UnescapeDataString(parts[0]);
                if (parts.Length == 2)
                {
                    builder.Password = Uri.UnescapeDataString(parts[1]);
                }
            }
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                builder[Uri.UnescapeDataString(kv[0])] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            }
            return new StoreUrl(StoreDialect.Postgres, builder.ToString(), Redact(text));
        }
        throw new FormatException($"--store {Redact(text)}: unknown store; write sqlite:PATH or postgres://user:password@host:5432/database");
    }

    /// <summary>The URL without its password, for logs and errors.</summary>
    public static string Redact(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (at < 0 || scheme < 0 || at < scheme)
        {
            return text;
        }
        var colon = text.IndexOf(':', scheme + 3);
        return colon > 0 && colon < at ? text[..(colon + 1)] + "***" + text[at..] : text;
    }
}
