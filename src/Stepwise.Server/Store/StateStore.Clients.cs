using System.Data.Common;
using Stepwise.Core.Model;

namespace Stepwise.Server.Store;

/// <summary>
/// Client telemetry (G8): calls summed per (service, UTC day, client app, version, operation). A row's count saturates
/// at <see cref="MaxCallsPerRow"/>, so no sum over the rows of a key within any retention can overflow.
/// </summary>
public sealed partial class StateStore
{
    /// <summary>The most one row counts (10^15): a key's sum over 9,000 days still fits a 64-bit integer.</summary>
    public const long MaxCallsPerRow = 1_000_000_000_000_000;

    private const long MillisecondsPerDay = 86_400_000;

    /// <summary>The UTC day a time falls in, as rows count it (days since 1970-01-01).</summary>
    public static long DayOf(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / MillisecondsPerDay;

    /// <summary>
    /// Adds summed calls to their (service, day, app, version, operation) rows, all in one transaction: a row's calls
    /// grow by the row given (saturating), its last-seen time becomes the later of the two.
    /// </summary>
    public Task WriteClientCallsAsync(IReadOnlyList<ClientCallRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return Task.CompletedTask;
        }
        var later = Dialect == StoreDialect.Sqlite ? "max(client_calls.last_seen, excluded.last_seen)" : "GREATEST(client_calls.last_seen, excluded.last_seen)";
        var sql = "INSERT INTO client_calls (service, day, app, version, operation, calls, last_seen) VALUES (@service, @day, @app, @version, @operation, @calls, @at) " +
                  "ON CONFLICT (service, day, app, version, operation) DO UPDATE SET " +
                  "calls = CASE WHEN client_calls.calls > @cap - excluded.calls THEN @cap ELSE client_calls.calls + excluded.calls END, " +
                  $"last_seen = {later}";
        return WriteAsync(async (connection, tx) =>
        {
            // Parameters named as written (with the @) and set through references: no lookup by name per row.
            await using var command = Command(connection, tx, sql, ("@service", ""), ("@day", 0L), ("@app", ""), ("@version", ""), ("@operation", ""),
                ("@calls", 0L), ("@at", 0L), ("@cap", MaxCallsPerRow));
            await command.PrepareAsync(cancellationToken);
            var p = command.Parameters;
            foreach (var row in rows)
            {
                p[0].Value = row.Service;
                p[1].Value = row.Day;
                p[2].Value = row.App;
                p[3].Value = row.Version;
                p[4].Value = row.Operation;
                p[5].Value = Math.Min(row.Calls, MaxCallsPerRow);
                p[6].Value = row.LastSeenMs;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }, null, cancellationToken);
    }

    /// <summary>The calls since <paramref name="since"/> (whole UTC days), per (service, operation, app, version), optionally of one service or operation.</summary>
    public async Task<IReadOnlyList<ClientCalls>> LoadClientCallsAsync(DateTimeOffset since, string? service, string? operation, CancellationToken cancellationToken)
    {
        var fromDay = since.ToUnixTimeMilliseconds() / MillisecondsPerDay;
        var sql = "SELECT service, operation, app, version, SUM(calls), MAX(last_seen) FROM client_calls WHERE day >= @day AND last_seen > @since" +
                  (service is null ? "" : " AND service = @service") + (operation is null ? "" : " AND operation = @operation") +
                  " GROUP BY service, operation, app, version";
        await using var connection = await OpenConnectionAsync(cancellationToken);
        var parameters = new List<(string, object?)> { ("day", fromDay), ("since", since.ToUnixTimeMilliseconds()) };
        if (service is not null)
        {
            parameters.Add(("service", service));
        }
        if (operation is not null)
        {
            parameters.Add(("operation", operation));
        }
        var list = new List<ClientCalls>();
        await using var reader = await Command(connection, null, sql, [.. parameters]).ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new ClientCalls(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                Convert.ToInt64(reader.GetValue(4), System.Globalization.CultureInfo.InvariantCulture), FromMs(reader.GetValue(5))!.Value));
        }
        return list;
    }

    /// <summary>Deletes the days wholly before <paramref name="before"/> (retention); returns how many rows went.</summary>
    public async Task<int> PruneClientCallsAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var deleted = 0;
        await WriteAsync(async (connection, tx) =>
        {
            deleted = await Command(connection, tx, "DELETE FROM client_calls WHERE day < @day", ("day", before.ToUnixTimeMilliseconds() / MillisecondsPerDay))
                .ExecuteNonQueryAsync(cancellationToken);
        }, null, cancellationToken);
        return deleted;
    }

    /// <summary>How many rows the client telemetry holds (bounded by keys × days).</summary>
    public async Task<long> ClientCallRowsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(cancellationToken);
        return Convert.ToInt64(await Command(connection, null, "SELECT COUNT(*) FROM client_calls").ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }
}
