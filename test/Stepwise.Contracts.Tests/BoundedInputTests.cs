using System.Text;

namespace Stepwise.Contracts.Tests;

/// <summary>
/// Hostile contracts fail fast with a clear error: YAML alias bombs, $refs that leave the contract's folder or point
/// at endless files, and files over the size cap. Each test finishes bounded because the reader stops early.
/// </summary>
public sealed class BoundedInputTests
{
    /// <summary>The classic 557-byte "billion laughs": nine levels of nine aliases each expand to 9^9 nodes.</summary>
    private static string AliasBomb(string prefix)
    {
        var text = new StringBuilder(prefix);
        text.Append("x-bomb:\n  a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            text.Append($"  {level}: &{level} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n");
        }
        return text.ToString();
    }

    private const string OpenApiYaml = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n";

    [Fact]
    public void a_yaml_alias_bomb_in_an_openapi_contract_fails_fast_naming_the_cause()
    {
        using var files = new ContractFiles();
        var bomb = AliasBomb(OpenApiYaml);
        Encoding.UTF8.GetByteCount(bomb).ShouldBeLessThan(1024);
        var oldPath = files.Write("old.yaml", OpenApiYaml);
        var newPath = files.Write("new.yaml", bomb);
        var error = Should.Throw<ContractInputException>(() => CompatRunner.Run(oldPath, newPath));
        error.Message.ShouldContain("alias");
        error.Message.ShouldContain("$ref");
        error.File.ShouldNotBeNull().ShouldEndWith("new.yaml");
        error.Line.ShouldNotBeNull();
    }

    [Fact]
    public void a_yaml_alias_bomb_in_a_json_schema_or_a_referenced_file_fails_fast()
    {
        using var files = new ContractFiles();
        var schemaPath = files.Write("new.schema.yaml", AliasBomb("type: object\n"));
        var oldPath = files.Write("old.schema.yaml", "type: object\n");
        Should.Throw<ContractInputException>(() => CompatRunner.Run(oldPath, schemaPath, ContractKind.JsonSchema)).Message.ShouldContain("alias");

        files.Write("shared.yaml", AliasBomb("Pet: {type: string}\n"));
        var referring = files.Write("ref.json", Spec.ResponseBody("""{"$ref": "shared.yaml#/Pet"}"""));
        var plain = files.Write("plain.json", Spec.ResponseBody("""{"type": "string"}"""));
        Should.Throw<ContractInputException>(() => new OpenApi.OpenApiChecker().Compare(plain, referring)).Message.ShouldContain("alias");
    }

