using System.Data.Common;
using Stepwise.Server.Store;

namespace Stepwise.Server.Reconciling;

/// <summary>
/// Who runs the reconciler. SQLite: this process (one file, one server). PostgreSQL: the replica holding a
/// session-level advisory lock; it commits its decisions on that same session, so a replica whose session died
/// (and whose lock another replica may now hold) cannot commit anything.
/// </summary>
public sealed class Leadership(StateStore store) : IAsyncDisposable
{
    /// <summary>The advisory lock key of the reconciler ("STEPLEAD").</summary>
    public const long PostgresLeaderLock = 0x5354_4550_4C45_4144;

    private DbConnection? session;

    public bool IsLeader { get; private set; }

    /// <summary>The lock-holding connection while leading on PostgreSQL; null on SQLite.</summary>
    public DbConnection? Session => session;

    /// <summary>Keeps or tries to take the leadership; returns whether this replica leads now.</summary>
    public async Task<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        if (store.Dialect == StoreDialect.Sqlite)
        {
            IsLeader = true;
            return true;
        }
        if (session is not null)
        {
            try
            {
                await store.PingSessionAsync(session, cancellationToken);
                return true;
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                await StepDownAsync();
                return false;
            }
        }
        var connection = await store.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = StateStore.Command(connection, null, $"SELECT pg_try_advisory_lock({PostgresLeaderLock})");
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                session = connection;
                IsLeader = true;
                return true;
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        await connection.DisposeAsync();
        return false;
    }

    public async Task StepDownAsync()
    {
        IsLeader = false;
        if (session is not null)
        {
            try
            {
                await session.DisposeAsync();
            }
            catch (Exception)
            {
                // The session is already broken; its lock went with it.
            }
            session = null;
        }
    }

    public async ValueTask DisposeAsync() => await StepDownAsync();
}
