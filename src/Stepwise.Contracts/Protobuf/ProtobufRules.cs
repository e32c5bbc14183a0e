namespace Stepwise.Contracts.Protobuf;

/// <summary>One Protobuf compatibility rule: its stable id, usual severity, the directions it can break and the usual fix.</summary>
/// <param name="Id">Stable rule id; buf's name where buf checks the same thing.</param>
/// <param name="Severity">Severity of a finding (a removal of a deprecated element is one level lower).</param>
/// <param name="Directions">The directions a finding of this rule can be reported in.</param>
/// <param name="Summary">What the rule protects.</param>
/// <param name="Fix">The usual safe way to make the change.</param>
/// <param name="BufWireJson">Whether buf's WIRE_JSON category has a rule with this id.</param>
public sealed record ProtobufRule(string Id, Severity Severity, IReadOnlyList<Direction> Directions, string Summary, string Fix, bool BufWireJson);

/// <summary>The Protobuf rule catalogue. Ids are a compatibility promise: the list may only grow.</summary>
public static class ProtobufRules
{
    private static readonly Direction[] Both = [Direction.Backward, Direction.Forward];
    private static readonly Direction[] BackwardOnly = [Direction.Backward];
    private static readonly Direction[] ForwardOnly = [Direction.Forward];

    public static readonly ProtobufRule FieldNoDeleteUnlessNumberReserved = new(
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", Severity.Error, Both,
        "A deleted field's number stays reserved, so it is never reused with another meaning.",
        "Reserve the field number and name (reserved 4; reserved \"old_name\";) in the same change that deletes the field.", true);

    public static readonly ProtobufRule FieldNoDeleteUnlessNameReserved = new(
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED", Severity.Error, Both,
        "A deleted field's name stays reserved, so JSON readers never see it reused with another meaning.",
        "Reserve the field number and name (reserved 4; reserved \"old_name\";) in the same change that deletes the field.", true);

    public static readonly ProtobufRule FieldWireJsonCompatibleType = new(
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE", Severity.Error, Both,
        "A field keeps a type that both the binary and the JSON encoding read the same way.",
        "Add a new field with a new number and the new type; deprecate the old field and stop writing it once every reader understands the new one.", true);

    public static readonly ProtobufRule FieldWireJsonCompatibleCardinality = new(
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", Severity.Error, Both,
        "A field stays singular, repeated, map or required as it was (binary and JSON encode these differently).",
        "Add a new field with a new number and the new cardinality; deprecate the old field.", true);

    public static readonly ProtobufRule FieldSameJsonName = new(
        "FIELD_SAME_JSON_NAME", Severity.Error, Both,
        "A field keeps its JSON name.",
        "Keep json_name as it was; to rename, add a new field and deprecate the old one.", true);

    public static readonly ProtobufRule FieldSameName = new(
        "FIELD_SAME_NAME", Severity.Error, Both,
        "A field keeps its name (JSON parsers, text format and field masks use it).",
        "Keep the name; to rename, add a new field with a new number and deprecate the old one.", true);

    public static readonly ProtobufRule FieldSameOneof = new(
        "FIELD_SAME_ONEOF", Severity.Error, Both,
        "A field stays in (or out of) the oneof it was in: moving it changes which values a reader keeps.",
        "Leave the field where it is; add a new field for the new shape.", true);

    public static readonly ProtobufRule FieldSameDefault = new(
        "FIELD_SAME_DEFAULT", Severity.Error, Both,
        "A field keeps its default value (readers fill absent fields with their own default).",
        "Keep the default; if the meaning must change, add a new field.", true);

    public static readonly ProtobufRule MessageSameRequiredFields = new(
        "MESSAGE_SAME_REQUIRED_FIELDS", Severity.Error, Both,
        "A message keeps its set of required fields (a reader rejects a message that lacks one).",
        "Never add or remove required fields; make new fields optional and validate them in code.", true);

    public static readonly ProtobufRule MessageSameJsonFormat = new(
        "MESSAGE_SAME_JSON_FORMAT", Severity.Error, Both,
        "A message that supported JSON keeps supporting it (features.json_format).",
        "Keep features.json_format = ALLOW (and keep proto3/editions syntax) for messages that JSON clients use.", true);

    public static readonly ProtobufRule EnumSameJsonFormat = new(
        "ENUM_SAME_JSON_FORMAT", Severity.Error, Both,
        "An enum that supported JSON keeps supporting it (features.json_format).",
        "Keep features.json_format = ALLOW (and keep proto3/editions syntax) for enums that JSON clients use.", true);

    public static readonly ProtobufRule EnumValueNoDeleteUnlessNumberReserved = new(
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", Severity.Error, Both,
        "A deleted enum value's number stays reserved.",
        "Reserve the number and name (reserved 3; reserved \"OLD_VALUE\";) and keep accepting the value until no writer sends it.", true);

    public static readonly ProtobufRule EnumValueNoDeleteUnlessNameReserved = new(
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", Severity.Error, Both,
        "A deleted enum value's name stays reserved (JSON carries enum values by name).",
        "Reserve the number and name (reserved 3; reserved \"OLD_VALUE\";) and keep accepting the value until no writer sends it.", true);

    public static readonly ProtobufRule EnumValueSameName = new(
        "ENUM_VALUE_SAME_NAME", Severity.Error, Both,
        "An enum number keeps its name (JSON carries enum values by name).",
        "Keep the old name; add the new one as an alias (option allow_alias = true) and retire the old one later.", true);

