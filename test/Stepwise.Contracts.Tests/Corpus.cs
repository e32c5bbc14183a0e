namespace Stepwise.Contracts.Tests;

/// <summary>
/// Real-world contracts installed by eng/peers.sh into $STEPWISE_PEERS (default ~/.cache/stepwise-peers).
/// A test that needs one skips on a developer machine without it, and fails in CI (CI is set), so CI never
/// goes green by skipping.
/// </summary>
internal static class Corpus
{
    public static string Root =>
        Environment.GetEnvironmentVariable("STEPWISE_PEERS") is { Length: > 0 } peers
            ? peers
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "stepwise-peers");

    public static string Require(string relativePath)
    {
        var path = Path.Combine(Root, relativePath);
        if (File.Exists(path))
        {
            return path;
        }
        var message = $"corpus file {relativePath} is not installed under {Root}: run eng/peers.sh (or set STEPWISE_PEERS)";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            throw new InvalidOperationException(message);
        }
        Assert.Skip(message);
        return path;
    }
}
