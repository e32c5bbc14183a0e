namespace Stepwise.Contracts.Tests;

/// <summary>Contracts that mean the same but are written differently produce no finding.</summary>
public sealed class EquivalenceTests
{
    private static void NoFindings(string oldSpec, string newSpec, string oldExtension = "json", string newExtension = "json")
    {
        using var files = new ContractFiles();
        var findings = new OpenApi.OpenApiChecker().Compare(files.Write("old." + oldExtension, oldSpec), files.Write("new." + newExtension, newSpec));
        findings.ShouldBeEmpty(string.Join("\n", findings.Select(f => $"{f.RuleId} {f.Location}: {f.Message}")));
    }

    [Fact]
    public void the_same_description_in_json_and_yaml_is_equal()
    {
        const string json = """
            {"openapi": "3.0.3", "info": {"title": "pets", "version": "1"},
             "paths": {"/pets/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
               "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}}}},
             "components": {"schemas": {"Pet": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}, "tag": {"type": "string", "nullable": true, "enum": ["a", "b"]}, "weight": {"type": "number", "maximum": 1.5}}}}}}
            """;
        const string yaml = """
            openapi: 3.0.3
            info: {title: pets, version: "1"}
            paths:
              /pets/{id}:
                get:
                  parameters:
                    - name: id
                      in: path
                      required: true
                      schema: {type: integer, minimum: 1}
                  responses:
                    "200":
                      description: ok
                      content:
                        application/json:
                          schema:
                            $ref: '#/components/schemas/Pet'
            components:
              schemas:
                Pet:
                  type: object
                  required: [id]
                  properties:
                    weight: {type: number, maximum: 1.5}
                    tag: {type: string, nullable: true, enum: [b, a]}
                    id: {type: integer}
            """;
        NoFindings(json, yaml, "json", "yaml");
        NoFindings(yaml, json, "yaml", "json");
    }

    [Fact]
    public void openapi_3_0_nullable_equals_3_1_null_in_the_type_list()
    {
        NoFindings(Spec.ResponseBody("""{"type": "string", "nullable": true}""", "3.0.3"), Spec.ResponseBody("""{"type": ["string", "null"]}""", "3.1.0"));
    }

    [Fact]
    public void a_nullable_reference_written_with_all_of_equals_one_written_with_one_of_null()
    {
        const string components = """
            "components": {"schemas": {"User": {"type": "object", "properties": {"login": {"type": "string"}}}}}
            """;
        var older = Spec.WithPaths("""{"/u": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/User"}], "nullable": true}}}}}}}}""", "3.0.3", components);
        var newer = Spec.WithPaths("""{"/u": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"oneOf": [{"$ref": "#/components/schemas/User"}, {"type": "null"}]}}}}}}}}""", "3.1.0", components);
        NoFindings(older, newer);
    }

    [Fact]
    public void a_referenced_schema_equals_the_same_schema_inline()
    {
        var inline = Spec.RequestBody("""{"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}}, "required": ["name"]}""");
        var referenced = Spec.WithPaths(
            """{"/items": {"post": {"requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}, "responses": {"204": {"description": "ok"}}}}}""",
            extra: """ "components": {"schemas": {"Item": {"required": ["name"], "properties": {"name": {"maxLength": 20, "type": "string"}}, "type": "object"}}}""");
        NoFindings(inline, referenced);
    }

    [Fact]
    public void a_schema_in_another_file_equals_the_same_schema_inline()
    {
        using var files = new ContractFiles();
        files.Write("schemas/item.yaml", "type: object\nproperties:\n  name: {type: string}\nrequired: [name]\n");
        var split = files.Write("new.yaml", """
            openapi: 3.1.0
            info: {title: t, version: "1"}
            paths:
              /items:
                post:
                  requestBody:
                    required: true
                    content:
                      application/json:
                        schema: {$ref: 'schemas/item.yaml'}
                  responses: {"204": {description: ok}}
            """);
        var whole = files.Write("old.json", Spec.RequestBody("""{"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}"""));
        new OpenApi.OpenApiChecker().Compare(whole, split, TestContext.Current.CancellationToken).ShouldBeEmpty();
    }

    [Fact]
    public void all_of_composition_equals_the_flattened_schema()
    {
        var flat = Spec.ResponseBody("""{"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}, "required": ["id", "name"]}""");
        var composed = Spec.ResponseBody("""{"allOf": [{"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}, {"properties": {"name": {"type": "string"}}, "required": ["name"]}]}""");
        NoFindings(flat, composed);
        NoFindings(composed, flat);
    }

    [Fact]
    public void const_equals_a_one_value_enum_and_a_single_type_equals_a_one_type_list()
    {
        NoFindings(Spec.RequestBody("""{"type": "string", "const": "x"}"""), Spec.RequestBody("""{"type": ["string"], "enum": ["x"]}"""));
    }

