using System.Globalization;
using Google.Protobuf.Reflection;
using FieldType = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;

namespace Stepwise.Contracts.Protobuf;

/// <summary>
/// Compares two compiled contracts element by element, keyed by full name and field number, and reports
/// each incompatibility once per direction it breaks. Positions point into the new contract where the
/// element still exists there, else into the old one.
/// </summary>
internal sealed class ProtobufComparer(ProtoContract old, ProtoContract @new)
{
    private const string ReadersBackward = "New readers misread or reject what old writers send (callers still on the old release, data it wrote).";
    private const string ReadersForward = "Old readers misread or reject what new writers send (servers and consumers still on the old release during a rollout or rollback).";

    private readonly List<Finding> findings = [];

    public List<Finding> Compare()
    {
        CompareFiles();
        foreach (var (name, oldMessage) in old.Messages)
        {
            if (!oldMessage.File.Unchanged && @new.Messages.TryGetValue(name, out var newMessage))
            {
                CompareMessage(oldMessage, newMessage);
            }
        }
        foreach (var (key, oldExtension) in old.Extensions)
        {
            if (!oldExtension.File.Unchanged && @new.Extensions.TryGetValue(key, out var newExtension))
            {
                CompareField(oldExtension, newExtension);
            }
        }
        foreach (var (name, oldEnum) in old.Enums)
        {
            if (!oldEnum.File.Unchanged && @new.Enums.TryGetValue(name, out var newEnum))
            {
                CompareEnum(oldEnum, newEnum);
            }
        }
        CompareServices();
        findings.Sort(static (a, b) =>
        {
            var c = string.CompareOrdinal(a.File, b.File);
            if (c == 0) c = Nullable.Compare(a.Line, b.Line);
            if (c == 0) c = Nullable.Compare(a.Column, b.Column);
            if (c == 0) c = string.CompareOrdinal(a.RuleId, b.RuleId);
            if (c == 0) c = string.CompareOrdinal(a.Location, b.Location);
            if (c == 0) c = a.Direction.CompareTo(b.Direction);
            return c;
        });
        return findings;
    }

    private void Report(ProtobufRule rule, Direction direction, string location, string message, SourcePosition at, Severity? severity = null)
    {
        findings.Add(new Finding(rule.Id, severity ?? rule.Severity, direction, location, message, rule.Fix, at.File, at.Line, at.Column));
    }

    private void ReportBoth(ProtobufRule rule, string location, string change, SourcePosition at, string backward = ReadersBackward, string forward = ReadersForward)
    {
        Report(rule, Direction.Backward, location, change + " " + backward, at);
        Report(rule, Direction.Forward, location, change + " " + forward, at);
    }

    private void CompareFiles()
    {
        foreach (var (name, oldFile) in old.FilesByName)
        {
            if (!oldFile.Unchanged && @new.FilesByName.TryGetValue(name, out var newFile) && oldFile.Package != newFile.Package)
            {
                ReportBoth(ProtobufRules.FileSamePackage, name,
                    $"File {name} moved from package '{oldFile.Package}' to '{newFile.Package}', renaming every type and RPC in it.",
                    newFile.Position([ProtoContract.FilePackage]),
                    "Old callers and stored Any values name types and RPCs the new contract no longer has.",
                    "New callers name types and RPCs old servers do not have.");
            }
        }
    }

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

        if (!oldField.IsExtension && oldField.OneofName != newField.OneofName)
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
        ReportBoth(ProtobufRules.FieldWireJsonCompatibleType, newField.FullName,
            $"{label} changed type from {oldField.TypeName} to {newField.TypeName}.", typeAt);
        return false;
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

