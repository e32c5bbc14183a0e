using Stepwise.Contracts.Protobuf;

namespace Stepwise.Contracts.Tests.Protobuf;

/// <summary>Rule ids are a compatibility promise: this golden list may only grow, in this order.</summary>
public sealed class ProtobufRuleStabilityTests
{
    private static readonly string[] Golden =
    [
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
        "FIELD_SAME_JSON_NAME",
        "FIELD_SAME_NAME",
        "FIELD_SAME_ONEOF",
        "FIELD_SAME_DEFAULT",
        "MESSAGE_SAME_REQUIRED_FIELDS",
        "MESSAGE_SAME_JSON_FORMAT",
        "ENUM_SAME_JSON_FORMAT",
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
        "ENUM_VALUE_SAME_NAME",
        "RESERVED_MESSAGE_NO_DELETE",
        "RESERVED_ENUM_NO_DELETE",
        "FILE_SAME_PACKAGE",
        "RPC_NO_DELETE",
        "SERVICE_NO_DELETE",
        "RPC_SAME_REQUEST_TYPE",
        "RPC_SAME_RESPONSE_TYPE",
        "RPC_SAME_CLIENT_STREAMING",
        "RPC_SAME_SERVER_STREAMING",
        "RPC_SAME_IDEMPOTENCY_LEVEL",
        "RPC_ADDED",
        "EXTENSION_NO_DELETE",
        "ENUM_SAME_TYPE",
        "FIELD_SAME_UTF8_VALIDATION",
    ];

    [Fact]
    public void protobuf_rule_ids_only_grow()
    {
        var ids = ProtobufRules.All.Select(r => r.Id).ToList();
        ids.Count.ShouldBeGreaterThanOrEqualTo(Golden.Length);
        ids.Take(Golden.Length).ShouldBe(Golden);
        ids.Distinct().Count().ShouldBe(ids.Count);
    }

    [Fact]
    public void every_rule_id_in_bufs_wire_json_category_is_marked_as_such()
    {
        // buf 1.75 `buf config ls-breaking-rules --version v2`: the WIRE_JSON category.
        string[] bufWireJson =
        [
            "ENUM_SAME_JSON_FORMAT", "ENUM_VALUE_SAME_NAME", "FIELD_SAME_JSON_NAME", "FIELD_SAME_NAME", "MESSAGE_SAME_JSON_FORMAT",
            "FIELD_SAME_DEFAULT", "FIELD_SAME_ONEOF", "FILE_SAME_PACKAGE", "MESSAGE_SAME_REQUIRED_FIELDS", "RESERVED_ENUM_NO_DELETE",
            "RESERVED_MESSAGE_NO_DELETE", "RPC_SAME_CLIENT_STREAMING", "RPC_SAME_IDEMPOTENCY_LEVEL", "RPC_SAME_REQUEST_TYPE",
            "RPC_SAME_RESPONSE_TYPE", "RPC_SAME_SERVER_STREAMING", "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
            "FIELD_NO_DELETE_UNLESS_NAME_RESERVED", "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
            "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        ];
        ProtobufRules.All.Where(r => r.BufWireJson).Select(r => r.Id).Order().ShouldBe(bufWireJson.Order());
    }

    [Fact]
    public void every_rule_names_a_fix_and_the_directions_it_breaks()
    {
        ProtobufRules.All.ShouldAllBe(r => r.Fix.Length > 10 && r.Summary.Length > 10 && r.Directions.Count > 0);
    }
}
