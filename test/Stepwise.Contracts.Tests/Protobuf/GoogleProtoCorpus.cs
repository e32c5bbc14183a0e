namespace Stepwise.Contracts.Tests.Protobuf;

/// <summary>
/// Google's API protos from the google-proto-files npm package (installed by eng/peers.sh), laid out for a
/// comparison: google/ and grafeas/ of one release, without google/protobuf/. That folder holds protobuf's
/// own sources and test fixtures (some do not compile with protoc or buf: edition 2026, missing test imports)
/// rather than Google API contracts; the well-known types come from protoc's include folder (or buf's own copy).
/// </summary>
internal static class GoogleProtoCorpus
{
    public const string OldVersion = "5.0.3";
    public const string NewVersion = "6.0.1";

    public static string Peers =>
        Environment.GetEnvironmentVariable("STEPWISE_PEERS") is { Length: > 0 } peers
            ? peers
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "stepwise-peers");

    public static string Package(string version) => Path.Combine(Peers, "gpf", version, "package");

    public static bool IsPresent(params string[] versions) => versions.All(v => Directory.Exists(Path.Combine(Package(v), "google")));

    /// <summary>buf from eng/peers.sh, or null.</summary>
    public static string? Buf
    {
        get
        {
            var scope = Path.Combine(Peers, "buf", "node_modules", "@bufbuild");
            if (!Directory.Exists(scope))
            {
                return null;
            }
            return Directory.EnumerateDirectories(scope, "buf-*")
                .Select(d => Path.Combine(d, "bin", "buf"))
                .FirstOrDefault(File.Exists);
        }
    }

    /// <summary>Skips on a developer machine, fails in CI (CI must never go green by skipping).</summary>
    public static void RequirePresent(bool present, string what)
    {
        if (present)
        {
            return;
        }
        var message = $"{what} is not installed; run eng/peers.sh (looked in {Peers})";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Assert.Fail(message);
        }
        Assert.Skip(message);
    }

    /// <summary>Links one release's google/* (without google/protobuf) and grafeas/ into <paramref name="target"/> and writes a buf.yaml using WIRE_JSON.</summary>
    public static string Prepare(string version, string target)
    {
        var package = Package(version);
        var google = Path.Combine(target, "google");
        Directory.CreateDirectory(google);
        foreach (var folder in Directory.EnumerateDirectories(Path.Combine(package, "google")))
        {
            var name = Path.GetFileName(folder);
            if (name != "protobuf")
            {
                Directory.CreateSymbolicLink(Path.Combine(google, name), folder);
            }
        }
        foreach (var file in Directory.EnumerateFiles(Path.Combine(package, "google"), "*.proto"))
        {
            File.CreateSymbolicLink(Path.Combine(google, Path.GetFileName(file)), file);
        }
        Directory.CreateSymbolicLink(Path.Combine(target, "grafeas"), Path.Combine(package, "grafeas"));
        File.WriteAllText(Path.Combine(target, "buf.yaml"), "version: v2\nbreaking:\n  use:\n    - WIRE_JSON\n");
        return target;
    }
}
