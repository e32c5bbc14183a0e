namespace Stepwise.Core.Config;

/// <summary>One problem in a configuration file: where, what, and how to fix it.</summary>
public sealed record ConfigError(string File, int Line, int Column, string Message, string Fix)
{
    /// <summary>"stepwise.yaml:12:7: error: ... (fix: ...)".</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: error: {Message}\n  fix: {Fix}";
}

/// <summary>A configuration file that cannot be used. Carries every problem found, not just the first.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigError> errors)
        : base(string.Join("\n", errors.Select(e => e.ToString())))
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigError> Errors { get; }
}
