using Stepwise.Core.Model;

namespace Stepwise.Core.Tests;

/// <summary>A data change's progress, as the metrics and the dashboard show it.</summary>
public class DataChangeProgressTests
{
    private static readonly DataChange Rename = new("rename-email", ["a-db", "b-db"],
        new SqlPhase("ALTER TABLE t ADD COLUMN e2 TEXT", "ALTER TABLE t DROP COLUMN e2"),
        new BackfillSpec("t", "id", "e2 = e", "e2 IS NULL", 1000, TimeSpan.Zero, null),
        null);

    [Fact]
    public void progress_is_the_share_of_its_phases_on_its_stores_that_are_complete()
    {
        Rename.ProgressOf([]).ShouldBe(0);
        var states = new[]
        {
            new DataPhaseStatus("rename-email", DataPhaseKind.Expand, "a-db", DataPhaseState.Complete),
            new DataPhaseStatus("rename-email", DataPhaseKind.Expand, "b-db", DataPhaseState.Complete),
            new DataPhaseStatus("rename-email", DataPhaseKind.Backfill, "a-db", DataPhaseState.Running),
            new DataPhaseStatus("other-change", DataPhaseKind.Backfill, "a-db", DataPhaseState.Complete),
        };
        Rename.ProgressOf(states).ShouldBe(0.5, "two of its four (phase, store) pairs; another change's states do not count");
        Rename.ProgressOf([.. states, new DataPhaseStatus("rename-email", DataPhaseKind.Backfill, "a-db", DataPhaseState.Complete),
            new DataPhaseStatus("rename-email", DataPhaseKind.Backfill, "b-db", DataPhaseState.Complete)]).ShouldBe(1);
        new DataChange("nothing", ["a-db"], null, null, null).ProgressOf(states).ShouldBe(0);
    }
}
