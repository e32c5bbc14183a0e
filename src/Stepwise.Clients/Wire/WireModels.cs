using System.Text.Json;
using System.Text.Json.Serialization;

namespace Stepwise.Clients.Wire;

// The telemetry wire contract (docs/clients.md is its normative description). JSON is camelCase; times are ISO 8601
// with an offset. What comes from the server is read tolerantly: strings are checked here, field by field, so one bad
// entry is skipped instead of failing the whole policy.

/// <summary>GET /api/v1/clients/policy, and the <c>policy</c> of a telemetry answer.</summary>
internal sealed record PolicyDocument(
    string? Service,
    string? Release,
    IReadOnlyList<MinimumVersionEntry?>? MinimumVersions,
    IReadOnlyList<RemovedEntry?>? Removed,
    IReadOnlyList<DeprecatedEntry?>? Deprecated,
    int? RefreshSeconds);

internal sealed record MinimumVersionEntry(string? App, string? Minimum);

internal sealed record RemovedEntry(string? Operation, string? RemovedIn);

internal sealed record DeprecatedEntry(string? Operation, string? DeprecatedIn, string? Sunset, string? Link);

/// <summary>POST /api/v1/clients/telemetry.</summary>
internal sealed record TelemetryBatch(
    string Service,
    string? Release,
    string? Instance,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<CallCount> Calls,
    long Dropped);

internal sealed record CallCount(string App, string Version, string Operation, long Count);

/// <summary>The 202 answer to a telemetry batch.</summary>
internal sealed record TelemetryAnswer(long? Accepted, PolicyDocument? Policy);

/// <summary>The RFC 9457 problem of an upgrade-required answer, with its extension members.</summary>
internal sealed record UpgradeRequiredProblem(
    string Type,
    string Title,
    int Status,
    string Detail,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Operation,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RemovedIn,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? MinimumVersion,
    string Client);

/// <summary>What a client reads from any problem: the type decides whether it is an upgrade-required answer.</summary>
internal sealed record ProblemFields(
    string? Type,
    string? Title,
    int? Status,
    string? Detail,
    string? Operation,
    string? RemovedIn,
    string? MinimumVersion,
    string? Client);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PolicyDocument))]
[JsonSerializable(typeof(TelemetryBatch))]
[JsonSerializable(typeof(CallCount))]
[JsonSerializable(typeof(TelemetryAnswer))]
[JsonSerializable(typeof(UpgradeRequiredProblem))]
[JsonSerializable(typeof(ProblemFields))]
internal sealed partial class ClientsJson : JsonSerializerContext;
