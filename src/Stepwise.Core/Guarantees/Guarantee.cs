using Stepwise.Core;
using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>A proposal to start a rollout of <see cref="Service"/> from <see cref="From"/> to <see cref="To"/>.</summary>
public sealed record RolloutProposal(ServiceIndex Service, Release From, Release To, string? Request, string? Plan)
{
    /// <summary>The subject an override of a refusal of this proposal names: "rollout orders@1.2.0".</summary>
    public string Subject => $"rollout {To}";
}

/// <summary>A proposal to run one phase of one data change on one store.</summary>
public sealed record DataPhaseProposal(DataChange Change, DataPhaseKind Phase, string Store, string? Request, string? Plan)
{
    /// <summary>The subject an override of a refusal of this proposal names: "data rename-email contract on orders-db".</summary>
    public string Subject => $"data {Change.Id} {Names.Of(Phase)} on {Store}";
}

/// <summary>
/// One guarantee: the gates it puts on proposals and what it watches on every call. One class per guarantee,
/// in a file named by its id. Methods are virtual so that the simulator can swap in a deliberately broken rule
/// and prove its independent checker notices.
/// </summary>
public abstract class Guarantee
{
    public abstract GuaranteeId Id { get; }

    /// <summary>Adds refusals for a rollout proposal. Returns true when it refused.</summary>
    public virtual bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal) => false;

    /// <summary>Adds refusals for a data-phase proposal. Returns true when it refused.</summary>
    public virtual bool CheckDataPhase(DecisionBuilder builder, DataPhaseProposal proposal) => false;

    /// <summary>Adds refusals for a release registration. Returns true when it refused.</summary>
    public virtual bool CheckRegistration(DecisionBuilder builder, RegistrationProposal proposal) => false;

    /// <summary>Watches the fleet on every call (quarantines, alerts).</summary>
    public virtual void Observe(DecisionBuilder builder)
    {
    }

    /// <summary>Builds a refusal of this guarantee, keeping the first blockers and counting all of them.</summary>
    protected Refusal Refusal(string subject, string message, IEnumerable<Blocker> blockers, string unblock, string? request, string? plan)
    {
        var kept = new List<Blocker>();
        var count = 0;
        foreach (var blocker in blockers)
        {
            if (count++ < Decisions.Refusal.MaxBlockers)
            {
                kept.Add(blocker);
            }
        }
        return new Refusal(Id, subject, message, kept, count, unblock, request, plan);
    }

    /// <summary>"n-07, n-12, n-31 and 4 more".</summary>
    protected static string List(IReadOnlyCollection<string> ids, int show = 3)
    {
        var head = string.Join(", ", ids.Take(show));
        return ids.Count > show ? $"{head} and {ids.Count - show} more" : head;
    }

    protected static string Plural(int count, string one, string many) => count == 1 ? $"1 {one}" : $"{count} {many}";
}

/// <summary>The guarantees Decide enforces, in the order their gates run.</summary>
public sealed class GuaranteeSet
{
    public GuaranteeSet(
        G1VersionWindow g1,
        G2StaleNode g2,
        G3DataBeforeCode g3,
        G4ContractAfterCode g4,
        G5OneChangeAtATime g5,
        G6CompatibleContracts g6,
        G7RollbackRehearsed g7,
        G8OldClients? g8 = null)
    {
        G1 = g1;
        G2 = g2;
        G3 = g3;
        G4 = g4;
        G5 = g5;
        G6 = g6;
        G7 = g7;
        G8 = g8 ?? new G8OldClients();
        All = [g1, g2, g3, g4, g5, g6, g7, G8];
    }

    public static GuaranteeSet Default { get; } = new(new(), new(), new(), new(), new(), new(), new());

    /// <summary>The standard guarantees, with contracts compared by <paramref name="comparer"/> (G6).</summary>
    public static GuaranteeSet With(IContractComparer comparer) => new(new(), new(), new(), new(), new(), new(comparer), new());

    public G1VersionWindow G1 { get; }
    public G2StaleNode G2 { get; }
    public G3DataBeforeCode G3 { get; }
    public G4ContractAfterCode G4 { get; }
    public G5OneChangeAtATime G5 { get; }
    public G6CompatibleContracts G6 { get; }
    public G7RollbackRehearsed G7 { get; }
    public G8OldClients G8 { get; }

    public IReadOnlyList<Guarantee> All { get; }

    /// <summary>Runs every gate; all refusals are reported (not just the first). True when any refused.</summary>
    public bool CheckRollout(DecisionBuilder builder, RolloutProposal proposal)
    {
        var refused = false;
        foreach (var g in All)
        {
            refused |= g.CheckRollout(builder, proposal);
        }
        return refused;
    }

    public bool CheckRegistration(DecisionBuilder builder, RegistrationProposal proposal)
    {
        var refused = false;
        foreach (var g in All)
        {
            refused |= g.CheckRegistration(builder, proposal);
        }
        return refused;
    }

    public bool CheckDataPhase(DecisionBuilder builder, DataPhaseProposal proposal)
    {
        var refused = false;
        foreach (var g in All)
        {
            refused |= g.CheckDataPhase(builder, proposal);
        }
        return refused;
    }
}
