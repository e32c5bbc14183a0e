namespace Stepwise.Contracts.Tests;

/// <summary>Input that cannot be read fails with a <see cref="ContractInputException"/> naming the file, line and fix.</summary>
public sealed class InputErrorTests
{
    private static ContractInputException OpenApiError(string oldContent, string newContent = "", string extension = "json")
    {
        using var files = new ContractFiles();
        var oldPath = files.Write("old." + extension, oldContent);
        var newPath = files.Write("new.json", newContent.Length == 0 ? Spec.WithPaths("{}") : newContent);
        return Should.Throw<ContractInputException>(() => new OpenApi.OpenApiChecker().Compare(oldPath, newPath));
    }

    [Fact]
    public void invalid_json_names_the_line_and_column()
    {
        var error = OpenApiError("{\n  \"openapi\": \"3.1.0\",\n  \"paths\": {,}\n}");
        error.Message.ShouldStartWith("invalid JSON");
        error.File.ShouldNotBeNull().ShouldEndWith("old.json");
        error.Line.ShouldBe(3);
        error.Column.ShouldNotBeNull();
        error.Describe().ShouldContain("old.json:3:");
    }

    [Fact]
    public void invalid_yaml_names_the_line()
    {
        var error = OpenApiError("openapi: 3.1.0\npaths:\n  /a: [unclosed\n", extension: "yaml");
        error.Message.ShouldStartWith("invalid YAML");
        error.Line.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(3);
    }

    [Fact]
    public void a_duplicate_yaml_key_is_rejected()
    {
        OpenApiError("openapi: 3.1.0\npaths: {}\npaths: {}\n", extension: "yaml").Message.ShouldContain("duplicate key paths");
    }

    [Theory]
    [InlineData("""{"/pets": 5}""", "the path item '/pets' must be an object")]
    [InlineData("""{"/pets": {"get": 7}}""", "the operation 'GET /pets' must be an object")]
    [InlineData("""{"/pets": {"get": {"parameters": [{"in": "query"}], "responses": {}}}}""", "a parameter needs 'name' and 'in'")]
    public void a_malformed_path_item_is_bad_input_saying_which(string paths, string message)
    {
        OpenApiError(Spec.WithPaths(paths)).Message.ShouldBe(message);
        OpenApiError(Spec.WithPaths("{}"), Spec.WithPaths(paths)).Message.ShouldBe(message);
    }

    [Fact]
    public void an_unresolved_reference_names_the_reference_and_where_it_is()
    {
        var error = OpenApiError(Spec.ResponseBody("""{"$ref": "#/components/schemas/Missing"}"""), Spec.ResponseBody("""{"type": "string"}"""));
        error.Message.ShouldContain("unresolved $ref '#/components/schemas/Missing'");
        error.File.ShouldNotBeNull().ShouldEndWith("old.json");
        error.Line.ShouldBe(1);
    }

    [Fact]
    public void a_reference_to_a_missing_file_is_unresolved()
    {
        OpenApiError(Spec.ResponseBody("""{"$ref": "missing.yaml#/Pet"}"""), Spec.ResponseBody("""{"type": "string"}""")).Message.ShouldContain("does not exist");
    }

    [Fact]
    public void a_remote_reference_is_refused_with_a_fix()
    {
        OpenApiError(Spec.ResponseBody("""{"$ref": "https://example.com/pet.json"}"""), Spec.ResponseBody("""{"type": "string"}""")).Message.ShouldContain("relative path");
    }

    [Fact]
    public void a_reference_that_points_to_itself_is_reported_not_followed_forever()
    {
        var spec = Spec.WithPaths("""{"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}}""",
            extra: """ "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}}""");
        OpenApiError(spec, spec).Message.ShouldContain("circular");
    }

    [Fact]
    public void an_empty_file_is_rejected()
    {
        OpenApiError("  \n").Message.ShouldContain("empty");
    }

    [Fact]
    public void a_binary_file_is_rejected()
    {
        using var files = new ContractFiles();
        var binary = files.Write("old.json", [0x89, 0x50, 0x4E, 0x47, 0x00, 0x01, 0x02]);
        var other = files.Write("new.json", Spec.WithPaths("{}"));
        Should.Throw<ContractInputException>(() => new OpenApi.OpenApiChecker().Compare(binary, other)).Message.ShouldContain("binary");
    }

    [Fact]
    public void swagger_2_is_refused_with_a_conversion_hint()
    {
        OpenApiError("""{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {}}""").Message.ShouldContain("Swagger 2.0 is not supported");
    }

    [Fact]
    public void a_json_schema_given_as_openapi_says_which_kind_to_pass()
    {
        OpenApiError("""{"type": "object"}""").Message.ShouldContain("--kind jsonschema");
    }

    [Fact]
    public void an_openapi_description_given_as_json_schema_says_which_kind_to_pass()
    {
        using var files = new ContractFiles();
        Should.Throw<ContractInputException>(() => files.CompareJsonSchema(Spec.WithPaths("{}"), """{"type": "object"}""")).Message.ShouldContain("--kind openapi");
    }

    [Fact]
    public void a_top_level_array_is_not_a_contract()
    {
        OpenApiError("[1, 2]").Message.ShouldContain("not an object");
    }

    [Fact]
    public void an_operation_that_is_not_an_object_is_rejected()
    {
        OpenApiError(Spec.WithPaths("""{"/a": {"get": 42}}""")).Message.ShouldContain("GET /a");
    }

    [Fact]
    public void a_parameter_without_a_name_is_rejected()
    {
        var spec = Spec.Operation("get", "/a", """{"parameters": [{"in": "query"}], "responses": {}}""");
        OpenApiError(spec, spec).Message.ShouldContain("'name' and 'in'");
    }

    [Fact]
    public void a_missing_file_is_bad_input()
    {
        Should.Throw<ContractInputException>(() => CompatRunner.Run("/nonexistent/old.json", "/nonexistent/new.json")).Message.ShouldContain("no such file");
    }

    [Fact]
    public void when_both_files_are_bad_the_old_one_is_reported()
    {
        using var files = new ContractFiles();
        var oldPath = files.Write("old.json", "{\"openapi\": \"3.1.0\", ");
        var newPath = files.Write("new.json", "[");
        Should.Throw<ContractInputException>(() => new OpenApi.OpenApiChecker().Compare(oldPath, newPath)).File.ShouldNotBeNull().ShouldEndWith("old.json");
    }

    [Fact]
    public void a_directory_given_as_an_openapi_description_is_bad_input()
    {
        using var files = new ContractFiles();
        Should.Throw<ContractInputException>(() => new OpenApi.OpenApiChecker().Compare(files.Directory, files.Directory)).Message.ShouldContain("directory");
    }
}
