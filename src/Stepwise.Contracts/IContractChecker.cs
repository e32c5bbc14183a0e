namespace Stepwise.Contracts;

/// <summary>Compares two contracts of one kind. Returns every finding in both directions; the mode filter is applied by the caller.</summary>
public interface IContractChecker
{
    ContractKind Kind { get; }

    /// <summary>Reads both sides and compares them. Throws <see cref="ContractInputException"/> for input that cannot be read.</summary>
    IReadOnlyList<Finding> Compare(string oldPath, string newPath, CancellationToken cancellationToken = default);
}
