using Stepwise.Core.Decisions;
using Stepwise.Server.Reconciling;
using Stepwise.Server.Store;

namespace Stepwise.Server.Tests;

/// <summary>Persisted and published names of the server: golden tables that may only grow.</summary>
public sealed class StabilityTests
{
    [Fact]
    public void event_kinds_of_actions_are_pinned()
    {
        var golden = new Dictionary<ActionKind, string>
        {
            [ActionKind.SetDesiredRelease] = "set-desired-release",
            [ActionKind.QuarantineNode] = "quarantine-node",
            [ActionKind.ReleaseNode] = "release-node",
            [ActionKind.AdmitNode] = "admit-node",
            [ActionKind.MarkNodeOffline] = "mark-node-offline",
            [ActionKind.DecommissionNode] = "decommission-node",
            [ActionKind.RunDataPhase] = "run-data-phase",
            [ActionKind.StartRollout] = "start-rollout",
            [ActionKind.AdvanceRollout] = "advance-rollout",
            [ActionKind.PauseRollout] = "pause-rollout",
            [ActionKind.RollBackRollout] = "roll-back-rollout",
            [ActionKind.SetCurrentRelease] = "set-current-release",
            [ActionKind.AdvancePlan] = "advance-plan",
            [ActionKind.RaiseAlert] = "raise-alert",
            [ActionKind.ClearAlert] = "clear-alert",
            [ActionKind.CompleteRequest] = "complete-request",
            [ActionKind.RecordAnalysis] = "record-analysis",
            [ActionKind.UseOverride] = "use-override",
            [ActionKind.ReplaceCanary] = "replace-canary",
            [ActionKind.EnableNode] = "enable-node",
            [ActionKind.RetireRelease] = "retire-release",
            [ActionKind.RegisterRelease] = "register-release",
            [ActionKind.ApproveRollout] = "approve-rollout",
        };
        foreach (var kind in Enum.GetValues<ActionKind>())
        {
            golden.ShouldContainKey(kind, $"a new action kind {kind} needs its event kind pinned here");
            Stepwise.Core.Names.Of(kind).ShouldBe(golden[kind]);
        }
    }

    [Fact]
    public void schema_steps_are_append_only_and_identical_in_both_dialects()
    {
        var golden = new (int Id, string Name, MigrationKind Kind)[]
        {
            (1, "initial schema", MigrationKind.Expand),
            (2, "data phase failure reason", MigrationKind.Expand),
            (3, "registration requests, retired releases, shared analysis samples", MigrationKind.Expand),
        };
        foreach (var dialect in Enum.GetValues<StoreDialect>())
        {
            var steps = Migrations.For(dialect);
            steps.Count.ShouldBeGreaterThanOrEqualTo(golden.Length);
            for (var i = 0; i < golden.Length; i++)
            {
                (steps[i].Id, steps[i].Name, steps[i].Kind).ShouldBe(golden[i]);
            }
            steps.Select(s => s.Id).ShouldBe(Enumerable.Range(1, steps.Count));
        }
    }

    [Fact]
    public void store_dialect_values_are_pinned()
    {
        ((int)StoreDialect.Sqlite).ShouldBe(0);
        ((int)StoreDialect.Postgres).ShouldBe(1);
        ((int)MigrationKind.Expand).ShouldBe(0);
        ((int)MigrationKind.Contract).ShouldBe(1);
    }
}
