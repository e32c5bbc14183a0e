using System.Data;
using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Npgsql;
using Stepwise.Api;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;
using Stepwise.Core.Reconciling;

namespace Stepwise.Server.Store;

/// <summary>
/// The server's durable state, one schema in two dialects (SQLite: one file, WAL, synchronous=FULL, one writer;
/// PostgreSQL: several replicas). Node heartbeat columns (actual release, health, last heartbeat) are written by
/// heartbeat flushes; node control columns (desired release, state) only by the reconciler's tick batches.
/// </summary>
public sealed partial class StateStore : IAsyncDisposable
{
    private readonly SemaphoreSlim writer = new(1, 1);
    private readonly NpgsqlDataSource? postgres;

    private StateStore(StoreUrl url)
    {
        Url = url;
        FlushRows = DefaultFlushRows(url.Dialect);
        if (url.Dialect == StoreDialect.Postgres)
        {
            postgres = NpgsqlDataSource.Create(url.ConnectionString);
        }
    }

    public StoreUrl Url { get; }

    public StoreDialect Dialect => Url.Dialect;

    public static async Task<StateStore> OpenAsync(StoreUrl url, CancellationToken cancellationToken)
    {
        if (url.Dialect == StoreDialect.Sqlite)
        {
            CreatePrivately(url.Path!);
        }
        var store = new StateStore(url);
        await store.MigrateAsync(cancellationToken);
        return store;
    }

    /// <summary>
    /// A new SQLite store file is created readable and writable by its owner only (0600): it holds token hashes and
    /// artifacts. SQLite gives its journal files the same mode.
    /// </summary>
    private static void CreatePrivately(string path)
    {
        if (File.Exists(path) || OperatingSystem.IsWindows())
        {
            return;
        }
        try
        {
            using var _ = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // created meanwhile by another process
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }
        writer.Dispose();
    }

    /// <summary>A new open connection (SQLite: WAL and synchronous=FULL set on it).</summary>
    public async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        if (postgres is not null)
        {
            return await postgres.OpenConnectionAsync(cancellationToken);
        }
        var connection = new SqliteConnection(Url.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;";
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }


    /// <summary>
    /// Runs <paramref name="work"/> in one transaction. SQLite has one writer (serialized here; BEGIN IMMEDIATE so a
    /// transaction never fails half-way on a lock upgrade). On PostgreSQL, <paramref name="session"/> (the leader's
    /// lock-holding connection) is used when given.
    /// </summary>
    private async Task WriteAsync(Func<DbConnection, DbTransaction, Task> work, DbConnection? session, CancellationToken cancellationToken)
    {
        if (Dialect == StoreDialect.Sqlite)
        {
            await writer.WaitAsync(cancellationToken);
            try
            {
                await using var connection = await OpenConnectionAsync(cancellationToken);
                await using var tx = await ((SqliteConnection)connection).BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken);
                await work(connection, tx);
                await tx.CommitAsync(cancellationToken);
            }
            finally
            {
                writer.Release();
            }
            return;
        }
        if (session is not null)
        {
            // The leader session is shared by the reconciler and data-phase completions: one transaction at a time.
            await writer.WaitAsync(cancellationToken);
            try
            {
                await using var tx = await session.BeginTransactionAsync(cancellationToken);
                await work(session, tx);
                await tx.CommitAsync(cancellationToken);
            }
            finally
            {
                writer.Release();
            }
            return;
        }
        await using (var connection = await OpenConnectionAsync(cancellationToken))
        {
            await using var tx = await connection.BeginTransactionAsync(cancellationToken);
            await work(connection, tx);
            await tx.CommitAsync(cancellationToken);
        }
    }

    private static async Task<List<T>> ReadJsonAsync<T>(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        await using var reader = await Command(connection, null, sql).ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(JsonSerializer.Deserialize<T>(reader.GetString(0), SnapshotJson.Options)!);
        }
        return list;
    }

    internal static DbCommand Command(DbConnection connection, DbTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = tx;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }

    private static DateTimeOffset? FromMs(object value) => value is DBNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value));
}
