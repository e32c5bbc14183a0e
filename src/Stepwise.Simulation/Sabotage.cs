using Stepwise.Core.Decisions;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;

namespace Stepwise.Simulation;

/// <summary>
/// A deliberately broken rule swapped into the decider, so a run proves the independent checker notices when a
/// guarantee is not enforced. Each rule breaks exactly one guarantee.
/// </summary>
public enum SabotageRule
{
    /// <summary>G1: rollouts are never refused for leaving the two-release window.</summary>
    VersionWindow = 1,

    /// <summary>G2: every reported release counts as sanctioned, so stale nodes are admitted instead of quarantined.</summary>
    StaleNode = 2,

    /// <summary>G3: rollouts are never refused for data that is not ready.</summary>
    DataBeforeCode = 3,

    /// <summary>G4: data phases (the contract among them) are never refused for code still using the old shape.</summary>
    ContractAfterCode = 4,

    /// <summary>G5: rollouts are never refused for concurrency or missing callee operations.</summary>
    OneChangeAtATime = 5,

    /// <summary>G7: the rollback rehearsal is skipped and promotion is never refused.</summary>
    RollbackRehearsed = 7,

    /// <summary>G8: removals (registrations and rollouts) and minimum-version raises are never refused for old clients.</summary>
    OldClients = 8,
}

public static class SabotageRules
{
    /// <summary>The guarantee a rule breaks.</summary>
    public static GuaranteeId Breaks(this SabotageRule rule) => (GuaranteeId)(int)rule;

    /// <summary>Every rule, by the name of the guarantee it breaks ("version-window", ...).</summary>
    public static IReadOnlyList<SabotageRule> All { get; } = Enum.GetValues<SabotageRule>();

    /// <summary>Parses a guarantee name or id ("version-window", "G1") into the rule that breaks it.</summary>
    public static bool TryParse(string text, out SabotageRule rule, out string error)
    {
        rule = default;
        error = "";
        if (GuaranteeIds.TryParse(text.Trim(), out var id) && Enum.IsDefined((SabotageRule)(int)id))
        {
            rule = (SabotageRule)(int)id;
            return true;
        }
        error = $"unknown sabotage rule '{text}'; use one of {string.Join(", ", All.Select(r => r.Breaks().Name()))}";
        return false;
    }

    /// <summary>The standard guarantees with the one named by <paramref name="rule"/> replaced by its broken version.</summary>
    public static GuaranteeSet GuaranteesWith(SabotageRule? rule) => new(
        rule == SabotageRule.VersionWindow ? new UncheckedVersionWindow() : new G1VersionWindow(),
        rule == SabotageRule.StaleNode ? new UncheckedStaleNode() : new G2StaleNode(),
        rule == SabotageRule.DataBeforeCode ? new UncheckedDataBeforeCode() : new G3DataBeforeCode(),
        rule == SabotageRule.ContractAfterCode ? new UncheckedContractAfterCode() : new G4ContractAfterCode(),
        rule == SabotageRule.OneChangeAtATime ? new UncheckedOneChangeAtATime() : new G5OneChangeAtATime(),
        new G6CompatibleContracts(),
        rule == SabotageRule.RollbackRehearsed ? new UncheckedRollbackRehearsed() : new G7RollbackRehearsed(),
        rule == SabotageRule.OldClients ? new UncheckedOldClients() : new G8OldClients());

    private sealed class UncheckedVersionWindow : G1VersionWindow
    {
        public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal) => false;
    }

    private sealed class UncheckedStaleNode : G2StaleNode
    {
        protected override bool Sanctioned(DecisionContext ctx, ServiceIndex index, string release, out string why)
        {
            why = "";
            return true;
        }
    }

    private sealed class UncheckedDataBeforeCode : G3DataBeforeCode
    {
        public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal) => false;
    }

    private sealed class UncheckedContractAfterCode : G4ContractAfterCode
    {
        public override bool CheckDataPhase(DecisionBuilder builder, DataPhaseProposal proposal) => false;
    }

    private sealed class UncheckedOneChangeAtATime : G5OneChangeAtATime
    {
        public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal) => false;
    }

    private sealed class UncheckedRollbackRehearsed : G7RollbackRehearsed
    {
        public override bool RequiresRehearsal(DecisionBuilder builder, Rollout rollout) => false;

        public override bool CheckPromote(DecisionBuilder builder, Rollout rollout, string? request) => false;
    }

    private sealed class UncheckedOldClients : G8OldClients
    {
        public override bool CheckRegistration(DecisionBuilder builder, RegistrationProposal proposal) => false;

        public override bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal) => false;

        public override bool CheckMinimumVersions(DecisionBuilder builder, ClientPolicy before, ClientPolicy after, string? request = null) => false;
    }
}
