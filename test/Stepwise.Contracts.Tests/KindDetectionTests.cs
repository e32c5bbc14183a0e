namespace Stepwise.Contracts.Tests;

public sealed class KindDetectionTests
{
    [Fact]
    public void openapi_json_and_yaml_are_detected()
    {
        using var files = new ContractFiles();
        ContractKindDetector.Detect(files.Write("a.json", Spec.WithPaths("{}"))).ShouldBe(ContractKind.OpenApi);
        ContractKindDetector.Detect(files.Write("a.yaml", "info: {title: t}\nopenapi: 3.0.0\npaths: {}\n")).ShouldBe(ContractKind.OpenApi);
    }

    [Fact]
    public void json_schemas_are_detected_by_their_keywords()
    {
        using var files = new ContractFiles();
        ContractKindDetector.Detect(files.Write("s.json", """{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}""")).ShouldBe(ContractKind.JsonSchema);
        ContractKindDetector.Detect(files.Write("s.yaml", "properties:\n  a: {type: string}\n")).ShouldBe(ContractKind.JsonSchema);
    }

    [Fact]
    public void proto_files_folders_and_descriptor_sets_are_protobuf()
    {
        using var files = new ContractFiles();
        ContractKindDetector.Detect(files.Write("a.proto", "syntax = \"proto3\";\nmessage A {}\n")).ShouldBe(ContractKind.Protobuf);
        files.Write("protos/v1/b.proto", "syntax = \"proto3\";\n");
        ContractKindDetector.Detect(Path.Combine(files.Directory, "protos")).ShouldBe(ContractKind.Protobuf);
        foreach (var extension in new[] { "pb", "binpb", "desc", "protoset" })
        {
            ContractKindDetector.Detect(files.Write("set." + extension, [0x0A, 0x02, 0x0A, 0x00])).ShouldBe(ContractKind.Protobuf);
        }
        // A FileDescriptorSet without a telling extension: field 1, length-delimited, filling the file exactly.
        byte[] descriptorSet = [0x0A, 0x09, 0x0A, 0x07, (byte)'a', (byte)'.', (byte)'p', (byte)'r', (byte)'o', (byte)'t', (byte)'o'];
        ContractKindDetector.Detect(files.Write("set.bin", descriptorSet)).ShouldBe(ContractKind.Protobuf);
    }

    [Fact]
    public void other_binary_files_empty_files_and_unknown_documents_are_bad_input()
    {
        using var files = new ContractFiles();
        Should.Throw<ContractInputException>(() => ContractKindDetector.Detect(files.Write("x.bin", [0xFF, 0x00, 0x13]))).Message.ShouldContain("binary");
        Should.Throw<ContractInputException>(() => ContractKindDetector.Detect(files.Write("e.json", ""))).Message.ShouldContain("empty");
        Should.Throw<ContractInputException>(() => ContractKindDetector.Detect(files.Write("u.json", """{"hello": "world"}"""))).Message.ShouldContain("--kind");
        var truncated = files.Write("bad.json", "{\"openapi\": ");
        Should.Throw<ContractInputException>(() => CompatRunner.Run(truncated, truncated)).Message.ShouldContain("invalid JSON");
        Should.Throw<ContractInputException>(() => ContractKindDetector.Detect(files.Write("bad2.json", "{\"info\": {"))).Message.ShouldContain("invalid JSON");
        Should.Throw<ContractInputException>(() => ContractKindDetector.Detect(Path.Combine(files.Directory, "nothing-here"))).Message.ShouldContain("no such file");
    }

    [Fact]
    public void mismatched_kinds_are_bad_input()
    {
        using var files = new ContractFiles();
        var api = files.Write("api.json", Spec.WithPaths("{}"));
        var schema = files.Write("schema.json", """{"type": "object"}""");
        Should.Throw<ContractInputException>(() => CompatRunner.Run(api, schema)).Message.ShouldContain("mismatched kinds");
    }

    [Fact]
    public void the_mode_keeps_only_the_directions_it_checks()
    {
        using var files = new ContractFiles();
        var a = files.Write("a.json", Spec.RequestBody("""{"type": "string", "enum": ["a", "b"]}"""));
        var b = files.Write("b.json", Spec.RequestBody("""{"type": "string", "enum": ["a", "c"]}"""));
        CompatRunner.Run(a, b, mode: CompatMode.Fleet, cancellationToken: TestContext.Current.CancellationToken).Findings.Select(f => f.Direction).ShouldBe([Direction.Backward, Direction.Forward], ignoreOrder: true);
        CompatRunner.Run(a, b, mode: CompatMode.Backward, cancellationToken: TestContext.Current.CancellationToken).Findings.ShouldAllBe(f => f.Direction == Direction.Backward);
        CompatRunner.Run(a, b, mode: CompatMode.Backward, cancellationToken: TestContext.Current.CancellationToken).Findings.ShouldHaveSingleItem().RuleId.ShouldBe("request-enum-value-removed");
        CompatRunner.Run(a, b, mode: CompatMode.Forward, cancellationToken: TestContext.Current.CancellationToken).Findings.ShouldHaveSingleItem().RuleId.ShouldBe("request-enum-value-added");
    }
}
