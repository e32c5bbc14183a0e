using Stepwise.Api;
using Stepwise.Core.Model;

namespace Stepwise.Server.Http;

/// <summary>
/// What a release registration body must satisfy before anything else looks at it: no nulls, the grammar of every
/// name (<see cref="Identifiers"/>), sizes, an artifact an agent can run, and contracts of known kinds within their caps.
/// </summary>
internal static class RegistrationRules
{
    public const int MaxListEntries = 1_000;
    public const int MaxArguments = 256;
    public const int MaxArgumentLength = 4_096;
    public const int MaxEnvironment = 256;
    public const int MaxContracts = 64;

    public static string? Check(ReleaseRegistration r)
    {
        return Identifiers.CheckVersion(r.Version)
            ?? CheckArtifact(r.Artifact)
            ?? CheckList(r.Provides, "provides", op => Identifiers.CheckText(op, "an operation of provides"))
            ?? CheckList(r.Deprecates, "deprecates", op => Identifiers.CheckText(op, "an operation of deprecates"))
            ?? CheckList(r.Needs, "needs", n => Identifiers.CheckId(n.EndsWith(":expand", StringComparison.Ordinal) ? n[..^":expand".Length] : n, "a data change of needs"))
            ?? CheckList(r.UsesOldShapeOf, "usesOldShapeOf", n => Identifiers.CheckId(n, "a data change of usesOldShapeOf"))
            ?? CheckList(r.Calls, "calls", c => c is null ? "a call is null" : Identifiers.CheckId(c.Service, "the service of a call") ?? Identifiers.CheckText(c.Operation, "the operation of a call"))
            ?? CheckContracts(r.Contracts);
    }

    /// <summary>An artifact an agent can run: a command, arguments and environment without nulls, and health and metrics paths on the app's own port.</summary>
    public static string? CheckArtifact(Artifact? artifact)
    {
        if (artifact is null)
        {
            return "artifact is required (how an agent starts this release)";
        }
        if (string.IsNullOrWhiteSpace(artifact.Command) || artifact.Command.Length > MaxArgumentLength || artifact.Command.Any(char.IsControl))
        {
            return "artifact.command is required: the program an agent starts (no control characters, at most 4096 characters)";
        }
        if (artifact.Arguments is null)
        {
            return "artifact.arguments is required (an empty list when there are none)";
        }
        if (artifact.Arguments.Count > MaxArguments)
        {
            return $"artifact.arguments has {artifact.Arguments.Count} entries; at most {MaxArguments}";
        }
        for (var i = 0; i < artifact.Arguments.Count; i++)
        {
            if (artifact.Arguments[i] is not { } argument)
            {
                return $"artifact.arguments[{i}] is null; give a string";
            }
            if (argument.Length > MaxArgumentLength || argument.Any(c => c == '\0'))
            {
                return $"artifact.arguments[{i}] is longer than {MaxArgumentLength} characters or holds a NUL";
            }
        }
        if (artifact.Environment is { } environment)
        {
            if (environment.Count > MaxEnvironment)
            {
                return $"artifact.environment has {environment.Count} entries; at most {MaxEnvironment}";
            }
            foreach (var (key, value) in environment)
            {
                if (Identifiers.CheckId(key, "an environment variable name") is { } bad || key.Contains('.') || key.Contains('-'))
                {
                    return $"artifact.environment: '{Identifiers.Printable(key)}' is not a variable name (letters, digits and '_')";
                }
                if (value is null || value.Length > MaxArgumentLength || value.Contains('\0'))
                {
                    return $"artifact.environment.{key} is null, longer than {MaxArgumentLength} characters or holds a NUL";
                }
            }
        }
        return CheckPath(artifact.HealthPath, "artifact.healthPath") ?? CheckPath(artifact.MetricsPath, "artifact.metricsPath");
    }

    /// <summary>A path on the app's own port: starts with one '/', no scheme, host, '..' segment or control character.</summary>
    public static string? CheckPath(string? path, string what)
    {
        if (path is null)
        {
            return $"{what} is null; leave it out for the default or give a path such as /healthz";
        }
        if (path.Length is 0 or > 256 || path[0] != '/' || path.StartsWith("//", StringComparison.Ordinal) || path.Contains('\\') ||
            path.Split('/').Contains("..") || path.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) || path.Contains("://", StringComparison.Ordinal))
        {
            return $"{what} '{Identifiers.Printable(path)}' must be a path on the app's own port, such as /healthz (not a URL, no '..')";
        }
        return null;
    }

    private static string? CheckList<T>(IReadOnlyList<T>? list, string what, Func<T, string?> check)
    {
        if (list is null)
        {
            return null;
        }
        if (list.Count > MaxListEntries)
        {
            return $"{what} has {list.Count} entries; at most {MaxListEntries}";
        }
        foreach (var item in list)
        {
            if (item is null)
            {
                return $"{what} holds a null; give strings only";
            }
            if (check(item) is { } problem)
            {
                return problem;
            }
        }
        return null;
    }

    private static string? CheckContracts(IReadOnlyList<ContractDocument>? contracts)
    {
        if (contracts is null)
        {
            return null;
        }
        if (contracts.Count > MaxContracts)
        {
            return $"{contracts.Count} contract documents; at most {MaxContracts}";
        }
        var names = new HashSet<(string, string)>();
        foreach (var contract in contracts)
        {
            if (contract is null)
            {
                return "a contract is null";
            }
            if (contract.Kind is null || ContractsComparer.KindOf(contract.Kind) is null)
            {
                return $"contract kind '{Identifiers.Printable(contract.Kind ?? "")}' is not openapi, protobuf or jsonschema";
            }
            if (string.IsNullOrWhiteSpace(contract.Content))
            {
                return $"the {contract.Kind} contract{(contract.Name is null ? "" : $" '{contract.Name}'")} is empty";
            }
            if (contract.Name is { } name && (name.Length > 256 || name.StartsWith('/') || name.Split('/').Contains("..") || name.Any(char.IsControl) || name.Contains(':')))
            {
                return $"contract document name '{Identifiers.Printable(name)}' must be a relative name such as schemas/order.yaml";
            }
            if (!names.Add((contract.Kind.ToLowerInvariant(), contract.Name ?? "")))
            {
                return contract.Name is null
                    ? $"two {contract.Kind} contracts have no name: one contract per kind has a root document (no name); the others are named"
                    : $"two {contract.Kind} documents are named '{contract.Name}'";
            }
        }
        return contracts.GroupBy(c => c.Kind.ToLowerInvariant()).FirstOrDefault(g => g.First().Name is not null) is { } unrooted
            ? $"the first {unrooted.Key} document must be the root (no name); named documents follow it"
            : null;
    }
}