    [Fact]
    public void openapi_3_0_boolean_exclusive_bounds_equal_3_1_numeric_ones()
    {
        NoFindings(Spec.RequestBody("""{"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 10}""", "3.0.3"),
                   Spec.RequestBody("""{"type": "number", "exclusiveMinimum": 0, "maximum": 10}""", "3.1.0"));
    }

    [Fact]
    public void one_of_single_values_equals_an_enum()
    {
        NoFindings(Spec.ResponseBody("""{"type": "string", "enum": ["a", "b"]}"""),
                   Spec.ResponseBody("""{"oneOf": [{"type": "string", "enum": ["a"]}, {"type": "string", "const": "b"}]}"""));
    }

    [Fact]
    public void reordered_alternatives_keys_and_enum_values_are_equal()
    {
        NoFindings(Spec.ResponseBody("""{"oneOf": [{"type": "string"}, {"type": "object", "properties": {"a": {"type": "integer"}}}], "description": "x"}"""),
                   Spec.ResponseBody("""{"description": "y", "oneOf": [{"properties": {"a": {"type": "integer"}}, "type": "object"}, {"type": "string"}]}"""));
    }

    [Fact]
    public void media_type_and_header_names_are_compared_without_case()
    {
        static string Doc(string media, string header) => Spec.Operation("get", "/x",
            "{\"responses\": {\"200\": {\"description\": \"ok\", \"headers\": {\"" + header + "\": {\"required\": true, \"schema\": {\"type\": \"string\"}}}, \"content\": {\"" + media + "\": {\"schema\": {\"type\": \"string\"}}}}}}");
        NoFindings(Doc("application/json", "X-Rate-Limit"), Doc("Application/JSON", "x-rate-limit"));
    }

    [Fact]
    public void descriptions_examples_and_extensions_do_not_matter()
    {
        NoFindings(Spec.ResponseBody("""{"type": "string", "description": "old words", "example": "a"}"""),
                   Spec.ResponseBody("""{"type": "string", "description": "new words", "examples": ["b"], "x-internal": true, "title": "T"}"""));
    }

    [Fact]
    public void json_schema_definitions_and_defs_spellings_are_equal()
    {
        using var files = new ContractFiles();
        files.CompareJsonSchema(
            """{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "properties": {"a": {"$ref": "#/definitions/A"}}, "definitions": {"A": {"type": "integer"}}}""",
            """{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": {"a": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"type": "integer"}}}""").ShouldBeEmpty();
    }

    [Fact]
    public void yaml_anchors_and_aliases_equal_the_written_out_schema()
    {
        const string anchored = """
            openapi: 3.1.0
            info: {title: t, version: "1"}
            paths:
              /a:
                get:
                  responses:
                    "200":
                      description: ok
                      content:
                        application/json:
                          schema: &thing {type: object, properties: {id: {type: integer}}, required: [id]}
              /b:
                get:
                  responses:
                    "200":
                      description: ok
                      content:
                        application/json:
                          schema: *thing
            """;
        const string written = """
            openapi: 3.1.0
            info: {title: t, version: "1"}
            paths:
              /a:
                get:
                  responses:
                    "200": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: integer}}, required: [id]}}}}
              /b:
                get:
                  responses:
                    "200": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: integer}}, required: [id]}}}}
            """;
        NoFindings(anchored, written, "yaml", "yaml");
    }

    [Fact]
    public void a_schema_that_includes_itself_through_all_of_compares_without_looping()
    {
        static string Doc(string extra) => Spec.WithPaths(
            """{"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}}""",
            extra: " \"components\": {\"schemas\": {\"A\": {\"allOf\": [{\"$ref\": \"#/components/schemas/A\"}, {\"type\": \"object\", \"properties\": {\"x\": {\"type\": \"string\"" + extra + "}}}]}}}");
        NoFindings(Doc(""), Doc(""));
        using var files = new ContractFiles();
        files.CompareOpenApi(Doc(""), Doc(", \"maxLength\": 3")).Select(f => f.RuleId).ShouldBe(["response-length-range-narrowed"]);
    }

    [Fact]
    public void draft_07_tuple_items_equal_2020_12_prefix_items()
    {
        using var files = new ContractFiles();
        files.CompareJsonSchema(
            """{"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}""",
            """{"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}]}""").ShouldBeEmpty();
    }

    [Fact]
    public void a_reference_by_the_schemas_own_id_is_a_local_reference()
    {
        using var files = new ContractFiles();
        files.CompareJsonSchema(
            """{"$id": "https://example.com/a.json", "type": "object", "properties": {"b": {"$ref": "https://example.com/a.json#/$defs/B"}}, "$defs": {"B": {"type": "integer"}}}""",
            """{"$id": "https://example.com/a.json", "type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}, "$defs": {"B": {"type": "integer"}}}""").ShouldBeEmpty();
    }
}
