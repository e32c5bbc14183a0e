using System.Diagnostics;
using System.Text.Json;
using Stepwise.Contracts.Protobuf;

namespace Stepwise.Contracts.Tests.Protobuf;

/// <summary>
/// Google's protos 5.0.3 -> 6.0.1 (7,000+ files): Stepwise runs to completion and reports everything buf reports under
/// WIRE_JSON, but for fields whose message type was only renamed or moved (buf's false positives).
/// </summary>
public sealed class ProtobufGoogleCorpusTests : IDisposable
{
    private readonly ProtoWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    private (string Old, string New) PrepareTrees(string oldVersion, string newVersion)
    {
        GoogleProtoCorpus.RequirePresent(GoogleProtoCorpus.IsPresent(oldVersion, newVersion), $"google-proto-files {oldVersion} and {newVersion}");
        return (GoogleProtoCorpus.Prepare(oldVersion, Path.Combine(workspace.Root, oldVersion)),
                GoogleProtoCorpus.Prepare(newVersion, Path.Combine(workspace.Root, newVersion)));
    }

    [Fact]
    public void comparing_google_protos_5_0_3_to_6_0_1_runs_to_completion_with_placed_findings()
    {
        var (oldTree, newTree) = PrepareTrees(GoogleProtoCorpus.OldVersion, GoogleProtoCorpus.NewVersion);

        var findings = new ProtobufChecker().Compare(oldTree, newTree, TestContext.Current.CancellationToken);

        findings.ShouldNotBeEmpty();
        findings.ShouldAllBe(f => f.File != null && f.Line > 0 && f.Column > 0);
        findings.ShouldAllBe(f => f.File!.StartsWith(oldTree) || f.File!.StartsWith(newTree));
        // Releases 5.0.3 -> 6.0.1 drop whole API versions (their services were not deprecated first).
        findings.ShouldContain(f => f.RuleId == "SERVICE_NO_DELETE" && f.Severity == Severity.Error);
    }

    /// <summary>5.0.3 -> 6.0.1 is the release pair the comparison is promised on; 4.2.0 -> 5.0.3 exercises ten of buf's rules.</summary>
    [Theory]
    [InlineData(GoogleProtoCorpus.OldVersion, GoogleProtoCorpus.NewVersion)]
    [InlineData("4.2.0", "5.0.3")]
    public void every_wire_json_finding_of_buf_on_google_protos_is_reported_by_stepwise_and_no_other_but_renamed_types(string oldVersion, string newVersion)
    {
        var buf = GoogleProtoCorpus.Buf;
        GoogleProtoCorpus.RequirePresent(buf is not null, "buf 1.75");
        var (oldTree, newTree) = PrepareTrees(oldVersion, newVersion);

        var bufFindings = RunBuf(buf!, oldTree, newTree);
        var ours = new ProtobufChecker().Compare(oldTree, newTree, TestContext.Current.CancellationToken);

        bufFindings.ShouldNotBeEmpty();
        var ourKeys = ours.Select(f => (f.RuleId, Path: Path.GetRelativePath(newTree, f.File!), f.Line ?? 0)).ToHashSet();
        var missing = bufFindings.Where(b => !ourKeys.Contains(b)).ToList();
        // Where buf and Stepwise differ by design: a field whose message type was renamed or moved with the same fields
        // changes no byte on the wire or in ProtoJSON (buf's issues #609, #2167, #2318). Each such finding is checked here
        // on its own terms: the old and new types differ in name and declare the same fields.
        var renamed = new List<(string RuleId, string Path, int Line)>();
        if (missing.Count > 0)
        {
            var (oldContract, newContract) = ProtoContractReader.ReadFolders(oldTree, newTree, skipUnchanged: false, ProtoContractReader.DefaultFilesPerCompile, TestContext.Current.CancellationToken);
            renamed.AddRange(missing.Where(m => m.RuleId == "FIELD_WIRE_JSON_COMPATIBLE_TYPE" && RenamedWithSameFields(oldContract, newContract, newTree, m.Path, m.Line)));
        }
        missing.Except(renamed).ShouldBeEmpty("buf findings Stepwise does not report (rule, file, line)");

        // Under the rule ids Stepwise shares with buf, Stepwise reports nothing buf does not; its other
        // rules (RPC and service removal, RPC_ADDED) are outside buf's WIRE_JSON category.
        var shared = ProtobufRules.All.Where(r => r.BufWireJson).Select(r => r.Id).ToHashSet();
        var bufKeys = bufFindings.ToHashSet();
        var extra = ours.Where(f => shared.Contains(f.RuleId))
            .Select(f => (f.RuleId, Path: Path.GetRelativePath(newTree, f.File!), f.Line ?? 0))
            .Where(k => !bufKeys.Contains(k))
            .Distinct()
            .ToList();
        extra.ShouldBeEmpty("Stepwise findings under buf's rule ids that buf does not report (rule, file, line)");
    }

    /// <summary>
    /// Whether the message-typed field declared at <paramref name="line"/> of <paramref name="file"/> (new tree) had, in
    /// the same message on the old side, a type of another name that declares the same fields (number, name, label,
    /// type, JSON name).
    /// </summary>
    private static bool RenamedWithSameFields(ProtoContract oldContract, ProtoContract newContract, string newTree, string file, int line)
    {
        foreach (var message in newContract.Messages.Values)
        {
            foreach (var field in message.FieldsByNumber.Values)
            {
                var at = field.File.Position(field.Path);
                if (at.Line != line || Path.GetRelativePath(newTree, at.File) != file ||
                    !oldContract.Messages.TryGetValue(message.FullName, out var oldMessage) || !oldMessage.FieldsByNumber.TryGetValue(field.Number, out var oldField) ||
                    oldField.TypeName == field.TypeName ||
                    !oldContract.Messages.TryGetValue(oldField.TypeName, out var oldType) || !newContract.Messages.TryGetValue(field.TypeName, out var newType))
                {
                    continue;
                }
                static IEnumerable<string> Fields(ProtoMessage m) =>
                    m.FieldsByNumber.Values.OrderBy(f => f.Number).Select(f => $"{f.Number} {f.Name} {f.Proto.Label} {f.Proto.Type} {f.TypeName} {f.JsonName}");
                return Fields(oldType).SequenceEqual(Fields(newType));
            }
        }
        return false;
    }

    /// <summary>buf breaking new --against old with WIRE_JSON, parsed from its JSON lines into (rule, path relative to the new tree, line).</summary>
    private static List<(string RuleId, string Path, int Line)> RunBuf(string buf, string oldTree, string newTree)
    {
        var start = new ProcessStartInfo(buf)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = newTree,
        };
        foreach (var argument in new[] { "breaking", newTree, "--against", oldTree, "--error-format", "json" })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var lines = new List<(string, string, int)>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var path = root.GetProperty("path").GetString()!;
            var relative = Path.IsPathRooted(path) ? Path.GetRelativePath(newTree, path) : path;
            lines.Add((root.GetProperty("type").GetString()!, relative, root.TryGetProperty("start_line", out var l) ? l.GetInt32() : 0));
        }
        process.WaitForExit();
        // Exit code 100 means "breaking changes found"; anything else but 0 is a failure to run.
        (process.ExitCode is 0 or 100).ShouldBeTrue($"buf failed with exit code {process.ExitCode}: {stderr.Result}");
        return lines;
    }
}
