using System.Data.Common;
using System.Text.Json;
using Stepwise.Core.Fleet;
using Stepwise.Core.Model;

namespace Stepwise.Server.Store;

/// <summary>
/// Analysis samples shared by replicas: every replica flushes the per-stage aggregates of the heartbeats it received,
/// one row per (stage, replica), and the leader judges them all together.
/// </summary>
public sealed partial class StateStore
{
    /// <summary>Writes this replica's aggregates of every stage it collects for (one row per stage, replaced each time).</summary>
    public Task FlushSamplesAsync(string replica, IReadOnlyList<StageSamples> stages, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (stages.Count == 0)
        {
            return Task.CompletedTask;
        }
        return WriteAsync(async (connection, tx) =>
        {
            foreach (var stage in stages)
            {
                await Command(connection, tx,
                    "INSERT INTO analysis_samples (stage, replica, rollout, body, updated_at) VALUES (@stage, @replica, @rollout, @body, @at) " +
                    "ON CONFLICT (stage, replica) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
                    ("stage", stage.Stage), ("replica", replica), ("rollout", stage.Rollout), ("body", JsonSerializer.Serialize(stage, SnapshotJson.Options)),
                    ("at", at.ToUnixTimeMilliseconds())).ExecuteNonQueryAsync(cancellationToken);
            }
        }, null, cancellationToken);
    }

    /// <summary>What other replicas flushed for these stages.</summary>
    public async Task<IReadOnlyList<StageSamples>> LoadSamplesAsync(IReadOnlyCollection<string> stages, string exceptReplica, CancellationToken cancellationToken)
    {
        var list = new List<StageSamples>();
        if (stages.Count == 0)
        {
            return list;
        }
        await using var connection = await OpenConnectionAsync(cancellationToken);
        foreach (var stage in stages)
        {
            await using var reader = await Command(connection, null, "SELECT body FROM analysis_samples WHERE stage = @stage AND replica <> @replica",
                ("stage", stage), ("replica", exceptReplica)).ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Add(JsonSerializer.Deserialize<StageSamples>(reader.GetString(0), SnapshotJson.Options)!);
            }
        }
        return list;
    }

    /// <summary>Removes the rows of stages no longer collected for (the leader keeps the table small).</summary>
    public Task PruneSamplesAsync(IReadOnlyCollection<string> keep, CancellationToken cancellationToken) =>
        WriteAsync(async (connection, tx) =>
        {
            var stale = new List<string>();
            await using (var reader = await Command(connection, tx, "SELECT DISTINCT stage FROM analysis_samples").ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (!keep.Contains(reader.GetString(0)))
                    {
                        stale.Add(reader.GetString(0));
                    }
                }
            }
            foreach (var stage in stale)
            {
                await Command(connection, tx, "DELETE FROM analysis_samples WHERE stage = @stage", ("stage", stage)).ExecuteNonQueryAsync(cancellationToken);
            }
        }, null, cancellationToken);
}
