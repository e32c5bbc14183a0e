using Stepwise.Contracts.Protobuf;

namespace Stepwise.Contracts.Tests.Protobuf;

/// <summary>A temporary pair of contract folders, old and new, and the checker run over them.</summary>
internal sealed class ProtoWorkspace : IDisposable
{
    private readonly DirectoryInfo root = Directory.CreateTempSubdirectory("stepwise-proto-test-");

    public string Root => root.FullName;
    public string OldDir => Path.Combine(Root, "old");
    public string NewDir => Path.Combine(Root, "new");

    /// <summary>Writes a file under the old or new folder (or anywhere under the root) and returns its full path.</summary>
    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public string WriteBytes(string relativePath, byte[] content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Compares one old .proto source with one new one (both named contract.proto in their folders).</summary>
    public IReadOnlyList<Finding> Compare(string oldProto, string newProto)
    {
        Write("old/contract.proto", oldProto);
        Write("new/contract.proto", newProto);
        return CompareFolders();
    }

    public IReadOnlyList<Finding> CompareFolders() => new ProtobufChecker().Compare(OldDir, NewDir, TestContext.Current.CancellationToken);

    public void Dispose()
    {
        try
        {
            root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans temp folders.
        }
    }
}

internal static class FindingAssertions
{
    public static List<Finding> OfRule(this IEnumerable<Finding> findings, string ruleId) => findings.Where(f => f.RuleId == ruleId).ToList();

    public static Direction[] Directions(this IEnumerable<Finding> findings, string ruleId) =>
        findings.Where(f => f.RuleId == ruleId).Select(f => f.Direction).Distinct().Order().ToArray();
}
