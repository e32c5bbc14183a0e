using System.Text.Json;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests;

/// <summary>
/// A rollout's JSON (the store's rollout body, the simulator's persisted snapshot) is a compatibility promise between
/// whoever writes it and every Stepwise version that reads it. Fields are only ever added, optional, and read back
/// absent by the previous shape; the store keeps a newer field a previous server can't read in a column of its own.
/// </summary>
public class PersistedRolloutShapeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void a_rollout_body_keeps_its_property_names()
    {
        var rollout = new Rollout("orders-1.1.0-1", "orders", "1.0.0", "1.1.0", RolloutPhase.Paused, T0, 2, ["n1"],
            RolloutPhase.Waves, "why", true, "plan", ApprovalGate.BeforeWaves, T0);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(rollout, SnapshotJson.Options));

        json.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe([
            "id", "service", "from", "to", "phase", "phaseSince", "wave", "canaryNodes", "pausedFrom", "reason",
            "abortRequested", "plan", "waitsFor", "analysedAt",
            // Derived from the phase and written since the first release; readers ignore them on the way in.
            "inFlight", "isTerminal", "canaryRelease",
        ], ignoreOrder: true);
    }

    [Fact]
    public void a_body_written_before_analysedAt_existed_reads_with_no_judgment_yet()
    {
        const string older = """
            {"id":"orders-1.1.0-1","service":"orders","from":"1.0.0","to":"1.1.0","phase":"baking","phaseSince":"2026-01-01T12:00:00+00:00","wave":0,"canaryNodes":["n1"]}
            """;

        var rollout = JsonSerializer.Deserialize<Rollout>(older, SnapshotJson.Options).ShouldNotBeNull();

        rollout.Phase.ShouldBe(RolloutPhase.Baking);
        rollout.AnalysedAt.ShouldBeNull();
    }
}
