using Stepwise.Contracts.Protobuf;

namespace Stepwise.Contracts.Tests.Protobuf;

public sealed class ProtobufBadInputTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private const string Valid = "syntax = \"proto3\";\npackage shop.v1;\nmessage Order { string id = 1; }\n";

    private ContractInputException Refused(string oldPath, string newPath) =>
        Should.Throw<ContractInputException>(() => new ProtobufChecker().Compare(oldPath, newPath, TestContext.Current.CancellationToken));

    [Fact]
    public void a_proto_that_does_not_compile_is_refused_with_protocs_message_and_its_place()
    {
        var valid = workspace.Write("new/shop.proto", Valid);
        var broken = workspace.Write("old/shop.proto", "syntax = \"proto3\";\npackage shop.v1;\nmessage Order {\n  strin id = 1;\n}\n");

        var error = Refused(Path.GetDirectoryName(broken)!, Path.GetDirectoryName(valid)!);

        error.File.ShouldBe(broken);
        error.Line.ShouldBe(4);
        error.Column.ShouldNotBeNull();
        error.Message.ShouldContain("\"strin\" is not defined");
        error.Describe().ShouldStartWith($"{broken}:4:");
    }

    [Fact]
    public void an_unresolvable_import_is_refused_with_the_importing_line()
    {
        var valid = workspace.Write("new/shop.proto", Valid);
        var broken = workspace.Write("old/shop.proto", "syntax = \"proto3\";\npackage shop.v1;\nimport \"missing/money.proto\";\nmessage Order { string id = 1; }\n");

        var error = Refused(broken, valid);

        error.File.ShouldBe(broken);
        error.Line.ShouldBe(3);
        error.Message.ShouldContain("missing/money.proto");
    }

    [Fact]
    public void an_empty_proto_file_is_refused()
    {
        var valid = workspace.Write("new/shop.proto", Valid);
        var empty = workspace.Write("old/shop.proto", "");

        Refused(empty, valid).Message.ShouldContain("empty");
    }

    [Fact]
    public void an_empty_descriptor_file_is_refused()
    {
        var valid = workspace.Write("new/shop.proto", Valid);
        var empty = workspace.WriteBytes("old/shop.pb", []);

        Refused(valid, empty).Message.ShouldContain("empty");
    }

    [Fact]
    public void a_binary_file_named_proto_is_refused_as_binary()
    {
        var valid = workspace.Write("new/shop.proto", Valid);
        var binary = workspace.WriteBytes("old/shop.proto", [0x0A, 0x00, 0xFF, 0x13, 0x00]);

        Refused(binary, valid).Message.ShouldContain("binary");
    }

    [Fact]
    public void random_bytes_are_refused_as_not_a_descriptor_set()
    {
        var valid = workspace.Write("new/shop.proto", Valid);
        var random = workspace.WriteBytes("old/shop.pb", [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x02]);

        var error = Refused(random, valid);
        error.Message.ShouldContain("not a Protobuf descriptor set");
        error.File.ShouldBe(random);
    }

    [Fact]
    public void a_text_file_that_is_not_proto_source_is_refused()
    {
        var valid = workspace.Write("new/shop.proto", Valid);
        var json = workspace.Write("old/openapi.json", "{ \"openapi\": \"3.1.0\" }\n");

        Refused(json, valid).Message.ShouldContain("text, not a binary descriptor set");
    }

    [Fact]
    public void a_missing_path_is_refused()
    {
        var valid = workspace.Write("new/shop.proto", Valid);

        Refused(Path.Combine(workspace.Root, "nothing-here"), valid).Message.ShouldContain("no such file or folder");
    }

    [Fact]
    public void a_folder_without_proto_files_is_refused()
    {
        var valid = workspace.Write("new/shop.proto", Valid);
        workspace.Write("old/README.md", "no contracts here");

        Refused(workspace.OldDir, Path.GetDirectoryName(valid)!).Message.ShouldContain("no .proto files");
    }

    [Fact]
    public void a_descriptor_set_built_without_its_imports_is_refused()
    {
        var source = workspace.Write("src/shop.proto", "syntax = \"proto3\";\npackage shop.v1;\nimport \"google/protobuf/timestamp.proto\";\nmessage Order { google.protobuf.Timestamp at = 1; }\n");
        var full = Protoc.Compile(Path.GetDirectoryName(source)!, ["shop.proto"], TestContext.Current.CancellationToken);
        // Keep only the last file of the set (shop.proto), as protoc writes without --include_imports.
        var contract = ProtoContractReader.FromDescriptorSet("set", full, null);
        var shopOnly = new Google.Protobuf.Reflection.FileDescriptorSet();
        shopOnly.File.Add(contract.FilesByName["shop.proto"].Proto);
        var path = workspace.WriteBytes("shop.pb", Google.Protobuf.MessageExtensions.ToByteArray(shopOnly));

        Refused(path, source).Message.ShouldContain("--include_imports");
    }
}
