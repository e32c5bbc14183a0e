namespace Stepwise.Core.Config;

/// <summary>One problem in a configuration file: where, what, and how to fix it.</summary>
/// <remarks>Line and column are 0 when the element has no position in a file (a release registered through the API).</remarks>
public sealed record ConfigError(string File, int Line, int Column, string Message, string Fix)
{
    /// <summary>What an element registered through the API is called where a file name would be.</summary>
    public const string Registered = "registration";

    public static ConfigError At(Model.SourcePos? at, string message, string fix) =>
        at is null ? new(Registered, 0, 0, message, fix) : new(at.File, at.Line, at.Column, message, fix);

    /// <summary>"stepwise.yaml:12:7: error: ... (fix: ...)".</summary>
    public override string ToString() => $"{(Line > 0 ? $"{File}:{Line}:{Column}" : File)}: error: {Message}\n  fix: {Fix}";
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
