using Stepwise.Core.Decisions;
using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>A proposal to register a release through the API: <see cref="Release"/> as linked into <see cref="Config"/>.</summary>
public sealed record RegistrationProposal(ServiceIndex Service, Release Release, StepwiseConfig Config, string? Request)
{
    /// <summary>The subject an override of a refusal of this proposal names: "release orders@1.4.0".</summary>
    public string Subject => $"release {Release}";

    /// <summary>The releases before the new one in its service's order, newest first.</summary>
    public IEnumerable<Release> Earlier => Config.FindService(Release.Service)!.Releases.Take(Release.Ordinal).Reverse();
}

/// <summary>
/// G6 compatible-contracts: release N+1's contracts keep working beside N while it rolls out and if N comes back.
/// Each contract kind of a release being registered is compared with the newest earlier release that has a contract
/// of that kind (whatever its format), and its breaking findings refuse the registration. A release that drops a
/// contract kind its predecessors had is refused too: what it serves could no longer be checked. Both can be set aside
/// only by a recorded override (subject "release SERVICE@VERSION").
/// </summary>
public class G6CompatibleContracts(IContractComparer comparer) : Guarantee
{
    public G6CompatibleContracts()
        : this(NoContractComparer.Instance)
    {
    }

    public override GuaranteeId Id => GuaranteeId.G6;

    public IContractComparer Comparer { get; } = comparer;

    public override bool CheckRegistration(DecisionBuilder builder, RegistrationProposal proposal)
    {
        var release = proposal.Release;
        var blockers = new List<Blocker>();
        var findings = new List<ContractFinding>();
        var against = new List<string>();
        var kinds = release.Contracts.Select(c => c.Kind).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var kind in kinds)
        {
            var previous = proposal.Earlier.FirstOrDefault(r => r.Contracts.Any(c => Same(c.Kind, kind)));
            if (previous is null)
            {
                // The first contract of this kind: nothing to be compatible with, but it must be readable.
                Comparer.Validate(kind, release.Contracts.Where(c => Same(c.Kind, kind)).ToList());
                continue;
            }
            var comparison = Comparer.Compare(kind, previous.Contracts.Where(c => Same(c.Kind, kind)).ToList(), release.Contracts.Where(c => Same(c.Kind, kind)).ToList());
            foreach (var finding in comparison.Breaking)
            {
                findings.Add(finding);
                blockers.Add(new Blocker(BlockerKind.Contract, finding.RuleId, $"{kind} against {previous}: {finding.Location}: {finding.Message}"));
            }
            if (comparison.Breaking.Count > 0)
            {
                against.Add($"{kind} against {previous}");
            }
        }
        foreach (var dropped in proposal.Earlier.SelectMany(r => r.Contracts.Select(c => (c.Kind, Release: r)))
                     .Where(x => !kinds.Any(k => Same(k, x.Kind))).DistinctBy(x => x.Kind.ToLowerInvariant()))
        {
            blockers.Add(new Blocker(BlockerKind.Contract, $"{dropped.Kind}-contract-dropped", $"{dropped.Release} has a {dropped.Kind} contract and {release} has none"));
            against.Add($"no {dropped.Kind} contract (predecessor {dropped.Release} has one)");
        }
        if (blockers.Count == 0)
        {
            return false;
        }
        var first = findings.FirstOrDefault();
        var message = findings.Count > 0
            ? $"{release} breaks {findings.Count} contract rule(s) ({string.Join("; ", against)}): {first!.RuleId} at {first.Location}: {first.Message}"
            : $"{release} drops a contract kind its predecessors had: {string.Join("; ", against)}; nothing could check what it serves";
        var refusal = Refusal(proposal.Subject, message, blockers,
            findings.Count > 0
                ? $"make the change compatible ({first!.Fix}), or deprecate first and remove in a later release; or record an override (guarantee G6, subject \"{proposal.Subject}\") with the reason"
                : $"register {release} with its contract of each kind; or record an override (guarantee G6, subject \"{proposal.Subject}\") with the reason",
            proposal.Request, null) with { Findings = findings.Count > 0 ? findings : null };
        return builder.Refuse(refusal);
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
