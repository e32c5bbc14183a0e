namespace Stepwise.Contracts.Tests.Protobuf;

public sealed class ProtobufFieldRuleTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private static string Proto3(string body) => "syntax = \"proto3\";\npackage shop.v1;\n" + body;

    private static string Proto2(string body) => "syntax = \"proto2\";\npackage shop.v1;\n" + body;

    private static readonly Direction[] Both = [Direction.Backward, Direction.Forward];

    [Fact]
    public void deleting_a_field_without_reserving_it_breaks_both_directions_by_number_and_by_name()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  string id = 1;\n  int32 quantity = 2;\n}\n"),
            Proto3("message Order {\n  string id = 1;\n}\n"));

        findings.Directions("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED").ShouldBe(Both);
        findings.Directions("FIELD_NO_DELETE_UNLESS_NAME_RESERVED").ShouldBe(Both);
        var finding = findings.OfRule("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED")[0];
        finding.Severity.ShouldBe(Severity.Error);
        finding.Location.ShouldBe("shop.v1.Order.quantity");
        finding.File.ShouldBe(Path.Combine(workspace.NewDir, "contract.proto"));
        finding.Line.ShouldBe(3);
        finding.Column.ShouldBe(1);
        finding.Fix.ShouldContain("Reserve the field number and name");
    }

    [Fact]
    public void deleting_a_field_whose_number_and_name_are_reserved_is_compatible()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  string id = 1;\n  int32 quantity = 2;\n}\n"),
            Proto3("message Order {\n  reserved 2;\n  reserved \"quantity\";\n  string id = 1;\n}\n"));

        findings.ShouldBeEmpty();
    }

    [Fact]
    public void deleting_a_field_with_only_its_number_reserved_breaks_json_by_name()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  string id = 1;\n  int32 quantity = 2;\n}\n"),
            Proto3("message Order {\n  reserved 2;\n  string id = 1;\n}\n"));

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["FIELD_NO_DELETE_UNLESS_NAME_RESERVED"]);
        findings.Directions("FIELD_NO_DELETE_UNLESS_NAME_RESERVED").ShouldBe(Both);
    }

    [Fact]
    public void changing_a_field_to_an_unrelated_scalar_type_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  string id = 1;\n}\n"),
            Proto3("message Order {\n  int32 id = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe(Both);
        findings.OfRule("FIELD_WIRE_JSON_COMPATIBLE_TYPE")[0].Message.ShouldContain("from string to int32");
    }

    [Fact]
    public void widening_int32_to_int64_breaks_only_old_readers()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  int32 quantity = 1;\n}\n"),
            Proto3("message Order {\n  int64 quantity = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe([Direction.Forward]);
    }

    [Fact]
    public void narrowing_int64_to_int32_breaks_only_new_readers()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  int64 quantity = 1;\n}\n"),
            Proto3("message Order {\n  int32 quantity = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe([Direction.Backward]);
    }

    [Fact]
    public void switching_between_int32_and_uint32_is_compatible_on_wire_and_json()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  int32 quantity = 1;\n}\n"),
            Proto3("message Order {\n  uint32 quantity = 1;\n}\n"));

        findings.ShouldBeEmpty();
    }

    [Fact]
    public void changing_string_to_bytes_breaks_json_in_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  string note = 1;\n}\n"),
            Proto3("message Order {\n  bytes note = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe(Both);
    }

    [Fact]
    public void changing_a_field_to_another_message_type_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Money { int64 units = 1; }\nmessage Price { int64 cents = 1; }\nmessage Order {\n  Money total = 1;\n}\n"),
            Proto3("message Money { int64 units = 1; }\nmessage Price { int64 cents = 1; }\nmessage Order {\n  Price total = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe(Both);
        findings.OfRule("FIELD_WIRE_JSON_COMPATIBLE_TYPE")[0].Message.ShouldContain("from shop.v1.Money to shop.v1.Price");
    }

    [Fact]
    public void moving_an_enum_type_to_a_superset_with_the_same_name_is_compatible()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  enum State { STATE_UNSPECIFIED = 0; OPEN = 1; }\n  State state = 1;\n}\n"),
            Proto3("enum State { STATE_UNSPECIFIED = 0; OPEN = 1; CLOSED = 2; }\nmessage Order {\n  enum State { STATE_UNSPECIFIED = 0; OPEN = 1; }\n  .shop.v1.State state = 1;\n}\n"));

        findings.OfRule("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBeEmpty();
    }

    [Fact]
    public void changing_to_an_enum_that_lacks_old_values_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("enum State { STATE_UNSPECIFIED = 0; OPEN = 1; }\nenum Status { STATUS_UNSPECIFIED = 0; }\nmessage Order {\n  State state = 1;\n}\n"),
            Proto3("enum State { STATE_UNSPECIFIED = 0; OPEN = 1; }\nenum Status { STATUS_UNSPECIFIED = 0; }\nmessage Order {\n  Status state = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe(Both);
    }

    [Fact]
    public void making_a_singular_field_repeated_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  string tag = 1;\n}\n"),
            Proto3("message Order {\n  repeated string tag = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY").ShouldBe(Both);
        findings.OfRule("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY")[0].Message.ShouldContain("from optional to repeated");
    }

    [Fact]
    public void turning_a_repeated_entry_list_into_a_map_breaks_json_in_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  message LabelsEntry { string key = 1; string value = 2; }\n  repeated LabelsEntry labels = 1;\n}\n"),
            Proto3("message Order {\n  map<string, string> labels = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY").ShouldBe(Both);
    }

    [Fact]
    public void adding_proto3_optional_presence_is_compatible()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  int32 quantity = 1;\n}\n"),
            Proto3("message Order {\n  optional int32 quantity = 1;\n}\n"));

        findings.ShouldBeEmpty();
    }

    [Fact]
    public void changing_json_name_breaks_json_in_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  string order_id = 1;\n}\n"),
            Proto3("message Order {\n  string order_id = 1 [json_name = \"id\"];\n}\n"));

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["FIELD_SAME_JSON_NAME"]);
        findings.Directions("FIELD_SAME_JSON_NAME").ShouldBe(Both);
        findings[0].Message.ShouldContain("from 'orderId' to 'id'");
    }

    [Fact]
    public void renaming_a_field_breaks_json_by_name_in_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  string id = 1 [json_name = \"id\"];\n}\n"),
            Proto3("message Order {\n  string order_id = 1 [json_name = \"id\"];\n}\n"));

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["FIELD_SAME_NAME"]);
        findings.Directions("FIELD_SAME_NAME").ShouldBe(Both);
    }

    [Fact]
    public void moving_a_field_into_a_oneof_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  string card = 1;\n  string voucher = 2;\n}\n"),
            Proto3("message Order {\n  oneof payment {\n    string card = 1;\n    string voucher = 2;\n  }\n}\n"));

        findings.OfRule("FIELD_SAME_ONEOF").Count.ShouldBe(4);
        findings.Directions("FIELD_SAME_ONEOF").ShouldBe(Both);
    }

    [Fact]
    public void changing_a_proto2_default_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto2("message Order {\n  optional int32 quantity = 1 [default = 1];\n}\n"),
            Proto2("message Order {\n  optional int32 quantity = 1 [default = 2];\n}\n"));

        findings.Directions("FIELD_SAME_DEFAULT").ShouldBe(Both);
    }

    [Fact]
    public void writing_the_same_default_differently_is_compatible()
    {
        var findings = workspace.Compare(
            Proto2("message Order {\n  optional double ratio = 1 [default = 1.0];\n  optional int32 count = 2;\n}\n"),
            Proto2("message Order {\n  optional double ratio = 1 [default = 1];\n  optional int32 count = 2 [default = 0];\n}\n"));

        findings.ShouldBeEmpty();
    }

    [Fact]
    public void adding_a_required_field_breaks_new_readers_of_old_data()
    {
        var findings = workspace.Compare(
            Proto2("message Order {\n  optional string id = 1;\n}\n"),
            Proto2("message Order {\n  optional string id = 1;\n  required string currency = 2;\n}\n"));

        findings.Directions("MESSAGE_SAME_REQUIRED_FIELDS").ShouldBe([Direction.Backward]);
    }

    [Fact]
    public void removing_a_required_field_breaks_old_readers_of_new_data()
    {
        var findings = workspace.Compare(
            Proto2("message Order {\n  optional string id = 1;\n  required string currency = 2;\n}\n"),
            Proto2("message Order {\n  optional string id = 1;\n  reserved 2;\n  reserved \"currency\";\n}\n"));

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["MESSAGE_SAME_REQUIRED_FIELDS"]);
        findings.Directions("MESSAGE_SAME_REQUIRED_FIELDS").ShouldBe([Direction.Forward]);
    }

    [Fact]
    public void changing_an_extension_type_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto2("message Order {\n  extensions 100 to 200;\n}\nextend Order {\n  optional string channel = 100;\n}\n"),
            Proto2("message Order {\n  extensions 100 to 200;\n}\nextend Order {\n  optional int32 channel = 100;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe(Both);
        findings.OfRule("FIELD_WIRE_JSON_COMPATIBLE_TYPE")[0].Location.ShouldBe("shop.v1.channel");
    }

    [Fact]
    public void changing_a_map_value_type_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  map<string, string> labels = 1;\n}\n"),
            Proto3("message Order {\n  map<string, int32> labels = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe(Both);
        findings.OfRule("FIELD_WIRE_JSON_COMPATIBLE_TYPE")[0].Location.ShouldBe("shop.v1.Order.LabelsEntry.value");
    }

    [Fact]
    public void switching_an_editions_message_field_to_delimited_encoding_breaks_both_directions()
    {
        var findings = workspace.Compare(
            "edition = \"2023\";\npackage shop.v1;\nmessage Item { int32 n = 1; }\nmessage Order {\n  Item item = 1;\n}\n",
            "edition = \"2023\";\npackage shop.v1;\nmessage Item { int32 n = 1; }\nmessage Order {\n  Item item = 1 [features.message_encoding = DELIMITED];\n}\n");

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe(Both);
    }

    [Fact]
    public void making_an_editions_field_legacy_required_breaks_new_readers_of_old_data()
    {
        var findings = workspace.Compare(
            "edition = \"2023\";\npackage shop.v1;\nmessage Order {\n  string id = 1;\n}\n",
            "edition = \"2023\";\npackage shop.v1;\nmessage Order {\n  string id = 1 [features.field_presence = LEGACY_REQUIRED];\n}\n");

        findings.Directions("MESSAGE_SAME_REQUIRED_FIELDS").ShouldBe([Direction.Backward]);
        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY").ShouldBe(Both);
    }
}
