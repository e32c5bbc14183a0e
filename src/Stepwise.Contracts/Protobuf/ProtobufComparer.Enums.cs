using Google.Protobuf.Reflection;

namespace Stepwise.Contracts.Protobuf;

/// <summary>Compares enums: deleted values, renamed values, reserved numbers and names, and the JSON format.</summary>
internal sealed partial class ProtobufComparer
{
    private void CompareEnum(ProtoEnum oldEnum, ProtoEnum newEnum)
    {
        var at = newEnum.File.Position(newEnum.Path);
        var oldByNumber = oldEnum.Proto.Value.GroupBy(v => v.Number).ToDictionary(g => g.Key, g => g.Select(v => v.Name).ToList());
        var newByNumber = newEnum.Proto.Value.Select((v, i) => (v, i)).GroupBy(x => x.v.Number).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var (number, oldNames) in oldByNumber.OrderBy(p => p.Key))
        {
            if (newByNumber.TryGetValue(number, out var newValues))
            {
                CompareEnumValueNames(newEnum, number, oldNames, newValues);
                continue;
            }
            var what = $"Enum value {number} ({string.Join(", ", oldNames)}) was deleted from {newEnum.FullName}";
            var location = $"{newEnum.FullName}.{oldNames[0]}";
            if (!InRanges(number, newEnum.Proto.ReservedRange.Select(r => ((long)r.Start, (long)r.End + 1))))
            {
                ReportBoth(ProtobufRules.EnumValueNoDeleteUnlessNumberReserved, location, $"{what} without reserving number {number}.", at,
                    $"New readers do not recognise {number} that old writers still send, and misread it once the number is reused.",
                    $"Old readers misread {number} once new writers reuse it.");
            }
            if (oldNames.Any(n => !newEnum.Proto.ReservedName.Contains(n)))
            {
                ReportBoth(ProtobufRules.EnumValueNoDeleteUnlessNameReserved, location, $"{what} without reserving its name.", at,
                    $"New JSON readers reject {oldNames[0]} that old writers still send.",
                    $"Old JSON readers misread {oldNames[0]} once new writers reuse the name.");
            }
        }
        CompareReserved(ProtobufRules.ReservedEnumNoDelete, "enum", newEnum.FullName,
            oldEnum.Proto.ReservedRange.Select(r => ((long)r.Start, (long)r.End + 1)).ToList(), newEnum.Proto.ReservedRange.Select(r => ((long)r.Start, (long)r.End + 1)).ToList(),
            oldEnum.Proto.ReservedName, newEnum.Proto.ReservedName, at);
        var oldFormat = ProtoTypes.JsonFormat(oldEnum.File, oldEnum.Proto.Options?.Features, oldEnum.Parent);
        var newFormat = ProtoTypes.JsonFormat(newEnum.File, newEnum.Proto.Options?.Features, newEnum.Parent);
        if (oldFormat == FeatureSet.Types.JsonFormat.Allow && newFormat != FeatureSet.Types.JsonFormat.Allow)
        {
            ReportBoth(ProtobufRules.EnumSameJsonFormat, newEnum.FullName,
                $"Enum {newEnum.FullName} no longer guarantees a JSON mapping (json_format {oldFormat} -> {newFormat}).", at);
        }
        CompareEnumType(oldEnum, newEnum, at);
    }

    /// <summary>
    /// An open enum field holds any number; a closed one only the values it declares, and its reader moves any other
    /// value into unknown fields, so the field reads as unset. The pairing whose reader is closed and whose writer is
    /// open breaks: a writer on the open enum may set a number the closed reader drops.
    /// </summary>
    private void CompareEnumType(ProtoEnum oldEnum, ProtoEnum newEnum, SourcePosition at)
    {
        var oldClosed = ProtoTypes.IsClosed(oldEnum);
        var newClosed = ProtoTypes.IsClosed(newEnum);
        if (oldClosed == newClosed)
        {
            return;
        }
        var change = $"Enum {newEnum.FullName} changed from {(oldClosed ? "closed to open" : "open to closed")}.";
        if (newClosed)
        {
            Report(ProtobufRules.EnumSameType, Direction.Backward, newEnum.FullName,
                $"{change} New readers move a number old writers may set (an open enum holds any number) that the enum does not declare into unknown fields: the field reads as unset.", at);
        }
        else
        {
            Report(ProtobufRules.EnumSameType, Direction.Forward, newEnum.FullName,
                $"{change} Old readers move a number new writers may set (an open enum holds any number) that the enum does not declare into unknown fields: the field reads as unset.", at);
        }
    }

    /// <summary>
    /// JSON carries enum values by name and prints the first name declared for a number. Old names must
    /// stay readable (backward) and the printed name must be one old readers know (forward); adding an
    /// alias after the existing name changes neither.
    /// </summary>
    private void CompareEnumValueNames(ProtoEnum newEnum, int number, List<string> oldNames, List<(EnumValueDescriptorProto v, int i)> newValues)
    {
        var newNames = newValues.Select(x => x.v.Name).ToList();
        var change = $"Enum value {number} of {newEnum.FullName} changed name from {string.Join(", ", oldNames)} to {string.Join(", ", newNames)}.";
        var at = newEnum.File.Position([.. newEnum.Path, ProtoContract.EnumValue, newValues[0].i, ProtoContract.EnumValueNumber]);
        var location = $"{newEnum.FullName}.{newNames[0]}";
        var lost = oldNames.Where(n => !newNames.Contains(n)).ToList();
        if (lost.Count > 0)
        {
            Report(ProtobufRules.EnumValueSameName, Direction.Backward, location,
                $"{change} New JSON readers reject {string.Join(", ", lost)} that old writers send.", at);
        }
        if (!oldNames.Contains(newNames[0]))
        {
            Report(ProtobufRules.EnumValueSameName, Direction.Forward, location,
                $"{change} New JSON writers send {newNames[0]}, which old readers reject.", at);
        }
    }
}
