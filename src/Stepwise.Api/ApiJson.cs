using System.Text.Json;
using System.Text.Json.Serialization;
using Stepwise.Core.Model;

namespace Stepwise.Api;

/// <summary>The API's JSON: <see cref="SnapshotJson"/>'s settings, with the API's own records source-generated.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = SnapshotJson.Options.With(ApiJsonContext.Default, WireEnums.CamelCase<TokenKind>());

    public static JsonSerializerOptions Indented { get; } = SnapshotJson.Indented.With(ApiJsonContext.Default, WireEnums.CamelCase<TokenKind>());

    /// <inheritdoc cref="SnapshotJson.Tolerant"/>
    public static JsonSerializerOptions Tolerant { get; } = SnapshotJson.Tolerant.With(ApiJsonContext.Default, WireEnums.CamelCase<TokenKind>());
}

/// <summary>Source-generated metadata for the API's bodies and answers that a client (the CLI, the agent) sends or reads.</summary>
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(StartRolloutBody))]
[JsonSerializable(typeof(ReasonBody))]
[JsonSerializable(typeof(WhatIfBody))]
[JsonSerializable(typeof(WhatIfAnswer))]
[JsonSerializable(typeof(DataPhaseBody))]
[JsonSerializable(typeof(DataCancelOutcome))]
[JsonSerializable(typeof(OverrideBody))]
[JsonSerializable(typeof(Override))]
[JsonSerializable(typeof(List<Override>))]
[JsonSerializable(typeof(List<Alert>))]
[JsonSerializable(typeof(TokenBody))]
[JsonSerializable(typeof(TokenCreated))]
[JsonSerializable(typeof(TokenView))]
[JsonSerializable(typeof(List<TokenView>))]
[JsonSerializable(typeof(RequestOutcome))]
[JsonSerializable(typeof(ReleaseRegistration))]
[JsonSerializable(typeof(ReleaseView))]
[JsonSerializable(typeof(List<ReleaseView>))]
[JsonSerializable(typeof(RolloutView))]
[JsonSerializable(typeof(List<RolloutView>))]
[JsonSerializable(typeof(List<NodeView>))]
[JsonSerializable(typeof(List<ServiceView>))]
[JsonSerializable(typeof(List<PlanView>))]
[JsonSerializable(typeof(List<EventView>))]
[JsonSerializable(typeof(List<ClientView>))]
[JsonSerializable(typeof(ConfigView))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
