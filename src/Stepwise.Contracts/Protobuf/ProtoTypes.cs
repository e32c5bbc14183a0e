using Google.Protobuf.Reflection;
using FieldType = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;

namespace Stepwise.Contracts.Protobuf;

/// <summary>How a field is repeated, as the binary and JSON encodings see it.</summary>
internal enum Cardinality
{
    Optional,
    Required,
    Repeated,
    Map,
}

/// <summary>Field types and cardinalities as the encodings see them, with editions features resolved.</summary>
internal static class ProtoTypes
{
    /// <summary>The field's encoded kind: a message field with delimited encoding (editions) is a group on the wire.</summary>
    public static FieldType Kind(ProtoField field)
    {
        var type = field.Proto.Type;
        if (type == FieldType.Message && field.File.IsEditions &&
            Resolve<FeatureSet.Types.MessageEncoding>(field, f => f.HasMessageEncoding ? f.MessageEncoding : null) == FeatureSet.Types.MessageEncoding.Delimited)
        {
            return FieldType.Group;
        }
        return type;
    }

    public static Cardinality CardinalityOf(ProtoField field, ProtoContract contract)
    {
        if (field.Proto.Label == FieldDescriptorProto.Types.Label.Repeated)
        {
            return field.Proto.Type == FieldType.Message && contract.Messages.TryGetValue(field.TypeName, out var entry) && entry.IsMapEntry
                ? Cardinality.Map
                : Cardinality.Repeated;
        }
        if (field.Proto.Label == FieldDescriptorProto.Types.Label.Required)
        {
            return Cardinality.Required;
        }
        if (field.File.IsEditions &&
            Resolve<FeatureSet.Types.FieldPresence>(field, f => f.HasFieldPresence ? f.FieldPresence : null) == FeatureSet.Types.FieldPresence.LegacyRequired)
        {
            return Cardinality.Required;
        }
        return Cardinality.Optional;
    }

    /// <summary>The json_format feature of a message or enum: own features, then enclosing messages, then the file, then the syntax default.</summary>
    public static FeatureSet.Types.JsonFormat JsonFormat(ProtoFile file, FeatureSet? own, ProtoMessage? parent) =>
        Inherited<FeatureSet.Types.JsonFormat>(file, own, parent, f => f.HasJsonFormat ? f.JsonFormat : null)
        // Syntax defaults from descriptor.proto's edition_defaults: proto2 is LEGACY_BEST_EFFORT, proto3 and editions ALLOW.
        ?? (file.IsProto3 || file.IsEditions ? FeatureSet.Types.JsonFormat.Allow : FeatureSet.Types.JsonFormat.LegacyBestEffort);

    /// <summary>
    /// Whether an enum is closed: a reader moves a value the enum does not declare into unknown fields, so the field
    /// reads as unset. proto2 enums are closed, proto3 enums open; editions set it with features.enum_type (default OPEN).
    /// </summary>
    public static bool IsClosed(ProtoEnum value) =>
        value.File.IsEditions
            ? Inherited<FeatureSet.Types.EnumType>(value.File, value.Proto.Options?.Features, value.Parent, f => f.HasEnumType ? f.EnumType : null) == FeatureSet.Types.EnumType.Closed
            : !value.File.IsProto3;

    /// <summary>
    /// Whether a reader rejects a string field holding invalid UTF-8 (the whole message fails to parse). proto3 strings
    /// are verified, proto2 strings not; editions set it with features.utf8_validation (default VERIFY).
    /// </summary>
    public static bool VerifiesUtf8(ProtoField field) =>
        field.File.IsEditions
            ? Resolve<FeatureSet.Types.Utf8Validation>(field, f => f.HasUtf8Validation ? f.Utf8Validation : null) != FeatureSet.Types.Utf8Validation.None
            : field.File.IsProto3;

    /// <summary>A field's feature: its own, then its enclosing (for an extension: declaring) messages', then its file's.</summary>
    private static T? Resolve<T>(ProtoField field, Func<FeatureSet, T?> read)
        where T : struct =>
        Inherited(field.File, field.Proto.Options?.Features, field.Owner, read);

    /// <summary>A feature as editions inherit it: the element's own features, then its enclosing messages', then the file's; null when none sets it.</summary>
    private static T? Inherited<T>(ProtoFile file, FeatureSet? own, ProtoMessage? parent, Func<FeatureSet, T?> read)
        where T : struct
    {
        T? value = own is null ? null : read(own);
        for (var message = parent; value is null && message is not null; message = message.Parent)
        {
            if (message.Proto.Options?.Features is { } features)
            {
                value = read(features);
            }
        }
        if (value is null && file.Proto.Options?.Features is { } fileFeatures)
        {
            value = read(fileFeatures);
        }
        return value;
    }

    /// <summary>
    /// Groups of types that read each other's values exactly in both the binary and the JSON encoding
    /// (protobuf's published update rules intersected with its JSON mapping). Same as buf's WIRE_JSON groups.
    /// </summary>
    private static int WireJsonGroup(FieldType type) => type switch
    {
        FieldType.Int32 or FieldType.Uint32 => 1,
        FieldType.Int64 or FieldType.Uint64 => 2,
        FieldType.Fixed32 or FieldType.Sfixed32 => 3,
        FieldType.Fixed64 or FieldType.Sfixed64 => 4,
        FieldType.Bool => 5,
        FieldType.Sint32 => 6,
        FieldType.Sint64 => 7,
        FieldType.String => 8,
        FieldType.Bytes => 9,
        FieldType.Double => 10,
        FieldType.Float => 11,
        FieldType.Group => 12,
        FieldType.Message => 13,
        FieldType.Enum => 14,
        _ => 100 + (int)type,
    };

    /// <summary>
    /// Whether a reader declared with <paramref name="reader"/> reads every value a writer declared with
    /// <paramref name="writer"/> sends, in binary and JSON. Besides equal groups this holds for widening
    /// integers (a 64-bit varint reader decodes any 32-bit varint value; JSON readers accept numbers and
    /// strings for all integer types), but not the other way round (a 32-bit reader truncates).
    /// </summary>
    public static bool Reads(FieldType writer, FieldType reader)
    {
        if (WireJsonGroup(writer) == WireJsonGroup(reader))
        {
            return true;
        }
        return (writer, reader) switch
        {
            (FieldType.Int32, FieldType.Int64) => true,
            (FieldType.Uint32, FieldType.Uint64) => true,
            (FieldType.Uint32, FieldType.Int64) => true,
            (FieldType.Sint32, FieldType.Sint64) => true,
            _ => false,
        };
    }

    public static string Describe(FieldType type) => type switch
    {
        FieldType.Group => "group (delimited message)",
        _ => type.ToString().ToLowerInvariant(),
    };

    public static string Describe(Cardinality cardinality) => cardinality.ToString().ToLowerInvariant();
}
