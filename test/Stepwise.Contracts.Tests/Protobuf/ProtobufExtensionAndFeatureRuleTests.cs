namespace Stepwise.Contracts.Tests.Protobuf;

/// <summary>
/// A deleted extension, an enum switched between open and closed, and a string field whose UTF-8 validation changed:
/// each judged by which reader meets data it mishandles, with the syntax (proto2, proto3) or editions feature that sets it.
/// </summary>
public sealed class ProtobufExtensionAndFeatureRuleTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private static string Proto2(string body) => "syntax = \"proto2\";\npackage shop.v1;\n" + body;

    private static string Proto3(string body) => "syntax = \"proto3\";\npackage shop.v1;\n" + body;

    private static string Editions(string body) => "edition = \"2023\";\npackage shop.v1;\n" + body;

    private static readonly Direction[] Both = [Direction.Backward, Direction.Forward];

    private const string Order = "message Order {\n  extensions 100 to 200;\n}\n";

    [Fact]
    public void deleting_an_extension_breaks_both_directions_like_a_deleted_field()
    {
        var findings = workspace.Compare(
            Proto2(Order + "extend Order {\n  optional string channel = 100;\n}\n"),
            Proto2(Order));

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["EXTENSION_NO_DELETE"]);
        findings.Directions("EXTENSION_NO_DELETE").ShouldBe(Both);
        var finding = findings.OfRule("EXTENSION_NO_DELETE")[0];
        finding.Severity.ShouldBe(Severity.Error);
        finding.Location.ShouldBe("shop.v1.channel");
        finding.File.ShouldBe(Path.Combine(workspace.NewDir, "contract.proto"));
        finding.Line.ShouldBe(2, "a file-level extension is anchored at the package line of the file that held it");
        finding.Message.ShouldContain("[shop.v1.channel]");
    }

    [Fact]
    public void deleting_an_extension_declared_in_a_message_points_at_that_message()
    {
        var findings = workspace.Compare(
            Proto2(Order + "message Tracking {\n  extend Order {\n    optional string channel = 101;\n  }\n}\n"),
            Proto2(Order + "message Tracking {\n}\n"));

        findings.Directions("EXTENSION_NO_DELETE").ShouldBe(Both);
        findings.OfRule("EXTENSION_NO_DELETE")[0].Location.ShouldBe("shop.v1.Tracking.channel");
        findings.OfRule("EXTENSION_NO_DELETE")[0].Line.ShouldBe(6);
    }

    [Fact]
    public void an_extension_kept_or_gone_with_the_message_it_extends_is_no_deletion()
    {
        const string Extended = Order + "extend Order {\n  optional string channel = 100;\n}\n";
        workspace.Compare(Proto2(Extended), Proto2(Extended)).ShouldBeEmpty();
        // Nothing carries the extension once the message it extends is gone (that message is judged where it is used).
        workspace.Compare(Proto2(Extended), Proto2("message Other {\n  optional string id = 1;\n}\n")).OfRule("EXTENSION_NO_DELETE").ShouldBeEmpty();
    }

    private const string State = "enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n}\n";
    private const string ClosedState = "enum State {\n  option features.enum_type = CLOSED;\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n}\n";

    [Fact]
    public void closing_an_open_enum_breaks_new_readers_of_old_data()
    {
        var findings = workspace.Compare(Editions(State), Editions(ClosedState));

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["ENUM_SAME_TYPE"]);
        findings.Directions("ENUM_SAME_TYPE").ShouldBe([Direction.Backward]);
        var finding = findings.OfRule("ENUM_SAME_TYPE")[0];
        finding.Severity.ShouldBe(Severity.Error);
        finding.Location.ShouldBe("shop.v1.State");
        finding.Message.ShouldContain("open to closed");
    }

    [Fact]
    public void opening_a_closed_enum_breaks_old_readers_of_new_data()
    {
        workspace.Compare(Editions(ClosedState), Editions(State)).Directions("ENUM_SAME_TYPE").ShouldBe([Direction.Forward]);
    }

    [Fact]
    public void an_enum_is_closed_in_proto2_open_in_proto3_and_follows_the_file_feature_in_editions()
    {
        // proto2 to proto3 opens the enum: old (closed) readers drop numbers new writers may set.
        workspace.Compare(Proto2(State), Proto3(State)).Directions("ENUM_SAME_TYPE").ShouldBe([Direction.Forward]);
        // proto2 to editions with the file closed keeps it closed: no change.
        workspace.Compare(Proto2(State), Editions("option features.enum_type = CLOSED;\n" + State)).OfRule("ENUM_SAME_TYPE").ShouldBeEmpty();
        workspace.Compare(Proto3(State), Editions(State)).ShouldBeEmpty();
    }

    private const string Note = "message Order {\n  string note = 1;\n}\n";
    private const string UncheckedNote = "message Order {\n  string note = 1 [features.utf8_validation = NONE];\n}\n";

    [Fact]
    public void a_string_field_that_starts_verifying_utf8_breaks_new_readers_of_old_data()
    {
        var findings = workspace.Compare(Editions(UncheckedNote), Editions(Note));

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["FIELD_SAME_UTF8_VALIDATION"]);
        findings.Directions("FIELD_SAME_UTF8_VALIDATION").ShouldBe([Direction.Backward]);
        var finding = findings.OfRule("FIELD_SAME_UTF8_VALIDATION")[0];
        finding.Severity.ShouldBe(Severity.Error);
        finding.Location.ShouldBe("shop.v1.Order.note");
    }

    [Fact]
    public void a_string_field_that_stops_verifying_utf8_breaks_old_readers_of_new_data()
    {
        workspace.Compare(Editions(Note), Editions(UncheckedNote)).Directions("FIELD_SAME_UTF8_VALIDATION").ShouldBe([Direction.Forward]);
    }

    [Fact]
    public void proto3_strings_verify_proto2_strings_do_not_and_editions_inherit_the_file_feature()
    {
        workspace.Compare(Proto2("message Order {\n  optional string note = 1;\n}\n"), Proto3(Note)).Directions("FIELD_SAME_UTF8_VALIDATION").ShouldBe([Direction.Backward]);
        workspace.Compare(Proto3(Note), Editions("option features.utf8_validation = NONE;\n" + Note)).Directions("FIELD_SAME_UTF8_VALIDATION").ShouldBe([Direction.Forward]);
        workspace.Compare(Proto3(Note), Editions(Note)).ShouldBeEmpty();
        // bytes are never verified: only string fields count.
        workspace.Compare(Proto2("message Order {\n  optional bytes note = 1;\n}\n"), Proto3("message Order {\n  bytes note = 1;\n}\n")).ShouldBeEmpty();
    }
}
