using Google.Protobuf.Reflection;

namespace Stepwise.Contracts.Protobuf;

/// <summary>Compares messages: deleted fields, required fields, reserved numbers and names, and the JSON format.</summary>
internal sealed partial class ProtobufComparer
{
    private void CompareMessage(ProtoMessage oldMessage, ProtoMessage newMessage)
    {
        var at = newMessage.File.Position(newMessage.Path);
        foreach (var (number, oldField) in oldMessage.FieldsByNumber)
        {
            if (newMessage.FieldsByNumber.TryGetValue(number, out var newField))
            {
                CompareField(oldField, newField);
                continue;
            }
            var what = $"Field {number} '{oldField.Name}' was deleted from {newMessage.FullName}";
            if (!InRanges(number, newMessage.Proto.ReservedRange.Select(r => ((long)r.Start, (long)r.End))))
            {
                ReportBoth(ProtobufRules.FieldNoDeleteUnlessNumberReserved, oldField.FullName,
                    $"{what} without reserving number {number}.", at,
                    $"New readers drop what old writers still send as field {number}, and once the number is reused they misread it.",
                    $"Old readers see field {number} unset in everything new writers send, and misread it once the number is reused.");
            }
            if (!newMessage.Proto.ReservedName.Contains(oldField.Name))
            {
                ReportBoth(ProtobufRules.FieldNoDeleteUnlessNameReserved, oldField.FullName,
                    $"{what} without reserving the name '{oldField.Name}'.", at,
                    $"New JSON readers reject '{oldField.JsonName}' that old writers still send, and misread it once the name is reused.",
                    $"Old JSON readers see '{oldField.JsonName}' missing, and misread it once the name is reused.");
            }
        }
        CompareRequiredFields(oldMessage, newMessage, at);
        CompareReserved(ProtobufRules.ReservedMessageNoDelete, "message", newMessage.FullName,
            oldMessage.Proto.ReservedRange.Select(r => ((long)r.Start, (long)r.End)).ToList(), newMessage.Proto.ReservedRange.Select(r => ((long)r.Start, (long)r.End)).ToList(),
            oldMessage.Proto.ReservedName, newMessage.Proto.ReservedName, at);
        var oldFormat = ProtoTypes.JsonFormat(oldMessage.File, oldMessage.Proto.Options?.Features, oldMessage.Parent);
        var newFormat = ProtoTypes.JsonFormat(newMessage.File, newMessage.Proto.Options?.Features, newMessage.Parent);
        if (oldFormat == FeatureSet.Types.JsonFormat.Allow && newFormat != FeatureSet.Types.JsonFormat.Allow)
        {
            ReportBoth(ProtobufRules.MessageSameJsonFormat, newMessage.FullName,
                $"Message {newMessage.FullName} no longer guarantees a JSON mapping (json_format {oldFormat} -> {newFormat}).", at);
        }
    }

    private void CompareRequiredFields(ProtoMessage oldMessage, ProtoMessage newMessage, SourcePosition at)
    {
        var oldRequired = oldMessage.FieldsByNumber.Values.Where(f => ProtoTypes.CardinalityOf(f, old) == Cardinality.Required).Select(f => f.Number).ToHashSet();
        var newRequired = newMessage.FieldsByNumber.Values.Where(f => ProtoTypes.CardinalityOf(f, @new) == Cardinality.Required).ToList();
        foreach (var number in oldRequired.Order())
        {
            if (newRequired.All(f => f.Number != number))
            {
                Report(ProtobufRules.MessageSameRequiredFields, Direction.Forward, $"{newMessage.FullName}#{number}",
                    $"Required field {number} of {newMessage.FullName} is no longer required. Old readers reject every message new writers send without it.", at);
            }
        }
        foreach (var field in newRequired.OrderBy(f => f.Number))
        {
            if (!oldRequired.Contains(field.Number))
            {
                Report(ProtobufRules.MessageSameRequiredFields, Direction.Backward, field.FullName,
                    $"Field {field.Number} '{field.Name}' of {newMessage.FullName} is newly required. New readers reject every message old writers send without it.",
                    field.File.Position(field.Path));
            }
        }
    }
}
