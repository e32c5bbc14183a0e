using Xunit;

namespace Stepwise.Testing;

/// <summary>
/// What a test needs from the machine. A missing service skips the test on a developer's machine and fails it when
/// CI is set, so CI can never go green by skipping.
/// </summary>
public static class Need
{
    /// <summary>Whether the tests run in CI (the CI environment variable is set).</summary>
    public static bool InCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    /// <summary>Skips the test here, or fails it in CI, saying what is missing and how to get it.</summary>
    public static void Missing(string what, string howToGetIt)
    {
        if (InCi)
        {
            Assert.Fail($"{what} is missing but CI is set: {howToGetIt}");
        }
        Assert.Skip($"{what} is missing: {howToGetIt}");
    }

    /// <summary>The value of an environment variable the test needs (skip here, fail in CI when unset).</summary>
    public static string Variable(string name, string howToGetIt)
    {
        var value = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            Missing(name, howToGetIt);
        }
        return value!;
    }

    /// <summary>An executable the test runs (a path, or a name found on PATH).</summary>
    public static string Program(string nameOrPath, string howToGetIt)
    {
        if (Path.IsPathRooted(nameOrPath) && File.Exists(nameOrPath))
        {
            return nameOrPath;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, nameOrPath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        Missing($"the program {nameOrPath}", howToGetIt);
        return nameOrPath;
    }
}