    [Fact]
    public void anchors_and_aliases_within_the_budget_are_expanded()
    {
        using var files = new ContractFiles();
        var shared = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get: &op\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: string}}}}\n  /b:\n    get: *op\n";
        var written = shared.Replace("get: *op", "get:\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: string}}}}", StringComparison.Ordinal);
        files.CompareOpenApi(shared, written, "yaml").ShouldBeEmpty();
    }

    [Fact]
    public void the_alias_budget_is_configurable()
    {
        using var files = new ContractFiles();
        var text = OpenApiYaml + "x-list: &l [1, 2, 3, 4, 5, 6, 7, 8]\nx-copy: [*l, *l, *l]\n";
        var path = files.Write("a.yaml", text);
        Should.NotThrow(() => new OpenApi.OpenApiChecker().Compare(path, path));
        Should.Throw<ContractInputException>(() => new OpenApi.OpenApiChecker(new ContractLimits(MaxYamlAliasNodes: 10)).Compare(path, path)).Message.ShouldContain("10 nodes");
    }

    [Fact]
    public void a_reference_out_of_the_contract_folder_is_refused_without_reading_it()
    {
        using var files = new ContractFiles();
        var plain = files.Write("api/plain.json", Spec.ResponseBody("""{"type": "string"}"""));
        files.Write("secret.json", """{"Pet": {"type": "string"}}""");
        foreach (var reference in new[] { "../secret.json#/Pet", "/dev/zero", "/etc/passwd", "../../../../../../../../dev/zero#/x", "%2E%2E/secret.json#/Pet" })
        {
            var referring = files.Write("api/ref.json", Spec.ResponseBody($$$"""{"$ref": "{{{reference}}}"}"""));
            var error = Should.Throw<ContractInputException>(() => new OpenApi.OpenApiChecker().Compare(plain, referring), reference);
            error.Message.ShouldContain("leaves the contract's folder", customMessage: reference);
            error.File.ShouldNotBeNull().ShouldEndWith("ref.json");
        }
    }

    [Fact]
    public void a_symbolic_link_inside_the_folder_that_points_out_of_it_is_refused()
    {
        using var files = new ContractFiles();
        files.Write("secret.json", """{"Pet": {"type": "string"}}""");
        Directory.CreateDirectory(Path.Combine(files.Directory, "api"));
        File.CreateSymbolicLink(Path.Combine(files.Directory, "api", "link.json"), Path.Combine(files.Directory, "secret.json"));
        File.CreateSymbolicLink(Path.Combine(files.Directory, "api", "zero.json"), "/dev/zero");
        var plain = files.Write("api/plain.json", Spec.ResponseBody("""{"type": "string"}"""));
        foreach (var reference in new[] { "link.json#/Pet", "zero.json#/Pet" })
        {
            var referring = files.Write("api/ref.json", Spec.ResponseBody($$$"""{"$ref": "{{{reference}}}"}"""));
            Should.Throw<ContractInputException>(() => new OpenApi.OpenApiChecker().Compare(plain, referring)).Message.ShouldContain("leaves the contract's folder");
        }
    }

    [Fact]
    public void a_reference_to_a_file_below_the_contract_folder_still_resolves()
    {
        using var files = new ContractFiles();
        files.Write("api/schemas/pet.json", """{"Pet": {"type": "string"}}""");
        var plain = files.Write("api/plain.json", Spec.ResponseBody("""{"type": "string"}"""));
        var referring = files.Write("api/ref.json", Spec.ResponseBody("""{"$ref": "schemas/pet.json#/Pet"}"""));
        new OpenApi.OpenApiChecker().Compare(plain, referring, TestContext.Current.CancellationToken).ShouldBeEmpty();
    }

    [Fact]
    public void a_file_over_the_size_cap_is_bad_input_naming_the_cap()
    {
        using var files = new ContractFiles();
        var small = files.Write("small.json", Spec.ResponseBody("""{"type": "string"}"""));
        var large = files.Write("large.json", Spec.ResponseBody("""{"type": "string", "description": "LONG"}""").Replace("LONG", new string('x', 5000), StringComparison.Ordinal));
        var limits = new ContractLimits(MaxFileBytes: 4096);
        new OpenApi.OpenApiChecker(limits).Compare(small, small, TestContext.Current.CancellationToken).ShouldBeEmpty();
        var error = Should.Throw<ContractInputException>(() => new OpenApi.OpenApiChecker(limits).Compare(small, large));
        error.Message.ShouldContain("4 KiB");
        error.Message.ShouldContain("--max-file-size");
        error.File.ShouldNotBeNull().ShouldEndWith("large.json");
        Should.Throw<ContractInputException>(() => CompatRunner.Run(small, large, options: new CheckerOptions(Limits: limits))).Message.ShouldContain("size cap");
        Should.Throw<ContractInputException>(() => new JsonSchema.JsonSchemaChecker(limits: limits).Compare(files.Write("s.json", "{}"), large)).Message.ShouldContain("size cap");
    }

    [Fact]
    public void an_endless_file_given_directly_stops_at_the_cap()
    {
        var limits = new ContractLimits(MaxFileBytes: 1024 * 1024);
        Should.Throw<ContractInputException>(() => limits.ReadFile("/dev/zero", "/dev/zero")).Message.ShouldContain("size cap");
        Should.Throw<ContractInputException>(() => CompatRunner.Run("/dev/zero", "/dev/zero", ContractKind.OpenApi, options: new CheckerOptions(Limits: limits))).Message.ShouldContain("size cap");
    }

    [Theory]
    [InlineData("64M", 64L * 1024 * 1024)]
    [InlineData("512k", 512L * 1024)]
    [InlineData("1G", 1024L * 1024 * 1024)]
    [InlineData("1000", 1000L)]
    public void sizes_parse_with_a_unit(string text, long bytes) => ContractLimits.ParseSize(text).ShouldBe(bytes);

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("12T")]
    [InlineData("99999999999999999G")]
    public void bad_sizes_do_not_parse(string text) => ContractLimits.ParseSize(text).ShouldBeNull();

    [Theory]
    [InlineData("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\nx-deep: ", ContractKind.OpenApi)]
    [InlineData("type: object\nproperties: {a: {x-deep: ", ContractKind.JsonSchema)]
    public async Task yaml_nested_past_the_bound_is_bad_input_not_a_stack_overflow(string prefix, ContractKind kind)
    {
        using var files = new ContractFiles();
        var oldPath = files.Write("old.yaml", kind == ContractKind.OpenApi ? OpenApiYaml : "type: object\n");
        var newPath = files.Write("new.yaml", prefix + new string('[', 200_000) + "\n");
        // On a thread-pool thread, like a server request, whose stack is smaller than a process's main thread.
        var error = await Task.Run(() => Should.Throw<ContractInputException>(() => CompatRunner.Run(oldPath, newPath, kind)), TestContext.Current.CancellationToken);
        error.Message.ShouldContain("nests collections deeper than");
        error.File.ShouldNotBeNull().ShouldEndWith("new.yaml");
        error.Line.ShouldBe(kind == ContractKind.OpenApi ? 4 : 2);
    }
}
