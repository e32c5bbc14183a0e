using System.Text.Json;
using Stepwise.Contracts.Json;
using Stepwise.Contracts.Schemas;

namespace Stepwise.Contracts.JsonSchema;

/// <summary>
/// Compares two JSON Schemas (draft-07 or 2020-12) that describe data passed between releases: messages, events,
/// stored documents. The role says what the deployed release does with data of this schema, which decides which
/// pairing is backward: a reader's new schema must read what the old writers wrote (Confluent's BACKWARD), and the
/// old schema must read what new writers write (FORWARD); fleet mode needs both (FULL).
/// </summary>
public sealed class JsonSchemaChecker(SchemaRole role = SchemaRole.Reader, ContractLimits? limits = null) : IContractChecker
{
    public ContractKind Kind => ContractKind.JsonSchema;

    public SchemaRole Role => role;

    public ContractLimits Limits { get; } = limits ?? ContractLimits.Default;

    public IReadOnlyList<Finding> Compare(string oldPath, string newPath, CancellationToken cancellationToken = default)
    {
        using var oldDocs = new DocumentSet(Load(oldPath), Limits);
        cancellationToken.ThrowIfCancellationRequested();
        using var newDocs = new DocumentSet(Load(newPath), Limits);
        cancellationToken.ThrowIfCancellationRequested();
        oldDocs.ValidateReferences();
        newDocs.ValidateReferences();
        var findings = new FindingCollector();
        var comparer = new SchemaComparer(new SchemaView.Builder(oldDocs, openApi30: false), new SchemaView.Builder(newDocs, openApi30: false), findings);
        var channel = role == SchemaRole.Reader ? SchemaChannel.ReaderSchema : SchemaChannel.WriterSchema;
        comparer.Compare(oldDocs.RootNode, newDocs.RootNode, channel, "the schema");
        return findings.Build(oldDocs, newDocs);
    }

    private JsonSource Load(string path)
    {
        var source = JsonSource.Load(path, limits: Limits);
        var root = source.Root;
        string? problem = null;
        if (root.ValueKind is not (JsonValueKind.Object or JsonValueKind.True or JsonValueKind.False))
        {
            problem = $"a JSON Schema is an object (or true/false); this file's top level is {root.ValueKind.ToString().ToLowerInvariant()}";
        }
        else if (root.ValueKind == JsonValueKind.Object && (root.TryGetProperty("openapi", out _) || root.TryGetProperty("swagger", out _)))
        {
            problem = "this is an OpenAPI description, not a JSON Schema: pass --kind openapi (or leave --kind out)";
        }
        if (problem is not null)
        {
            source.Dispose();
            throw new ContractInputException(problem, source.DisplayPath, 1, 1);
        }
        return source;
    }
}
