using System.Text.Json.Nodes;

namespace Stepwise.Contracts.Tests;

/// <summary>Writes contracts into a fresh temporary folder and compares them.</summary>
internal sealed class ContractFiles : IDisposable
{
    public ContractFiles()
    {
        Directory = Path.Combine(Path.GetTempPath(), "stepwise-compat-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string Write(string name, string content)
    {
        var path = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string Write(string name, byte[] content)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    public IReadOnlyList<Finding> CompareOpenApi(string oldJson, string newJson, string extension = "json") =>
        new OpenApi.OpenApiChecker().Compare(Write("old." + extension, oldJson), Write("new." + extension, newJson));

    public IReadOnlyList<Finding> CompareJsonSchema(string oldJson, string newJson, SchemaRole role = SchemaRole.Reader) =>
        new JsonSchema.JsonSchemaChecker(role).Compare(Write("old.schema.json", oldJson), Write("new.schema.json", newJson));

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Builds minimal OpenAPI documents around the part a test is about.</summary>
internal static class Spec
{
    /// <summary>A document whose paths object is <paramref name="paths"/> (JSON text).</summary>
    public static string WithPaths(string paths, string version = "3.1.0", string extra = "") =>
        $$$"""{"openapi": "{{{version}}}", "info": {"title": "t", "version": "1"}, "paths": {{{paths}}}{{{(extra.Length > 0 ? ", " + extra : "")}}}}""";

    public static string Operation(string method, string path, string operation, string version = "3.1.0", string extra = "") =>
        WithPaths($$$"""{"{{{path}}}": {"{{{method}}}": {{{operation}}}}}""", version, extra);

    /// <summary>POST /items whose JSON request body has <paramref name="schema"/>.</summary>
    public static string RequestBody(string schema, string version = "3.1.0") =>
        Operation("post", "/items", $$$"""{"requestBody": {"required": true, "content": {"application/json": {"schema": {{{schema}}}} } }, "responses": {"204": {"description": "ok"} } }""", version);

    /// <summary>GET /items whose 200 JSON response has <paramref name="schema"/>.</summary>
    public static string ResponseBody(string schema, string version = "3.1.0") =>
        Operation("get", "/items", $$$"""{"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {{{schema}}}} } } } }""", version);

    public static string Normalize(string json) => JsonNode.Parse(json)!.ToJsonString();
}
