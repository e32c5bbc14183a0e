using System.Text.Json;
using Stepwise.Contracts.Json;
using Stepwise.Contracts.Schemas;

namespace Stepwise.Contracts.OpenApi;

/// <summary>One side of a comparison: its files, read and checked, and the operations they describe.</summary>
public sealed partial class OpenApiChecker
{
    private sealed partial class Side
    {
        private Side(DocumentSet documents, bool openApi30)
        {
            Documents = documents;
            IsOpenApi30 = openApi30;
            Views = new SchemaView.Builder(documents, openApi30);
        }

        public DocumentSet Documents { get; }
        public bool IsOpenApi30 { get; }
        public SchemaView.Builder Views { get; }
        public Dictionary<string, Operation> Operations { get; } = new(StringComparer.Ordinal);

        public static Side Load(string path, ContractLimits limits)
        {
            var source = JsonSource.Load(path, limits: limits);
            DocumentSet? documents = null;
            try
            {
                var version = VersionOf(source);
                documents = new DocumentSet(source, limits);
                var side = new Side(documents, openApi30: version.StartsWith("3.0", StringComparison.Ordinal));
                side.Read();
                return side;
            }
            catch
            {
                // Whatever was read is released: the file itself, and any file its references reached.
                if (documents is null)
                {
                    source.Dispose();
                }
                else
                {
                    documents.Dispose();
                }
                throw;
            }
        }

        /// <summary>The <c>openapi</c> version of a description Stepwise reads (3.x), or bad input saying what the file is instead.</summary>
        private static string VersionOf(JsonSource source)
        {
            var root = new Node(source, source.Root, "");
            if (source.Root.ValueKind != JsonValueKind.Object)
            {
                throw new ContractInputException("an OpenAPI description is an object with an 'openapi' field; this file's top level is not an object", source.DisplayPath, 1, 1);
            }
            if (root.TryGet("swagger", out var swagger))
            {
                throw DocumentSet.Error(swagger, "Swagger 2.0 is not supported: convert the description to OpenAPI 3 (for example with swagger2openapi) and compare the converted files");
            }
            if (!root.TryGet("openapi", out var version) || version.Element.ValueKind != JsonValueKind.String)
            {
                throw new ContractInputException("not an OpenAPI description: the top-level 'openapi' version field is missing (pass --kind jsonschema for a JSON Schema)", source.DisplayPath, 1, 1);
            }
            var v = version.Element.GetString()!;
            if (!v.StartsWith("3.", StringComparison.Ordinal))
            {
                throw DocumentSet.Error(version, $"OpenAPI version '{v}' is not supported: Stepwise reads OpenAPI 3.0 and 3.1");
            }
            return v;
        }

        /// <summary>Validates the references and reads the operations and webhooks.</summary>
        private void Read()
        {
            var root = Documents.RootNode;
            Documents.ValidateReferences();
            if (root.TryGet("paths", out var paths))
            {
                if (paths.Element.ValueKind != JsonValueKind.Object)
                {
                    throw DocumentSet.Error(paths, "'paths' must be an object of path templates");
                }
                foreach (var (template, rawItem) in paths.Properties())
                {
                    if (template.StartsWith("x-", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    foreach (var (method, operation) in ReadPathItem(rawItem, $"the path item '{template}' must be an object", label: null, template))
                    {
                        Operations.TryAdd(method + " " + NormalizeTemplate(template), operation with { Callbacks = ReadCallbacks(operation) });
                    }
                }
            }
            ReadWebhooks(root);
        }
    }

    /// <summary>Every parameter names itself and where it goes; checked up front so that unchanged operations are checked too.</summary>
    private static void ValidateParameters(DocumentSet documents, Node pathItem, Node operation)
    {
        foreach (var holder in new[] { pathItem, operation })
        {
            if (!holder.TryGet("parameters", out var list))
            {
                continue;
            }
            if (list.Element.ValueKind != JsonValueKind.Array)
            {
                throw DocumentSet.Error(list, "'parameters' must be a list");
            }
            foreach (var raw in list.Items())
            {
                var parameter = documents.Resolve(raw);
                if (parameter.GetString("name") is null || parameter.GetString("in") is null)
                {
                    throw DocumentSet.Error(parameter, "a parameter needs 'name' and 'in'");
                }
            }
        }
    }
}
