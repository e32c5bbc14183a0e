using Stepwise.Data.Sql;

namespace Stepwise.Data.Running;

/// <summary>
/// A phase's <c>up</c>/<c>down</c> is inline SQL or the path of a .sql file relative to the configuration file: a single
/// line ending in ".sql" is a path, anything else is SQL.
/// </summary>
public static class PhaseSql
{
    public static bool IsPath(string value)
    {
        var v = value.Trim();
        return v.EndsWith(".sql", StringComparison.OrdinalIgnoreCase) && !v.Contains('\n', StringComparison.Ordinal) && !v.Contains(' ', StringComparison.Ordinal);
    }

    public static string Resolve(string value, string configDirectory, string what, long maxBytes = SqlInput.DefaultMaxBytes)
    {
        if (!IsPath(value))
        {
            return value;
        }
        var path = Path.Combine(configDirectory, value.Trim());
        if (!File.Exists(path))
        {
            throw new DataInputException($"{what}: SQL file {value.Trim()} does not exist (looked in {Path.GetFullPath(configDirectory)})", "correct the path; it is relative to the folder of stepwise.yaml");
        }
        try
        {
            return SqlInput.ReadFile(path, maxBytes);
        }
        catch (SqlInputException e)
        {
            throw PhaseScript.BadInput(value.Trim(), e.Problem);
        }
    }

    public static string DisplayName(string value, string what) => IsPath(value) ? value.Trim() : what;
}
