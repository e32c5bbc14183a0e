using System.Text.Json;
using Stepwise.Core.Analysis;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests;

/// <summary>
/// Every persisted or serialized enum, guarantee id and action discriminator is a compatibility promise: a stored
/// snapshot, an event log or an API client written against one version must read the same with the next. These
/// golden tables may only grow; changing or removing a row is a breaking change to the store and the API.
/// </summary>
public class PersistedEnumStabilityTests
{
    private static void Pinned<T>(params (string Name, int Value)[] golden)
        where T : struct, Enum
    {
        var actual = Enum.GetValues<T>().Select(v => (v.ToString(), Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture))).ToList();
        foreach (var row in golden)
        {
            actual.ShouldContain(row, $"{typeof(T).Name}.{row.Name} must keep the value {row.Value}");
        }
        actual.Count.ShouldBe(golden.Length, $"a new {typeof(T).Name} member needs a row in this golden table (with a new value)");
    }

    [Fact]
    public void guarantee_ids_and_names_are_pinned()
    {
        Pinned<GuaranteeId>(("G1", 1), ("G2", 2), ("G3", 3), ("G4", 4), ("G5", 5), ("G6", 6), ("G7", 7), ("G8", 8));
        Enum.GetValues<GuaranteeId>().Select(g => g.Name()).ShouldBe([
            "version-window", "stale-node", "data-before-code", "contract-after-code",
            "one-change-at-a-time", "compatible-contracts", "rollback-rehearsed", "old-clients"]);
        GuaranteeIds.TryParse("version-window", out var g1).ShouldBeTrue();
        g1.ShouldBe(GuaranteeId.G1);
        GuaranteeIds.TryParse("g7", out var g7).ShouldBeTrue();
        g7.ShouldBe(GuaranteeId.G7);
    }

    [Fact]
    public void fleet_and_data_enums_are_pinned()
    {
        Pinned<NodeState>(("Active", 0), ("Draining", 1), ("Quarantined", 2), ("Offline", 3), ("Decommissioned", 4));
        Pinned<NodeHealth>(("Unknown", 0), ("Healthy", 1), ("Unhealthy", 2));
        Pinned<StoreKind>(("Postgres", 0), ("Sqlite", 1), ("Other", 2));
        Pinned<DataPhaseKind>(("Expand", 0), ("Backfill", 1), ("Contract", 2));
        Pinned<DataPhaseState>(("Pending", 0), ("Running", 1), ("Complete", 2), ("Failed", 3), ("RolledBack", 4));
        Pinned<PlanStepKind>(("DataPhase", 0), ("Release", 1));
        Pinned<PlanState>(("Pending", 0), ("Running", 1), ("Paused", 2), ("Complete", 3), ("Failed", 4));
        Pinned<MarginalAction>(("Pause", 0), ("Proceed", 1));
        Pinned<AlertSeverity>(("Info", 0), ("Warning", 1), ("Critical", 2));
    }

    [Fact]
    public void rollout_and_request_enums_are_pinned()
    {
        Pinned<RolloutPhase>(
            ("Pending", 0), ("Canary", 1), ("Baking", 2), ("Rehearsing", 3), ("RehearsalBake", 4), ("Rereleasing", 5), ("Waves", 6),
            ("Complete", 7), ("Paused", 8), ("RollingBack", 9), ("RolledBack", 10), ("Aborted", 11), ("Failed", 12));
        Pinned<RequestKind>(
            ("StartRollout", 0), ("RunDataPhase", 1), ("PauseRollout", 2), ("ResumeRollout", 3), ("AbortRollout", 4),
            ("PromoteRollout", 5), ("DecommissionNode", 6), ("StartPlan", 7), ("EnableNode", 8), ("RetireRelease", 9), ("RegisterRelease", 10),
            ("ApproveRollout", 11));
        Pinned<ApprovalGate>(("AfterCanary", 0), ("AfterRehearsal", 1), ("BeforeWaves", 2));
        Enum.GetValues<ApprovalGate>().Select(Names.Of).ShouldBe(["after-canary", "after-rehearsal", "before-waves"]);
        Pinned<BlockerKind>(("Node", 0), ("Store", 1), ("Caller", 2), ("Rollout", 3), ("DataChange", 4), ("Release", 5), ("Service", 6), ("Contract", 7), ("Client", 8));
        Pinned<ReleaseOrigin>(("Config", 0), ("Registered", 1));
    }

    [Fact]
    public void analysis_enums_are_pinned()
    {
        Pinned<MetricVerdict>(("Pass", 0), ("High", 1), ("Low", 2), ("NoData", 3));
        Pinned<AnalysisVerdict>(("Pass", 0), ("Marginal", 1), ("Fail", 2), ("Inconclusive", 3), ("NoData", 4));
        Pinned<MetricKind>(("Distribution", 0), ("Rate", 1));
        Pinned<FailOn>(("Increase", 0), ("Decrease", 1), ("Either", 2));
    }

    [Fact]
    public void action_kinds_and_their_json_discriminators_are_pinned()
    {
        Pinned<ActionKind>(
            ("SetDesiredRelease", 0), ("QuarantineNode", 1), ("ReleaseNode", 2), ("AdmitNode", 3), ("MarkNodeOffline", 4),
            ("DecommissionNode", 5), ("RunDataPhase", 6), ("StartRollout", 7), ("AdvanceRollout", 8), ("PauseRollout", 9),
            ("RollBackRollout", 10), ("SetCurrentRelease", 11), ("AdvancePlan", 12), ("RaiseAlert", 13), ("ClearAlert", 14),
            ("CompleteRequest", 15), ("RecordAnalysis", 16), ("UseOverride", 17), ("ReplaceCanary", 18), ("EnableNode", 19), ("RetireRelease", 20),
            ("RegisterRelease", 21), ("ApproveRollout", 22));

        var samples = new DecisionAction[]
        {
            new SetDesiredRelease("s", "1", ["n"], null, "r"), new QuarantineNode("n", "s", "1", "r"), new ReleaseNode("n", "s", "1", "r"),
            new AdmitNode("n", "s", "1", "r"), new MarkNodeOffline("n", "s", "r"), new DecommissionNode("n", "s", "r"),
            new RunDataPhase("c", DataPhaseKind.Expand, "db", "r"), new StartRollout("id", "s", "1", "2", ["n"], null, "r"),
            new AdvanceRollout("id", RolloutPhase.Canary, RolloutPhase.Baking, 0, "r"), new PauseRollout("id", RolloutPhase.Baking, "r"),
            new RollBackRollout("id", false, "r"), new SetCurrentRelease("s", "1", "r"), new AdvancePlan("p", 1, PlanState.Running, "r"),
            new RaiseAlert(new Alert("k", AlertSeverity.Info, null, "m"), "r"), new ClearAlert("k", "r"), new CompleteRequest("q", true, "r"),
            new RecordAnalysis("id", RolloutPhase.Baking, AnalysisVerdict.Pass, 100, "s", "r"),
            new UseOverride("o", GuaranteeId.G7, "s", "x", "r"),
            new ReplaceCanary("id", ["n2"], ["n1"], "r"), new EnableNode("n", "s", "r"), new RetireRelease("s", "1", "r"),
            new RegisterRelease("s", new ReleaseDeclaration("1", [], [], [], [], []), "q", "r"),
            new ApproveRollout("id", ApprovalGate.AfterCanary, RolloutPhase.Rehearsing, 0, "r"),
        };
        var discriminators = samples.Select(a => JsonDocument.Parse(JsonSerializer.Serialize(a, SnapshotJson.Options)).RootElement.GetProperty("kind").GetString()).ToList();
        discriminators.ShouldBe([
            "set-desired-release", "quarantine-node", "release-node", "admit-node", "mark-node-offline", "decommission-node",
            "run-data-phase", "start-rollout", "advance-rollout", "pause-rollout", "roll-back-rollout", "set-current-release",
            "advance-plan", "raise-alert", "clear-alert", "complete-request", "record-analysis", "use-override",
            "replace-canary", "enable-node", "retire-release", "register-release", "approve-rollout"]);
        samples.Select(a => Names.Of(a.Kind)).ShouldBe(discriminators!);
        samples.Select(a => a.Kind).ShouldBe(Enum.GetValues<ActionKind>());
    }

    [Fact]
    public void enums_serialize_as_camel_case_names()
    {
        JsonSerializer.Serialize(RolloutPhase.RehearsalBake, SnapshotJson.Options).ShouldBe("\"rehearsalBake\"");
        JsonSerializer.Serialize(NodeState.Decommissioned, SnapshotJson.Options).ShouldBe("\"decommissioned\"");
        JsonSerializer.Serialize(GuaranteeId.G4, SnapshotJson.Options).ShouldBe("\"G4\"");
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<RolloutPhase>("3", SnapshotJson.Options));
    }
}
