using System.Text.Json;
using System.Text.Json.Serialization;
using Stepwise.Api;
using Stepwise.Cli.Commands.Operator;
using Stepwise.Cli.Rendering;
using Stepwise.Core.Config;
using Stepwise.Core.Model;

namespace Stepwise.Cli;

/// <summary>What the CLI writes with <c>--format json</c>: the API's JSON settings, with the CLI's own records source-generated.</summary>
internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = ApiJson.Options.With(CliJsonContext.Default, WireEnums.CamelCase<StepState>());

    public static JsonSerializerOptions Indented { get; } = ApiJson.Indented.With(CliJsonContext.Default, WireEnums.CamelCase<StepState>());

    /// <summary><c>stepwise simulate --format json</c>: web defaults (every member written, nulls too), indented.</summary>
    public static JsonSerializerOptions Simulation { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true, TypeInfoResolver = CliJsonContext.Default };
}

/// <summary><c>stepwise validate --format json</c>: counts when valid, the errors when not.</summary>
internal sealed record ValidateOutput(bool Valid, string File, int? Services, int? Releases, int? DataChanges, int? Plans, IReadOnlyList<ConfigError> Errors);

/// <summary>A refusal from the server, as a command prints it with <c>--format json</c>.</summary>
internal sealed record RefusedOutput(bool Refused, string? Type, string? Detail, IReadOnlyList<Core.Decisions.Refusal> Refusals, JsonElement? Findings);

/// <summary><c>stepwise config diff --format json</c>.</summary>
internal sealed record ConfigDiffOutput(string File, Uri Server, bool Same, IReadOnlyList<ConfigDifference> Differences);

/// <summary><c>stepwise context list --format json</c>: a token is shown as "(set)", never printed.</summary>
internal sealed record ContextListOutput(string File, string? Current, IReadOnlyList<ContextEntry> Contexts);

internal sealed record ContextEntry(string Name, string? Server, string? Token, string? TokenFile);

/// <summary>One simulation run, as <c>stepwise simulate --format json</c> prints it.</summary>
internal sealed record SimulationRunOutput(
    int Seed, int Nodes, int Services, string Faults, string? Sabotage, IReadOnlyList<string> Approve, bool Clients, bool Prometheus, bool Ok,
    IReadOnlyList<ViolationOutput> Violations, long Events, long Decisions, long Actions, IReadOnlyDictionary<string, int> Refusals, PlanOutput Plan,
    IReadOnlyDictionary<string, int> Counters, double SimulatedSeconds, double Seconds);

internal sealed record ViolationOutput(string Guarantee, string Name, DateTimeOffset At, string Message, string Replay, IReadOnlyList<string> Trail);

internal sealed record PlanOutput(string State, int StepsDone, int Steps);

/// <summary>Many seeds, as <c>stepwise simulate --seeds N --format json</c> prints them.</summary>
internal sealed record SeedsOutput(SeedRange Seeds, int Clean, IReadOnlyList<SimulationRunOutput> Failed, long Decisions, long Events, double Seconds);

internal sealed record SeedRange(int From, int To);

[JsonSerializable(typeof(ValidateOutput))]
[JsonSerializable(typeof(RefusedOutput))]
[JsonSerializable(typeof(ConfigDiffOutput))]
[JsonSerializable(typeof(ContextListOutput))]
[JsonSerializable(typeof(SimulationRunOutput))]
[JsonSerializable(typeof(SeedsOutput))]
[JsonSerializable(typeof(RolloutTreeModel))]
[JsonSerializable(typeof(EventView))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
