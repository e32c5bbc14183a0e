using Stepwise.Contracts.Protobuf;

namespace Stepwise.Contracts.Tests.Protobuf;

/// <summary>Contracts that describe the same wire, JSON and service surface, written differently, produce no finding.</summary>
public sealed class ProtobufEquivalenceTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private const string OneFile = """
        syntax = "proto3";
        package shop.v1;
        option java_package = "com.example.shop";

        enum State {
          STATE_UNSPECIFIED = 0;
          OPEN = 1;
        }

        message Order {
          string id = 1;
          State state = 2;
          repeated string tags = 3;
          map<string, int64> counts = 4;
          oneof payment {
            string card = 5;
            string voucher = 6;
          }
        }

        message GetOrderRequest { string id = 1; }

        service Orders {
          rpc GetOrder(GetOrderRequest) returns (Order);
        }
        """;

    [Fact]
    public void splitting_a_file_reordering_fields_and_changing_comments_and_language_options_produces_no_finding()
    {
        workspace.Write("old/shop/v1/shop.proto", OneFile);
        workspace.Write("new/shop/v1/types.proto", """
            // Types moved into their own file.
            syntax = "proto3";
            package shop.v1;
            option java_package = "com.example.shop.v2";
            option go_package = "example.com/shop/v1;shopv1";
            option csharp_namespace = "Example.Shop";

            /* Order states. */
            enum State {
              STATE_UNSPECIFIED = 0;
              OPEN = 1;
            }

            message Order {
              oneof payment {
                string voucher = 6;
                string card = 5;
              }
              map<string, int64> counts = 4;
              repeated string tags = 3;
              .shop.v1.State state = 2 [deprecated = true];
              string id = 1;
            }
            """);
        workspace.Write("new/shop/v1/service.proto", """
            syntax = "proto3";
            package shop.v1;
            import "shop/v1/types.proto";

            message GetOrderRequest {
              // The order id.
              string id = 1 [json_name = "id"];
            }

            service Orders {
              option deprecated = false;
              rpc GetOrder(shop.v1.GetOrderRequest) returns (.shop.v1.Order) {}
            }
            """);

        workspace.CompareFolders().ShouldBeEmpty();
    }

    [Fact]
    public void moving_a_file_to_another_folder_produces_no_finding()
    {
        workspace.Write("old/shop.proto", OneFile);
        workspace.Write("new/api/shop/v1/orders.proto", OneFile);

        workspace.CompareFolders().ShouldBeEmpty();
    }

    [Fact]
    public void a_descriptor_set_and_the_source_it_was_compiled_from_produce_no_finding()
    {
        var source = workspace.Write("src/shop.proto", OneFile);
        var set = Protoc.Compile(Path.GetDirectoryName(source)!, ["shop.proto"], TestContext.Current.CancellationToken);
        var setPath = workspace.WriteBytes("shop.pb", set);

        new ProtobufChecker().Compare(setPath, source, TestContext.Current.CancellationToken).ShouldBeEmpty();
        new ProtobufChecker().Compare(source, setPath, TestContext.Current.CancellationToken).ShouldBeEmpty();
    }

    [Fact]
    public void identical_folders_produce_no_finding_with_or_without_skipping_unchanged_files()
    {
        workspace.Write("old/shop.proto", OneFile);
        workspace.Write("new/shop.proto", OneFile);

        new ProtobufChecker().Compare(workspace.OldDir, workspace.NewDir, TestContext.Current.CancellationToken).ShouldBeEmpty();
        new ProtobufChecker { SkipUnchangedFiles = false }.Compare(workspace.OldDir, workspace.NewDir, TestContext.Current.CancellationToken).ShouldBeEmpty();
    }

    [Fact]
    public void skipping_unchanged_files_or_compiling_in_slices_finds_exactly_what_one_full_compile_finds()
    {
        // common.proto is identical on both sides; orders.proto changes and imports it; billing.proto is identical
        // but imports orders.proto, so it is compared too; audit.proto is identical and stands alone.
        const string common = "syntax = \"proto3\";\npackage shop.v1;\nenum State { STATE_UNSPECIFIED = 0; OPEN = 1; }\nmessage Money { int64 units = 1; }\n";
        const string billing = "syntax = \"proto3\";\npackage shop.v1;\nimport \"orders.proto\";\nmessage Invoice { Order order = 1; int32 lines = 2; }\nservice Billing { rpc Bill(Invoice) returns (Invoice); }\n";
        const string audit = "syntax = \"proto3\";\npackage shop.v1;\nmessage AuditEntry { string who = 1; }\nservice Audit { rpc Log(AuditEntry) returns (AuditEntry); }\n";
        foreach (var side in new[] { "old", "new" })
        {
            workspace.Write($"{side}/common.proto", common);
            workspace.Write($"{side}/billing.proto", billing);
            workspace.Write($"{side}/audit.proto", audit);
        }
        workspace.Write("old/orders.proto", "syntax = \"proto3\";\npackage shop.v1;\nimport \"common.proto\";\nmessage Order { State state = 1; Money total = 2; string note = 3; }\nservice Orders { rpc Get(Order) returns (Order); rpc Drop(Order) returns (Order); }\n");
        workspace.Write("new/orders.proto", "syntax = \"proto3\";\npackage shop.v1;\nimport \"common.proto\";\nmessage Order { State state = 1; int64 total = 2; }\nservice Orders { rpc Get(Order) returns (Order); rpc Put(Order) returns (Order); }\n");

        var skipping = new ProtobufChecker().Compare(workspace.OldDir, workspace.NewDir, TestContext.Current.CancellationToken);
        var full = new ProtobufChecker { SkipUnchangedFiles = false }.Compare(workspace.OldDir, workspace.NewDir, TestContext.Current.CancellationToken);

        skipping.ShouldNotBeEmpty();
        skipping.ShouldBe(full);

        // Compiling in slices of two files (imports shared by slices are compiled more than once) changes nothing either.
        var sliced = new ProtobufChecker { SkipUnchangedFiles = false, FilesPerCompile = 2 }.Compare(workspace.OldDir, workspace.NewDir, TestContext.Current.CancellationToken);
        sliced.ShouldBe(full);
    }
}
