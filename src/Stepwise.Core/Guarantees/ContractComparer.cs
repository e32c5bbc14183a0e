using Stepwise.Core.Model;

namespace Stepwise.Core.Guarantees;

/// <summary>One finding of a contract comparison, as a refusal carries it (G6).</summary>
/// <param name="Severity">error | warning | info.</param>
/// <param name="Direction">backward (new server, old callers) | forward (old server, new callers).</param>
public sealed record ContractFinding(string RuleId, string Severity, string Direction, string Location, string Message, string Fix);

/// <summary>What comparing two contracts of one kind found. <paramref name="Breaking"/> are the errors of the release gate's mode.</summary>
/// <param name="Unchecked">True when no comparer for that kind is built in: nothing was compared.</param>
public sealed record ContractComparison(IReadOnlyList<ContractFinding> Breaking, IReadOnlyList<ContractFinding> Notes, bool Unchecked = false)
{
    public static ContractComparison NotChecked { get; } = new([], [], Unchecked: true);
}

/// <summary>
/// Compares the contract of one kind of an earlier release with a new release's (G6). Pure. The server plugs in
/// Stepwise.Contracts (fleet mode); the simulator and tests plug in what they need.
/// Throws <see cref="ContractInputException"/> when a document cannot be read.
/// </summary>
public interface IContractComparer
{
    ContractComparison Compare(string kind, IReadOnlyList<ContractDocument> previous, IReadOnlyList<ContractDocument> next);

    /// <summary>Reads a contract that has nothing to be compared with (the first of its kind), so an unreadable one
    /// is refused at registration instead of failing the next release's check. Throws <see cref="ContractInputException"/>.</summary>
    void Validate(string kind, IReadOnlyList<ContractDocument> documents) => Compare(kind, documents, documents);
}

/// <summary>A contract document that cannot be read (malformed, too large, a reference outside the documents given).</summary>
public sealed class ContractInputException(string message) : Exception(message);

/// <summary>The comparer when none is configured: every kind is reported as not compared.</summary>
public sealed class NoContractComparer : IContractComparer
{
    public static NoContractComparer Instance { get; } = new();

    public ContractComparison Compare(string kind, IReadOnlyList<ContractDocument> previous, IReadOnlyList<ContractDocument> next) => ContractComparison.NotChecked;
}