    public static readonly ProtobufRule ReservedMessageNoDelete = new(
        "RESERVED_MESSAGE_NO_DELETE", Severity.Error, Both,
        "A message's reserved numbers and names stay reserved.",
        "Keep the reservation; a reserved field number or name is never reused.", true);

    public static readonly ProtobufRule ReservedEnumNoDelete = new(
        "RESERVED_ENUM_NO_DELETE", Severity.Error, Both,
        "An enum's reserved numbers and names stay reserved.",
        "Keep the reservation; a reserved enum number or name is never reused.", true);

    public static readonly ProtobufRule FileSamePackage = new(
        "FILE_SAME_PACKAGE", Severity.Error, Both,
        "A file keeps its package (the package is part of every type's and RPC's wire name).",
        "Keep the package; to move types, add them in the new package and deprecate the old ones.", true);

    public static readonly ProtobufRule RpcNoDelete = new(
        "RPC_NO_DELETE", Severity.Error, BackwardOnly,
        "An RPC is removed only after an earlier release deprecated it and no caller used it (G6).",
        "Deprecate the RPC in N (option deprecated = true), remove it in N+1 once no caller uses it.", false);

    public static readonly ProtobufRule ServiceNoDelete = new(
        "SERVICE_NO_DELETE", Severity.Error, BackwardOnly,
        "A service is removed only after an earlier release deprecated it and no caller used it (G6).",
        "Deprecate the service in N (option deprecated = true), remove it in N+1 once no caller uses it.", false);

    public static readonly ProtobufRule RpcSameRequestType = new(
        "RPC_SAME_REQUEST_TYPE", Severity.Error, Both,
        "An RPC keeps its request message type.",
        "Add a new RPC with the new request type; deprecate the old RPC and remove it once no caller uses it.", true);

    public static readonly ProtobufRule RpcSameResponseType = new(
        "RPC_SAME_RESPONSE_TYPE", Severity.Error, Both,
        "An RPC keeps its response message type.",
        "Add a new RPC with the new response type; deprecate the old RPC and remove it once no caller uses it.", true);

    public static readonly ProtobufRule RpcSameClientStreaming = new(
        "RPC_SAME_CLIENT_STREAMING", Severity.Error, Both,
        "An RPC keeps its client streaming mode.",
        "Add a new RPC with the new streaming mode; deprecate the old one.", true);

    public static readonly ProtobufRule RpcSameServerStreaming = new(
        "RPC_SAME_SERVER_STREAMING", Severity.Error, Both,
        "An RPC keeps its server streaming mode.",
        "Add a new RPC with the new streaming mode; deprecate the old one.", true);

    public static readonly ProtobufRule RpcSameIdempotencyLevel = new(
        "RPC_SAME_IDEMPOTENCY_LEVEL", Severity.Warning, Both,
        "An RPC keeps its idempotency level (clients decide retries and HTTP GET on it).",
        "Keep idempotency_level; add a new RPC if the semantics changed.", true);

    public static readonly ProtobufRule RpcAdded = new(
        "RPC_ADDED", Severity.Info, ForwardOnly,
        "A new RPC is not served by servers that still run the old release.",
        "Call the new RPC only once every server runs the release that provides it (G5); old servers answer UNIMPLEMENTED.", false);

    public static readonly ProtobufRule ExtensionNoDelete = new(
        "EXTENSION_NO_DELETE", Severity.Error, Both,
        "A deleted extension's number is never reused with another meaning, and JSON readers keep parsing its [full.name].",
        "Keep the extension (deprecate it: option deprecated = true) until no writer sets it and no reader needs it; never reuse its number.", false);

    public static readonly ProtobufRule EnumSameType = new(
        "ENUM_SAME_TYPE", Severity.Error, Both,
        "An enum stays open or closed (proto2 enums are closed, proto3 open, editions set features.enum_type): a closed reader moves a value it does not declare into unknown fields, so the field reads as unset.",
        "Keep the enum open or closed as it was; to change it, add a new enum and a new field that uses it.", false);

    public static readonly ProtobufRule FieldSameUtf8Validation = new(
        "FIELD_SAME_UTF8_VALIDATION", Severity.Error, Both,
        "A string field keeps its UTF-8 validation (proto3 verifies, proto2 does not, editions set features.utf8_validation): a verifying reader rejects a whole message whose string is not valid UTF-8.",
        "Keep the field's utf8_validation; to change it, add a new field (bytes, if the data may not be valid UTF-8).", false);

    /// <summary>Every rule, in a fixed order.</summary>
    public static IReadOnlyList<ProtobufRule> All { get; } =
    [
        FieldNoDeleteUnlessNumberReserved, FieldNoDeleteUnlessNameReserved, FieldWireJsonCompatibleType,
        FieldWireJsonCompatibleCardinality, FieldSameJsonName, FieldSameName, FieldSameOneof, FieldSameDefault,
        MessageSameRequiredFields, MessageSameJsonFormat, EnumSameJsonFormat, EnumValueNoDeleteUnlessNumberReserved,
        EnumValueNoDeleteUnlessNameReserved, EnumValueSameName, ReservedMessageNoDelete, ReservedEnumNoDelete,
        FileSamePackage, RpcNoDelete, ServiceNoDelete, RpcSameRequestType, RpcSameResponseType,
        RpcSameClientStreaming, RpcSameServerStreaming, RpcSameIdempotencyLevel, RpcAdded, ExtensionNoDelete, EnumSameType,
        FieldSameUtf8Validation,
    ];
}
