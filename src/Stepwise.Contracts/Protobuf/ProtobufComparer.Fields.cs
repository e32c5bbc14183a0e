using System.Globalization;
using Google.Protobuf.Reflection;
using FieldType = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;

namespace Stepwise.Contracts.Protobuf;

/// <summary>Compares fields and extensions: type, cardinality, name, JSON name, oneof membership and default value.</summary>
internal sealed partial class ProtobufComparer
{
    private void CompareField(ProtoField oldField, ProtoField newField)
    {
        var at = newField.File.Position(newField.Path);
        var label = oldField.IsExtension ? $"Extension {newField.FullName} ({newField.Number})" : $"Field {newField.Number} '{newField.Name}' of {newField.Owner?.FullName}";
        var sameKind = CompareFieldType(oldField, newField, label);

        if (!(oldField.Owner?.IsMapEntry == true && newField.Owner?.IsMapEntry == true))
        {
            var oldCardinality = ProtoTypes.CardinalityOf(oldField, old);
            var newCardinality = ProtoTypes.CardinalityOf(newField, @new);
            if (oldCardinality != newCardinality)
            {
                ReportBoth(ProtobufRules.FieldWireJsonCompatibleCardinality, newField.FullName,
                    $"{label} changed from {ProtoTypes.Describe(oldCardinality)} to {ProtoTypes.Describe(newCardinality)}.", at);
            }
        }

        var oldName = oldField.IsExtension ? oldField.FullName : oldField.Name;
        var newName = newField.IsExtension ? newField.FullName : newField.Name;
        if (oldName != newName)
        {
            ReportBoth(ProtobufRules.FieldSameName, newField.FullName,
                $"{label} was renamed from '{oldName}'.", newField.File.Position([.. newField.Path, ProtoContract.FieldName]),
                $"New readers no longer accept '{oldName}' where old writers and callers use it: JSON with proto field names, text format, field masks.",
                $"Old readers do not accept '{newName}' where new writers and callers use it: JSON with proto field names, text format, field masks.");
        }

        if (!oldField.IsExtension && oldField.JsonName != newField.JsonName)
        {
            ReportBoth(ProtobufRules.FieldSameJsonName, newField.FullName,
                $"{label} changed its JSON name from '{oldField.JsonName}' to '{newField.JsonName}'.",
                newField.File.Position([.. newField.Path, ProtoContract.FieldJsonName]),
                $"New JSON readers reject '{oldField.JsonName}' that old writers send.",
                $"Old JSON readers reject '{newField.JsonName}' that new writers send.");
        }

        // A oneof's name is on neither the wire nor in ProtoJSON: what counts is which fields share it.
        if (!oldField.IsExtension && !SameOneofMembers(oldField, newField))
        {
            var from = oldField.OneofName is null ? "outside any oneof" : $"oneof '{oldField.OneofName}'";
            var to = newField.OneofName is null ? "outside any oneof" : $"oneof '{newField.OneofName}'";
            ReportBoth(ProtobufRules.FieldSameOneof, newField.FullName, $"{label} moved from {from} to {to}.", at,
                "New readers keep only one member of a oneof where old writers set several, or lose the presence they relied on.",
                "Old readers keep only one member of a oneof where new writers set several, or lose the presence they relied on.");
        }

        if (sameKind)
        {
            CompareDefault(oldField, newField, label);
            CompareUtf8Validation(oldField, newField, label, at);
        }
    }

    /// <summary>
    /// A reader that verifies UTF-8 rejects a whole message whose string field is not valid UTF-8; a writer that does
    /// not verify may write one. The pairing whose reader verifies and whose writer does not breaks.
    /// </summary>
    private void CompareUtf8Validation(ProtoField oldField, ProtoField newField, string label, SourcePosition at)
    {
        if (ProtoTypes.Kind(newField) != FieldType.String)
        {
            return;
        }
        var oldVerifies = ProtoTypes.VerifiesUtf8(oldField);
        var newVerifies = ProtoTypes.VerifiesUtf8(newField);
        if (oldVerifies == newVerifies)
        {
            return;
        }
        if (newVerifies)
        {
            Report(ProtobufRules.FieldSameUtf8Validation, Direction.Backward, newField.FullName,
                $"{label} now verifies UTF-8. New readers reject every message old writers send whose '{newField.Name}' is not valid UTF-8, which old writers did not check.", at);
        }
        else
        {
            Report(ProtobufRules.FieldSameUtf8Validation, Direction.Forward, newField.FullName,
                $"{label} no longer verifies UTF-8. Old readers reject every message new writers send whose '{newField.Name}' is not valid UTF-8, which new writers no longer check.", at);
        }
    }

