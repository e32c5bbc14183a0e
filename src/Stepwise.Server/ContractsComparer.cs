using Stepwise.Contracts;
using Stepwise.Core.Guarantees;
using CoreDocument = Stepwise.Core.Model.ContractDocument;

namespace Stepwise.Server;

/// <summary>
/// G6's comparer on the server: Stepwise.Contracts' checkers in fleet mode. A finding of severity error breaks the
/// registration; the others are notes. Kinds this build has no checker for are reported as not compared.
/// </summary>
public sealed class ContractsComparer(IEnumerable<IContractChecker> checkers) : IContractComparer
{
    private readonly Dictionary<ContractKind, IContractChecker> byKind = checkers.ToDictionary(c => c.Kind);

    public static ContractKind? KindOf(string kind) => kind.ToLowerInvariant() switch
    {
        "openapi" => ContractKind.OpenApi,
        "protobuf" => ContractKind.Protobuf,
        "jsonschema" => ContractKind.JsonSchema,
        _ => null,
    };

    public ContractComparison Compare(string kind, IReadOnlyList<CoreDocument> previous, IReadOnlyList<CoreDocument> next)
    {
        if (KindOf(kind) is not { } contractKind || !byKind.TryGetValue(contractKind, out var checker))
        {
            return ContractComparison.NotChecked;
        }
        var directory = Directory.CreateTempSubdirectory("stepwise-contract-");
        try
        {
            // Each side is written to its own folder: the root document plus the named documents at their names, so
            // a $ref can reach the registered documents and nothing else (references stay inside the contract's
            // folder). Each document keeps its own format: a YAML contract may follow a JSON one.
            var oldPath = WriteSide(Path.Combine(directory.FullName, "previous"), previous, contractKind);
            var newPath = WriteSide(Path.Combine(directory.FullName, "next"), next, contractKind);
            var breaking = new List<ContractFinding>();
            var notes = new List<ContractFinding>();
            foreach (var finding in CompatPolicy.Apply(contractKind, CompatMode.Fleet, checker.Compare(oldPath, newPath)))
            {
                var found = new ContractFinding(finding.RuleId, finding.Severity.ToString().ToLowerInvariant(), finding.Direction.ToString().ToLowerInvariant(), finding.Location, finding.Message, finding.Fix);
                (finding.Severity == Severity.Error ? breaking : notes).Add(found);
            }
            return new ContractComparison(breaking, notes);
        }
        catch (Stepwise.Contracts.ContractInputException e)
        {
            throw new Core.Guarantees.ContractInputException(e.Describe());
        }
        catch (FormatException e)
        {
            throw new Core.Guarantees.ContractInputException($"a protobuf contract is not base64: {e.Message}");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static string Extension(CoreDocument document, ContractKind kind) =>
        kind == ContractKind.Protobuf ? ".binpb" : document.Content.TrimStart().StartsWith('{') ? ".json" : ".yaml";

    private static string WriteSide(string folder, IReadOnlyList<CoreDocument> documents, ContractKind kind)
    {
        Directory.CreateDirectory(folder);
        var rootPath = Path.Combine(folder, "contract" + Extension(documents[0], kind));
        Write(rootPath, documents[0], kind);
        if (kind != ContractKind.Protobuf)
        {
            foreach (var document in documents.Skip(1))
            {
                // Registration rules keep names relative and free of "..": check again before writing.
                var path = Path.GetFullPath(Path.Combine(folder, document.Name ?? ""));
                if (document.Name is null || !path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || path == rootPath)
                {
                    throw new Core.Guarantees.ContractInputException($"contract document name '{document.Name}' must be a relative name such as schemas/order.yaml");
                }
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                Write(path, document, kind);
            }
        }
        return rootPath;
    }

    private static void Write(string path, CoreDocument document, ContractKind kind)
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
