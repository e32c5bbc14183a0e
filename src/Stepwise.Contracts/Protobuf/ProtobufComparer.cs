namespace Stepwise.Contracts.Protobuf;

/// <summary>
/// Compares two compiled contracts element by element, keyed by full name and field number, and reports
/// each incompatibility once per direction it breaks. Positions point into the new contract where the
/// element still exists there, else into the old one.
/// </summary>
internal sealed partial class ProtobufComparer(ProtoContract old, ProtoContract @new)
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
        CompareExtensions();
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

    /// <summary>
    /// Extensions are matched by the message they extend and their number, and compared like fields. A deleted one is
    /// reported like a deleted field: its number may be reused with another meaning, and JSON readers no longer parse its
    /// [full.name]. When the extended message itself is gone, nothing carries the extension any more, so there is no finding.
    /// </summary>
    private void CompareExtensions()
    {
        foreach (var (key, oldExtension) in old.Extensions)
        {
            if (oldExtension.File.Unchanged)
            {
                continue;
            }
            if (@new.Extensions.TryGetValue(key, out var newExtension))
            {
                CompareField(oldExtension, newExtension);
                continue;
            }
            if (!@new.Messages.ContainsKey(key.Extendee))
            {
                continue;
            }
            // Anchored in the new contract: the message or file that declared the extension, when it survives.
            var at = oldExtension.Owner is { } scope && @new.Messages.TryGetValue(scope.FullName, out var survivingScope)
                ? survivingScope.File.Position(survivingScope.Path)
                : @new.FilesByName.TryGetValue(oldExtension.File.Proto.Name, out var survivingFile)
                    ? survivingFile.Position([ProtoContract.FilePackage])
                    : oldExtension.File.Position(oldExtension.Path);
            ReportBoth(ProtobufRules.ExtensionNoDelete, oldExtension.FullName,
                $"Extension {oldExtension.FullName} ({oldExtension.Number}) of {key.Extendee} was deleted.", at,
                $"New readers drop what old writers still send as extension {oldExtension.Number} of {key.Extendee}, misread it once the number is reused, and JSON readers reject its [{oldExtension.FullName}].",
                $"Old readers see extension {oldExtension.Number} unset in everything new writers send, and misread it once the number is reused.");
        }
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
}