    /// <summary>Reports a type change; returns whether both sides have the same encoded kind.</summary>
    private bool CompareFieldType(ProtoField oldField, ProtoField newField, string label)
    {
        var oldKind = ProtoTypes.Kind(oldField);
        var newKind = ProtoTypes.Kind(newField);
        var typeAt = newField.File.Position([.. newField.Path, newKind is FieldType.Message or FieldType.Enum or FieldType.Group ? ProtoContract.FieldTypeName : ProtoContract.FieldType]);
        if (oldKind != newKind)
        {
            var change = $"{label} changed type from {ProtoTypes.Describe(oldKind)} to {ProtoTypes.Describe(newKind)}.";
            if (!ProtoTypes.Reads(oldKind, newKind))
            {
                Report(ProtobufRules.FieldWireJsonCompatibleType, Direction.Backward, newField.FullName, change + " " + ReadersBackward, typeAt);
            }
            if (!ProtoTypes.Reads(newKind, oldKind))
            {
                Report(ProtobufRules.FieldWireJsonCompatibleType, Direction.Forward, newField.FullName, change + " " + ReadersForward, typeAt);
            }
            return false;
        }
        if (oldField.TypeName == newField.TypeName)
        {
            return true;
        }
        if (newKind == FieldType.Enum && EnumCompatible(oldField.TypeName, newField.TypeName))
        {
            return true;
        }
        if (newKind is FieldType.Message or FieldType.Group && SameShape(oldField.TypeName, newField.TypeName, []))
        {
            return true; // renamed or moved, with the same fields: neither the wire nor ProtoJSON names a message type
        }
        ReportBoth(ProtobufRules.FieldWireJsonCompatibleType, newField.FullName,
            $"{label} changed type from {oldField.TypeName} to {newField.TypeName}.", typeAt);
        return false;
    }

    /// <summary>The field numbers of the oneof a field belongs to (null outside any real oneof).</summary>
    private static HashSet<int>? OneofMembers(ProtoField field)
    {
        if (field.OneofName is null || field.Owner is null)
        {
            return null;
        }
        var index = field.Proto.OneofIndex;
        return field.Owner.Proto.Field.Where(f => f.HasOneofIndex && f.OneofIndex == index && !f.Proto3Optional).Select(f => f.Number).ToHashSet();
    }

    /// <summary>
    /// Whether a field shares its oneof with the same fields on both sides, among the fields both sides have: a field
    /// new to the message may join the oneof (old data never sets it), and a deleted one is reported as deleted.
    /// </summary>
    private static bool SameOneofMembers(ProtoField oldField, ProtoField newField)
    {
        var (o, n) = (OneofMembers(oldField), OneofMembers(newField));
        if (o is null || n is null)
        {
            return o is null && n is null;
        }
        var common = oldField.Owner!.FieldsByNumber.Keys.Where(newField.Owner!.FieldsByNumber.ContainsKey).ToHashSet();
        return o.Where(common.Contains).ToHashSet().SetEquals(n.Where(common.Contains));
    }