    private void CompareDefault(ProtoField oldField, ProtoField newField, string label)
    {
        var kind = ProtoTypes.Kind(newField);
        if (kind is FieldType.Message or FieldType.Group || newField.Proto.Label == FieldDescriptorProto.Types.Label.Repeated ||
            oldField.Proto.Label == FieldDescriptorProto.Types.Label.Repeated)
        {
            return;
        }
        if (!oldField.Proto.HasDefaultValue && !newField.Proto.HasDefaultValue)
        {
            return;
        }
        var oldValue = DefaultValue(oldField, old);
        var newValue = DefaultValue(newField, @new);
        if (!DefaultsEqual(kind, oldValue, newValue))
        {
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

    /// <summary>Every number and name reserved before is still reserved; how the ranges are written does not matter.</summary>
    private void CompareReserved(ProtobufRule rule, string kind, string fullName, List<(long Start, long End)> oldRanges, List<(long Start, long End)> newRanges,
        IEnumerable<string> oldNames, IList<string> newNames, SourcePosition at)
    {
        foreach (var (start, end) in oldRanges)
        {
            var lost = FirstUncovered(start, end, newRanges);
            if (lost is not null)
            {
                ReportBoth(rule, fullName,
                    $"Reserved numbers {start} to {end - 1} of {kind} {fullName} are no longer all reserved ({lost} is free).", at,
                    $"Once {lost} is reused, new readers misread what old writers sent under it.",
                    $"Once {lost} is reused, old readers misread what new writers send under it.");
            }
        }
        foreach (var name in oldNames)
        {
            if (!newNames.Contains(name))
            {
                ReportBoth(rule, fullName, $"Reserved name '{name}' of {kind} {fullName} is no longer reserved.", at,
                    $"Once '{name}' is reused, new JSON readers misread what old writers sent under it.",
                    $"Once '{name}' is reused, old JSON readers misread what new writers send under it.");
            }
        }
    }

    /// <summary>The first number in [start, end) that no range in <paramref name="ranges"/> (half-open) covers, or null.</summary>
    private static long? FirstUncovered(long start, long end, List<(long Start, long End)> ranges)
    {
        var next = start;
        foreach (var (s, e) in ranges.OrderBy(r => r.Start))
        {
            if (s > next)
            {
                break;
            }
            next = Math.Max(next, e);
            if (next >= end)
            {
                return null;
            }
        }
        return next < end ? next : null;
    }

    private static bool InRanges(int number, IEnumerable<(long Start, long End)> ranges) => ranges.Any(r => number >= r.Start && number < r.End);

    private void CompareServices()
    {
        foreach (var (name, oldService) in old.Services)
        {
            if (oldService.File.Unchanged)
            {
                continue;
            }
            if (!@new.Services.TryGetValue(name, out var newService))
            {
                var was = oldService.File.Position(oldService.Path);
                if (oldService.Proto.Method.Count == 0)
                {
                    Report(ProtobufRules.ServiceNoDelete, Direction.Backward, name,
                        $"Service {name} was removed; it had no RPCs, so no caller could call it and nothing breaks.", was, Severity.Info);
                    continue;
                }
                var deprecated = oldService.IsDeprecated || oldService.Proto.Method.All(m => m.Options?.Deprecated == true);
                Report(ProtobufRules.ServiceNoDelete, Direction.Backward, name,
                    deprecated
                        ? $"Service {name} was removed; the old contract deprecated it. Before releasing, confirm from the call records that no caller used any of its RPCs within the retention window (G6); callers still using it get UNIMPLEMENTED."
                        : $"Service {name} was removed although the old contract did not deprecate it. Callers still on the old contract get UNIMPLEMENTED for {string.Join(", ", oldService.Proto.Method.Select(m => m.Name))}.",
                    was, deprecated ? Severity.Warning : null);
                continue;
            }
            var serviceAt = newService.File.Position(newService.Path);
            var newMethods = newService.Proto.Method.Select((m, i) => (m, i)).ToDictionary(x => x.m.Name, StringComparer.Ordinal);
            foreach (var oldMethod in oldService.Proto.Method)
            {
                var rpc = $"{name}.{oldMethod.Name}";
                if (!newMethods.TryGetValue(oldMethod.Name, out var match))
                {
                    var deprecated = oldService.IsDeprecated || oldMethod.Options?.Deprecated == true;
                    Report(ProtobufRules.RpcNoDelete, Direction.Backward, rpc,
                        deprecated
                            ? $"RPC {rpc} was removed; the old contract deprecated it. Before releasing, confirm from the call records that no caller used it within the retention window (G6); callers still using it get UNIMPLEMENTED."
                            : $"RPC {rpc} was removed although the old contract did not deprecate it. Callers still on the old contract get UNIMPLEMENTED.",
                        serviceAt, deprecated ? Severity.Warning : null);
                    continue;
                }
                CompareMethod(rpc, oldMethod, match.m, newService, match.i);
            }
        }
        foreach (var (name, newService) in @new.Services)
        {
            if (newService.File.Unchanged)
            {
                continue;
            }
            old.Services.TryGetValue(name, out var oldService);
            for (var i = 0; i < newService.Proto.Method.Count; i++)
            {
                var method = newService.Proto.Method[i];
                if (oldService is null || oldService.Proto.Method.All(m => m.Name != method.Name))
                {
                    Report(ProtobufRules.RpcAdded, Direction.Forward, $"{name}.{method.Name}",
                        $"RPC {name}.{method.Name} is new. Servers still on the old release answer UNIMPLEMENTED to callers that use it.",
                        newService.File.Position([.. newService.Path, ProtoContract.ServiceMethod, i]));
                }
            }
        }
    }

    private void CompareMethod(string rpc, MethodDescriptorProto oldMethod, MethodDescriptorProto newMethod, ProtoService newService, int index)
    {
        int[] path = [.. newService.Path, ProtoContract.ServiceMethod, index];
        var at = newService.File.Position(path);
        var oldInput = oldMethod.InputType.TrimStart('.');
        var newInput = newMethod.InputType.TrimStart('.');
        if (oldInput != newInput)
        {
            ReportBoth(ProtobufRules.RpcSameRequestType, rpc, $"RPC {rpc} changed its request type from {oldInput} to {newInput}.",
                newService.File.Position([.. path, ProtoContract.MethodInputType]),
                $"The new server decodes old callers' {oldInput} requests as {newInput}.",
                $"Old servers decode new callers' {newInput} requests as {oldInput}.");
        }
        var oldOutput = oldMethod.OutputType.TrimStart('.');
        var newOutput = newMethod.OutputType.TrimStart('.');
        if (oldOutput != newOutput)
        {
            ReportBoth(ProtobufRules.RpcSameResponseType, rpc, $"RPC {rpc} changed its response type from {oldOutput} to {newOutput}.",
                newService.File.Position([.. path, ProtoContract.MethodOutputType]),
                $"Old callers decode the new server's {newOutput} responses as {oldOutput}.",
                $"New callers decode old servers' {oldOutput} responses as {newOutput}.");
        }
        if (oldMethod.ClientStreaming != newMethod.ClientStreaming)
        {
            ReportBoth(ProtobufRules.RpcSameClientStreaming, rpc,
                $"RPC {rpc} changed from client {Streaming(oldMethod.ClientStreaming)} to client {Streaming(newMethod.ClientStreaming)}.", at,
                "Old callers' calls fail against the new server.", "New callers' calls fail against old servers.");
        }
        if (oldMethod.ServerStreaming != newMethod.ServerStreaming)
        {
            ReportBoth(ProtobufRules.RpcSameServerStreaming, rpc,
                $"RPC {rpc} changed from server {Streaming(oldMethod.ServerStreaming)} to server {Streaming(newMethod.ServerStreaming)}.", at,
                "Old callers' calls fail against the new server.", "New callers' calls fail against old servers.");
        }
        var oldLevel = oldMethod.Options?.IdempotencyLevel ?? MethodOptions.Types.IdempotencyLevel.IdempotencyUnknown;
        var newLevel = newMethod.Options?.IdempotencyLevel ?? MethodOptions.Types.IdempotencyLevel.IdempotencyUnknown;
        if (oldLevel != newLevel)
        {
            ReportBoth(ProtobufRules.RpcSameIdempotencyLevel, rpc, $"RPC {rpc} changed its idempotency level from {oldLevel} to {newLevel}.", at,
                "Old callers retry or use HTTP GET as the old level allowed, which the new server may not accept.",
                "New callers retry or use HTTP GET as the new level allows, which old servers may not accept.");
        }
    }

    private static string Streaming(bool streaming) => streaming ? "streaming" : "unary";
}
