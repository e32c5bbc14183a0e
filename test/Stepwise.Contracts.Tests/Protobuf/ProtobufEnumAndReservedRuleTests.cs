namespace Stepwise.Contracts.Tests.Protobuf;

public sealed class ProtobufEnumAndReservedRuleTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private static string Proto3(string body) => "syntax = \"proto3\";\npackage shop.v1;\n" + body;

    private static readonly Direction[] Both = [Direction.Backward, Direction.Forward];

    [Fact]
    public void deleting_an_enum_value_without_reserving_it_breaks_both_directions_by_number_and_by_name()
    {
        var findings = workspace.Compare(
            Proto3("enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n  CLOSED = 2;\n}\n"),
            Proto3("enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n}\n"));

        findings.Directions("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED").ShouldBe(Both);
        findings.Directions("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED").ShouldBe(Both);
        findings.OfRule("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED")[0].Location.ShouldBe("shop.v1.State.CLOSED");
    }

    [Fact]
    public void deleting_an_enum_value_whose_number_and_name_are_reserved_is_compatible()
    {
        var findings = workspace.Compare(
            Proto3("enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n  CLOSED = 2;\n}\n"),
            Proto3("enum State {\n  reserved 2;\n  reserved \"CLOSED\";\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n}\n"));

        findings.ShouldBeEmpty();
    }

    [Fact]
    public void renaming_an_enum_value_breaks_json_in_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n}\n"),
            Proto3("enum State {\n  STATE_UNSPECIFIED = 0;\n  ACTIVE = 1;\n}\n"));

        findings.Directions("ENUM_VALUE_SAME_NAME").ShouldBe(Both);
    }

    [Fact]
    public void adding_an_alias_after_the_existing_enum_name_is_compatible()
    {
        var findings = workspace.Compare(
            Proto3("enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n}\n"),
            Proto3("enum State {\n  option allow_alias = true;\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n  ACTIVE = 1;\n}\n"));

        findings.ShouldBeEmpty();
    }

    [Fact]
    public void putting_a_new_alias_first_breaks_only_old_json_readers()
    {
        var findings = workspace.Compare(
            Proto3("enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n}\n"),
            Proto3("enum State {\n  option allow_alias = true;\n  STATE_UNSPECIFIED = 0;\n  ACTIVE = 1;\n  OPEN = 1;\n}\n"));

        findings.Directions("ENUM_VALUE_SAME_NAME").ShouldBe([Direction.Forward]);
    }

    [Fact]
    public void dropping_a_reserved_field_number_or_name_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  reserved 5, 9 to 11;\n  reserved \"legacy\";\n  string id = 1;\n}\n"),
            Proto3("message Order {\n  reserved 5;\n  string id = 1;\n}\n"));

        var reserved = findings.OfRule("RESERVED_MESSAGE_NO_DELETE");
        reserved.Count.ShouldBe(4);
        reserved.Select(f => f.Direction).Distinct().Order().ShouldBe(Both);
        reserved.ShouldContain(f => f.Message.Contains("9 to 11"));
        reserved.ShouldContain(f => f.Message.Contains("'legacy'"));
    }

    [Fact]
    public void rewriting_reserved_ranges_that_cover_the_same_numbers_is_compatible()
    {
        var findings = workspace.Compare(
            Proto3("message Order {\n  reserved 2 to 6;\n  string id = 1;\n}\nenum State {\n  reserved 3 to 4;\n  STATE_UNSPECIFIED = 0;\n}\n"),
            Proto3("message Order {\n  reserved 2, 3 to 4, 5 to 8;\n  string id = 1;\n}\nenum State {\n  reserved 3, 4;\n  STATE_UNSPECIFIED = 0;\n}\n"));

        findings.ShouldBeEmpty();
    }

    [Fact]
    public void dropping_a_reserved_enum_number_or_name_breaks_both_directions()
    {
        var findings = workspace.Compare(
            Proto3("enum State {\n  reserved 3 to 4;\n  reserved \"GONE\";\n  STATE_UNSPECIFIED = 0;\n}\n"),
            Proto3("enum State {\n  reserved 3;\n  STATE_UNSPECIFIED = 0;\n}\n"));

        findings.OfRule("RESERVED_ENUM_NO_DELETE").Count.ShouldBe(4);
        findings.Directions("RESERVED_ENUM_NO_DELETE").ShouldBe(Both);
    }

    [Fact]
    public void dropping_json_support_from_an_editions_message_breaks_both_directions()
    {
        var findings = workspace.Compare(
            "edition = \"2023\";\npackage shop.v1;\nmessage Order {\n  string id = 1;\n}\n",
            "edition = \"2023\";\npackage shop.v1;\nmessage Order {\n  option features.json_format = LEGACY_BEST_EFFORT;\n  string id = 1;\n}\n");

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["MESSAGE_SAME_JSON_FORMAT"]);
        findings.Directions("MESSAGE_SAME_JSON_FORMAT").ShouldBe(Both);
    }

    [Fact]
    public void dropping_json_support_from_an_editions_enum_breaks_both_directions()
    {
        var findings = workspace.Compare(
            "edition = \"2023\";\npackage shop.v1;\nenum State {\n  STATE_UNSPECIFIED = 0;\n}\n",
            "edition = \"2023\";\npackage shop.v1;\nenum State {\n  option features.json_format = LEGACY_BEST_EFFORT;\n  STATE_UNSPECIFIED = 0;\n}\n");

        findings.Select(f => f.RuleId).Distinct().ShouldBe(["ENUM_SAME_JSON_FORMAT"]);
        findings.Directions("ENUM_SAME_JSON_FORMAT").ShouldBe(Both);
    }

    [Fact]
    public void moving_a_file_to_another_package_breaks_both_directions()
    {
        var findings = workspace.Compare(
            "syntax = \"proto3\";\npackage shop.v1;\nmessage Order { string id = 1; }\n",
            "syntax = \"proto3\";\npackage shop.v2;\nmessage Order { string id = 1; }\n");

        findings.Directions("FILE_SAME_PACKAGE").ShouldBe(Both);
        findings.OfRule("FILE_SAME_PACKAGE")[0].Line.ShouldBe(2);
    }

    [Fact]
    public void narrowing_an_enum_range_reserved_to_max_is_found_and_keeping_it_is_not()
    {
        const string Open = "enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n  reserved 10 to max;\n}\n";
        var findings = workspace.Compare(Proto3(Open), Proto3("enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n  reserved 10 to 100;\n}\n"));
        findings.Directions("RESERVED_ENUM_NO_DELETE").ShouldBe(Both);
        findings.OfRule("RESERVED_ENUM_NO_DELETE")[0].Message.ShouldContain("101 is free");
        workspace.Compare(Proto3(Open), Proto3(Open)).ShouldBeEmpty();
        workspace.Compare(Proto3(Open), Proto3("enum State {\n  STATE_UNSPECIFIED = 0;\n  OPEN = 1;\n  reserved 10 to 20, 21 to max;\n}\n")).ShouldBeEmpty();
    }
}
