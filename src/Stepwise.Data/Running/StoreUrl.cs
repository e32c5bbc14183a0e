using Npgsql;
using Stepwise.Data.Lint;

namespace Stepwise.Data.Running;

/// <summary>A target database named by URL: <c>postgres://user:password@host:port/db?sslmode=…</c> or <c>sqlite:PATH</c>.</summary>
public sealed record StoreUrl(SqlDialect Dialect, string ConnectionString, string Display)
{
    /// <summary>Parses a store URL; throws <see cref="DataInputException"/> with the fix when it is not one.</summary>
    public static StoreUrl Parse(string url)
    {
        if (url.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            var path = url["sqlite:".Length..];
            if (path.StartsWith("//", StringComparison.Ordinal))
            {
                path = path[2..];
            }
            if (path.Length == 0)
            {
                throw new DataInputException($"store URL '{url}' names no file", "write sqlite:PATH, e.g. sqlite:./shop.db");
            }
            return new StoreUrl(SqlDialect.Sqlite, $"Data Source={path};Pooling=False", $"sqlite:{path}");
        }
        if (url.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) || url.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw new DataInputException($"store URL '{url}' is not a valid postgres:// URL", "write postgres://user:password@host:port/database");
            }
            var b = new NpgsqlConnectionStringBuilder
            {
                Host = uri.Host,
                Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
                Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
                // The runner manages its own connections; pooled connections could keep session settings between phases.
                Pooling = false,
            };
            if (uri.UserInfo.Length > 0)
            {
                var parts = uri.UserInfo.Split(':', 2);
                b.Username = Uri.UnescapeDataString(parts[0]);
                if (parts.Length > 1)
                {
                    b.Password = Uri.UnescapeDataString(parts[1]);
                }
            }
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var kv = pair.Split('=', 2);
                var key = Uri.UnescapeDataString(kv[0]);
                try
                {
                    b[key == "sslmode" ? "SSL Mode" : key] = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
                }
                catch (ArgumentException)
                {
                    throw new DataInputException($"store URL '{url}' has an unknown parameter '{key}'", "remove it, or use a connection parameter Npgsql knows (e.g. sslmode)");
                }
            }
            var display = $"postgres://{(b.Username is null ? "" : b.Username + "@")}{b.Host}:{b.Port}/{b.Database}";
            return new StoreUrl(SqlDialect.Postgres, b.ConnectionString, display);
        }
        throw new DataInputException($"unknown store URL '{url}'", "use postgres://user@host:port/database or sqlite:PATH");
    }

    public override string ToString() => Display;
}

/// <summary>Bad input to the data runner (unknown store, phase out of order, irreversible rollback…): exit 2, nothing changed.</summary>
public sealed class DataInputException(string message, string fix) : Exception(message)
{
    public string Fix { get; } = fix;
}
