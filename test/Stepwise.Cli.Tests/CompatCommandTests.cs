using System.Text.Json;
using Stepwise.Cli.Commands;

namespace Stepwise.Cli.Tests;

public sealed class CompatCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "stepwise-compat-cli-" + Guid.NewGuid().ToString("N"));

    public CompatCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Api(string operations) => $$$"""{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {{{operations}}}}""";

    private const string GetPet = """{"/pets/{id}": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}}}}}}}}""";
    private const string GetPetDeprecated = """{"/pets/{id}": {"get": {"deprecated": true, "responses": {"200": {"description": "ok"}}}}}""";

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = StepwiseCli.Run(["compat", .. args], stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void an_unchanged_contract_is_compatible_and_exits_0()
    {
        var a = Write("a.json", Api(GetPet));
        var b = Write("b.yaml", "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /pets/{petId}:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: object\n                properties: {name: {type: string}}\n");
        var (exit, output, _) = Run(a, b);
        exit.ShouldBe(ExitCodes.Ok);
        output.ShouldContain("0 errors, 0 warnings, 0 info: compatible");
    }

    [Fact]
    public void removing_an_undeprecated_operation_exits_1_with_the_rule_and_fix()
    {
        var (exit, output, _) = Run(Write("a.json", Api(GetPet)), Write("b.json", Api("{}")));
        exit.ShouldBe(ExitCodes.Refused);
        output.ShouldContain("operation-removed [backward]");
        output.ShouldContain("fix: Deprecate it in N, remove it in N+1 once no caller uses it");
    }

    [Fact]
    public void a_warning_fails_only_with_fail_on_warning()
    {
        var a = Write("a.json", Api(GetPetDeprecated));
        var b = Write("b.json", Api("{}"));
        Run(a, b).Exit.ShouldBe(ExitCodes.Ok);
        Run(a, b, "--fail-on", "warning").Exit.ShouldBe(ExitCodes.Refused);
    }

    [Fact]
    public void the_mode_decides_which_direction_fails()
    {
        // A response property made required breaks new callers reading old servers (forward), an error in strict
        // and forward; in fleet it is the server's expand step (callers rely on it only once every server runs N+1),
        // reported as information. Old callers reading new servers (backward) are unaffected.
        var a = Write("a.json", Api(GetPet));
        var b = Write("b.json", Api(GetPet.Replace("\"properties\": {\"name\": {\"type\": \"string\"}}", "\"properties\": {\"name\": {\"type\": \"string\"}}, \"required\": [\"name\"]", StringComparison.Ordinal)));
        var fleet = Run(a, b);
        fleet.Exit.ShouldBe(ExitCodes.Ok);
        fleet.Out.ShouldContain("response-property-required-added");
        Run(a, b, "--mode", "strict").Exit.ShouldBe(ExitCodes.Refused);
        Run(a, b, "--mode", "forward").Exit.ShouldBe(ExitCodes.Refused);
        Run(a, b, "--mode", "backward").Exit.ShouldBe(ExitCodes.Ok);
    }

    [Fact]
    public void json_output_is_machine_readable()
    {
        var (exit, output, _) = Run(Write("a.json", Api(GetPet)), Write("b.json", Api("{}")), "--format", "json");
        exit.ShouldBe(ExitCodes.Refused);
        using var doc = JsonDocument.Parse(output);
        doc.RootElement.GetProperty("breaking").GetBoolean().ShouldBeTrue();
        doc.RootElement.GetProperty("findings")[0].GetProperty("ruleId").GetString().ShouldBe("operation-removed");
    }

    [Fact]
    public void sarif_and_markdown_outputs_are_produced()
    {
        var a = Write("a.json", Api(GetPet));
        var b = Write("b.json", Api("{}"));
        using var sarif = JsonDocument.Parse(Run(a, b, "--format", "sarif").Out);
        sarif.RootElement.GetProperty("version").GetString().ShouldBe("2.1.0");
        Run(a, b, "--format", "markdown").Out.ShouldContain("| error | `operation-removed` |");
    }

    [Fact]
    public void json_schema_role_decides_the_direction()
    {
        var a = Write("a.schema.json", """{"type": "string", "enum": ["a"]}""");
        var b = Write("b.schema.json", """{"type": "string", "enum": ["a", "b"]}""");
        // A wider schema breaks old readers of new data: backward for a writer's schema, forward for a reader's.
        Run(a, b, "--role", "writer", "--mode", "backward").Exit.ShouldBe(ExitCodes.Refused);
        Run(a, b, "--role", "reader", "--mode", "backward").Exit.ShouldBe(ExitCodes.Ok);
        Run(a, b, "--kind", "jsonschema", "--role", "reader", "--mode", "forward").Exit.ShouldBe(ExitCodes.Refused);
    }

    [Fact]
    public void invalid_json_exits_2_naming_file_line_and_column()
    {
        var (exit, output, error) = Run(Write("a.json", "{\n  \"openapi\": \"3.1.0\",\n  \"paths\": [}\n"), Write("b.json", Api("{}")));
        exit.ShouldBe(ExitCodes.BadInput);
        output.ShouldBeEmpty();
        error.ShouldStartWith("error: ");
        error.ShouldContain("a.json:3:");
        error.ShouldContain("invalid JSON");
    }

    [Fact]
    public void empty_binary_and_mismatched_inputs_exit_2()
    {
        var api = Write("api.json", Api("{}"));
        Run(Write("empty.json", ""), api).Exit.ShouldBe(ExitCodes.BadInput);
        var binary = Path.Combine(_dir, "blob.bin");
        File.WriteAllBytes(binary, [0x00, 0xFF, 0x10, 0x80]);
        Run(binary, api).Err.ShouldContain("binary");
        Run(api, Write("s.json", """{"type": "object"}""")).Err.ShouldContain("mismatched kinds");
        Run(api, Path.Combine(_dir, "missing.json")).Exit.ShouldBe(ExitCodes.BadInput);
        Run(Write("u.json", Api("""{"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Nope"}}}}}""")), api).Err.ShouldContain("unresolved $ref");
    }

    [Fact]
    public void protobuf_contracts_are_compared_end_to_end()
    {
        var old = Write("old/orders.proto", "syntax = \"proto3\";\npackage shop.v1;\nmessage Order {\n  string id = 1;\n  int64 total_cents = 2;\n}\nservice Orders {\n  rpc Get(Order) returns (Order);\n}\n");
        var same = Write("same/orders.proto", "syntax = \"proto3\";\npackage shop.v1;\n\n// Reformatted, same wire and JSON shape.\nmessage Order { string id = 1; int64 total_cents = 2; }\nservice Orders { rpc Get(Order) returns (Order); }\n");
        var removed = Write("removed/orders.proto", "syntax = \"proto3\";\npackage shop.v1;\nmessage Order {\n  string id = 1;\n}\nservice Orders {\n  rpc Get(Order) returns (Order);\n}\n");
        var broken = Write("broken/orders.proto", "syntax = \"proto3\";\npackage shop.v1;\nmessage Order {\n  strin id = 1;\n}\n");

        Run(Path.GetDirectoryName(old)!, Path.GetDirectoryName(same)!).Exit.ShouldBe(ExitCodes.Ok);
        var (exit, output, _) = Run(Path.GetDirectoryName(old)!, Path.GetDirectoryName(removed)!);
        exit.ShouldBe(ExitCodes.Refused);
        output.ShouldContain("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED");
        var bad = Run(Path.GetDirectoryName(old)!, Path.GetDirectoryName(broken)!);
        bad.Exit.ShouldBe(ExitCodes.BadInput);
        bad.Err.ShouldContain("orders.proto:4:");
    }

    [Fact]
    public void an_unknown_option_value_is_a_usage_error()
    {
        Run("a.json", "b.json", "--mode", "sideways").Exit.ShouldBe(ExitCodes.BadInput);
        Run("a.json", "b.json", "--kind", "graphql").Exit.ShouldBe(ExitCodes.BadInput);
    }

    [Fact]
    public void the_documentation_names_every_option_and_rule()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Stepwise.slnx")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }
        var docs = File.ReadAllText(Path.Combine(root, "docs", "compat.md"));
        foreach (var option in CompatCommand.Create().Options.Where(o => o.Name.StartsWith("--", StringComparison.Ordinal)))
        {
            docs.ShouldContain($"`{option.Name}", customMessage: $"docs/compat.md does not document {option.Name}");
        }
        foreach (var rule in Stepwise.Contracts.CompatRules.All)
        {
            docs.ShouldContain($"`{rule.Id}`", customMessage: $"docs/compat.md does not list rule {rule.Id}");
        }
    }
}
