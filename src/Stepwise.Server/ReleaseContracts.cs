using Stepwise.Api;
using Stepwise.Contracts;

namespace Stepwise.Server;

/// <summary>What checking a release's contracts against the previous release's found (G6).</summary>
/// <param name="Breaking">Error findings: the release is refused.</param>
/// <param name="Unchecked">Contract kinds that could not be compared (no checker for that kind in this server).</param>
public sealed record ContractCheckResult(IReadOnlyList<Finding> Breaking, IReadOnlyList<Finding> Other, IReadOnlyList<string> Unchecked);

/// <summary>
/// Compares each contract of a release being registered with the previous release's contract of the same kind,
/// through the <see cref="IContractChecker"/>s of Stepwise.Contracts. Findings are in both directions (fleet mode:
/// new server with old callers, and old server with new callers during a rollback).
/// </summary>
public sealed class ReleaseContracts(IEnumerable<IContractChecker> checkers)
{
    private readonly Dictionary<ContractKind, IContractChecker> byKind = checkers.ToDictionary(c => c.Kind);

    public static ContractKind? KindOf(string kind) => kind.ToLowerInvariant() switch
    {
        "openapi" => ContractKind.OpenApi,
        "protobuf" => ContractKind.Protobuf,
        "jsonschema" => ContractKind.JsonSchema,
        _ => null,
    };

    /// <exception cref="ContractInputException">A contract cannot be read.</exception>
    public ContractCheckResult Check(IReadOnlyList<ContractDocument> previous, IReadOnlyList<ContractDocument> next, CancellationToken cancellationToken)
    {
        var breaking = new List<Finding>();
        var other = new List<Finding>();
        var notChecked = new List<string>();
        foreach (var contract in next)
        {
            var kind = KindOf(contract.Kind)!.Value;
            var old = previous.FirstOrDefault(p => KindOf(p.Kind) == kind);
            if (old is null)
            {
                continue; // the first contract of this kind: nothing to be compatible with
            }
            if (!byKind.TryGetValue(kind, out var checker))
            {
                notChecked.Add(contract.Kind);
                continue;
            }
            var directory = Directory.CreateTempSubdirectory("stepwise-contract-");
            try
            {
                var extension = kind switch { ContractKind.Protobuf => ".binpb", _ => Extension(contract.Content) };
                var oldPath = Path.Combine(directory.FullName, "previous" + extension);
                var newPath = Path.Combine(directory.FullName, "next" + extension);
                Write(oldPath, old, kind);
                Write(newPath, contract, kind);
                foreach (var finding in checker.Compare(oldPath, newPath, cancellationToken))
                {
                    (finding.Severity == Severity.Error ? breaking : other).Add(finding with { File = null });
                }
            }
            finally
            {
                directory.Delete(recursive: true);
            }
        }
        return new ContractCheckResult(breaking, other, notChecked);
    }

    private static string Extension(string content) => content.TrimStart().StartsWith('{') ? ".json" : ".yaml";

    private static void Write(string path, ContractDocument document, ContractKind kind)
    {
        if (kind == ContractKind.Protobuf)
        {
            File.WriteAllBytes(path, Convert.FromBase64String(document.Content));
        }
        else
        {
            File.WriteAllText(path, document.Content);
        }
    }
}