    /// <summary>
    /// Whether two message types encode alike on the wire and in ProtoJSON: the same field numbers, each with the same
    /// kind, cardinality, JSON name and oneof members, and message-typed fields of the same shape in turn (a pair
    /// already being compared counts as alike, which ends cycles). Names of types and oneofs do not matter.
    /// </summary>
    private bool SameShape(string oldName, string newName, HashSet<(string, string)> comparing)
    {
        if (oldName == newName || !comparing.Add((oldName, newName)))
        {
            return true;
        }
        if (!old.Messages.TryGetValue(oldName, out var o) || !@new.Messages.TryGetValue(newName, out var n) ||
            o.FieldsByNumber.Count != n.FieldsByNumber.Count || o.IsMapEntry != n.IsMapEntry)
        {
            return false;
        }
        foreach (var (number, of) in o.FieldsByNumber)
        {
            if (!n.FieldsByNumber.TryGetValue(number, out var nf) || ProtoTypes.Kind(of) != ProtoTypes.Kind(nf) ||
                ProtoTypes.CardinalityOf(of, old) != ProtoTypes.CardinalityOf(nf, @new) || of.JsonName != nf.JsonName ||
                !SameOneofMembers(of, nf) || !SameDefault(of, nf))
            {
                return false;
            }
            var kind = ProtoTypes.Kind(of);
            if (kind == FieldType.Enum && of.TypeName != nf.TypeName && !EnumCompatible(of.TypeName, nf.TypeName))
            {
                return false;
            }
            if (kind is FieldType.Message or FieldType.Group && !SameShape(of.TypeName, nf.TypeName, comparing))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Another enum is the same type for the encodings when it has the same short name and keeps every old value (number and name).</summary>
    private bool EnumCompatible(string oldName, string newName)
    {
        if (!old.Enums.TryGetValue(oldName, out var oldEnum) || !@new.Enums.TryGetValue(newName, out var newEnum) || oldEnum.Name != newEnum.Name)
        {
            return false;
        }
        var newValues = newEnum.Proto.Value.Select(v => (v.Number, v.Name)).ToHashSet();
        return oldEnum.Proto.Value.All(v => newValues.Contains((v.Number, v.Name)));
    }

    /// <summary>Whether an unset field reads the same on both sides (always, but for scalars with a declared default).</summary>
    private bool SameDefault(ProtoField oldField, ProtoField newField)
    {
        var kind = ProtoTypes.Kind(newField);
        if (kind is FieldType.Message or FieldType.Group || newField.Proto.Label == FieldDescriptorProto.Types.Label.Repeated ||
            oldField.Proto.Label == FieldDescriptorProto.Types.Label.Repeated ||
            (!oldField.Proto.HasDefaultValue && !newField.Proto.HasDefaultValue))
        {
            return true;
        }
        return DefaultsEqual(kind, DefaultValue(oldField, old), DefaultValue(newField, @new));
    }

    private void CompareDefault(ProtoField oldField, ProtoField newField, string label)
    {
        if (!SameDefault(oldField, newField))
        {
            var (oldValue, newValue) = (DefaultValue(oldField, old), DefaultValue(newField, @new));
            ReportBoth(ProtobufRules.FieldSameDefault, newField.FullName,
                $"{label} changed its default from '{oldValue}' to '{newValue}'.",
                newField.File.Position([.. newField.Path, ProtoContract.FieldDefault]),
                "New readers read an unset field as the new default where old writers meant the old one.",
                "Old readers read an unset field as the old default where new writers meant the new one.");
        }
    }

    private static string DefaultValue(ProtoField field, ProtoContract contract)
    {
        var kind = field.Proto.Type;
        if (kind == FieldType.Enum)
        {
            if (!contract.Enums.TryGetValue(field.TypeName, out var type) || type.Proto.Value.Count == 0)
            {
                return field.Proto.DefaultValue;
            }
            var name = field.Proto.HasDefaultValue ? field.Proto.DefaultValue : type.Proto.Value[0].Name;
            var value = type.Proto.Value.FirstOrDefault(v => v.Name == name);
            return value is null ? name : value.Number.ToString(CultureInfo.InvariantCulture);
        }
        if (field.Proto.HasDefaultValue)
        {
            return field.Proto.DefaultValue;
        }
        return kind switch
        {
            FieldType.String or FieldType.Bytes => "",
            FieldType.Bool => "false",
            _ => "0",
        };
    }

    private static bool DefaultsEqual(FieldType kind, string a, string b)
    {
        if (a == b)
        {
            return true;
        }
        if (kind is FieldType.String or FieldType.Bytes or FieldType.Bool or FieldType.Enum)
        {
            return false;
        }
        if (decimal.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && decimal.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y))
        {
            return x == y;
        }
        return double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) &&
               double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var q) && p.Equals(q);
    }
}
