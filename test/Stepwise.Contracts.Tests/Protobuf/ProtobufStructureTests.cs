namespace Stepwise.Contracts.Tests.Protobuf;

/// <summary>
/// Messages compared by structure: neither the wire nor ProtoJSON carries a message type's name or a oneof's name, so
/// renaming or moving them changes nothing a reader sees (buf reports these; its issues #609, #2167, #2318).
/// </summary>
public sealed class ProtobufStructureTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private static string Proto3(string body) => "syntax = \"proto3\";\npackage shop.v1;\n" + body;

    private static readonly Direction[] Both = [Direction.Backward, Direction.Forward];

    [Fact]
    public void a_field_whose_message_type_was_renamed_with_the_same_fields_is_compatible()
    {
        var findings = workspace.Compare(
            Proto3("message Money { int64 units = 1; string currency = 2; }\nmessage Order {\n  Money total = 1;\n}\n"),
            Proto3("message Amount { int64 units = 1; string currency = 2; }\nmessage Order {\n  Amount total = 1;\n}\n"));

        findings.OfRule("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBeEmpty();
    }

    [Fact]
    public void a_message_type_moved_into_another_message_with_nested_types_of_the_same_shape_is_compatible()
    {
        var findings = workspace.Compare(
            Proto3("message Money { int64 units = 1; Currency currency = 2; }\nmessage Currency { string code = 1; }\nmessage Order {\n  Money total = 1;\n}\n"),
            Proto3("message Order {\n  message Total { int64 units = 1; Code currency = 2; }\n  message Code { string code = 1; }\n  Total total = 1;\n}\n"));

        findings.OfRule("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBeEmpty();
    }

    [Theory]
    [InlineData("message Amount { int64 units = 1; string currency = 3; }", "a field number")]
    [InlineData("message Amount { int32 units = 1; string currency = 2; }", "a field kind")]
    [InlineData("message Amount { int64 units = 1; string money_currency = 2; }", "a JSON name")]
    [InlineData("message Amount { repeated int64 units = 1; string currency = 2; }", "a cardinality")]
    [InlineData("message Amount { int64 units = 1; string currency = 2; bool exact = 3; }", "an added field")]
    public void a_renamed_type_that_differs_in_what_readers_see_still_breaks(string renamed, string difference)
    {
        var findings = workspace.Compare(
            Proto3("message Money { int64 units = 1; string currency = 2; }\nmessage Order {\n  Money total = 1;\n}\n"),
            Proto3(renamed + "\nmessage Order {\n  Amount total = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe(Both, difference);
    }

    [Fact]
    public void a_difference_deep_inside_a_renamed_type_still_breaks()
    {
        var findings = workspace.Compare(
            Proto3("message Inner { string code = 1; }\nmessage Money { Inner inner = 1; }\nmessage Order {\n  Money total = 1;\n}\n"),
            Proto3("message Code { int32 code = 1; }\nmessage Amount { Code inner = 1; }\nmessage Order {\n  Amount total = 1;\n}\n"));

        findings.Directions("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBe(Both);
    }

    [Fact]
    public void renamed_recursive_types_are_compared_without_end_and_found_compatible()
    {
        var findings = workspace.Compare(
            Proto3("message Tree { string label = 1; repeated Tree children = 2; Forest forest = 3; }\nmessage Forest { repeated Tree trees = 1; }\nmessage Garden {\n  Tree root = 1;\n}\n"),
            Proto3("message Node { string label = 1; repeated Node children = 2; Woods forest = 3; }\nmessage Woods { repeated Node trees = 1; }\nmessage Garden {\n  Node root = 1;\n}\n"));

        findings.OfRule("FIELD_WIRE_JSON_COMPATIBLE_TYPE").ShouldBeEmpty();
    }

    [Fact]
    public void renaming_a_oneof_is_compatible()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  oneof payment {\n    string card = 1;\n    string voucher = 2;\n  }\n}\n"),
            Proto3("message Order {\n  oneof method {\n    string card = 1;\n    string voucher = 2;\n  }\n}\n"));

        findings.OfRule("FIELD_SAME_ONEOF").ShouldBeEmpty();
    }

    [Fact]
    public void a_new_field_may_join_a_oneof_but_an_existing_one_may_not()
    {
        var before = Proto3("message Order {\n  oneof payment {\n    string card = 1;\n    string voucher = 2;\n  }\n  string note = 3;\n}\n");
        workspace.Compare(before,
            Proto3("message Order {\n  oneof payment {\n    string card = 1;\n    string voucher = 2;\n    string wallet = 4;\n  }\n  string note = 3;\n}\n"))
            .OfRule("FIELD_SAME_ONEOF").ShouldBeEmpty();

        var joined = workspace.Compare(before,
            Proto3("message Order {\n  oneof payment {\n    string card = 1;\n    string voucher = 2;\n    string note = 3;\n  }\n}\n"));
        joined.Directions("FIELD_SAME_ONEOF").ShouldBe(Both);
        joined.OfRule("FIELD_SAME_ONEOF").ShouldContain(f => f.Location == "shop.v1.Order.note");
    }
}
