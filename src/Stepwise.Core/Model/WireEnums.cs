using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Stepwise.Core.Analysis;
using Stepwise.Core.Decisions;
using Stepwise.Core.Fleet;

namespace Stepwise.Core.Model;

/// <summary>
/// How Core's enums are spelled on the wire: guarantee ids as in the docs ("G4"), every other enum as a camelCase
/// name, integers refused. Each enum is listed so the native build needs no runtime code generation; the tests check
/// that every enum reachable from a source-generated type is here (or in its layer's list).
/// </summary>
public static class WireEnums
{
    /// <summary>The converter that spells <typeparamref name="T"/> as a camelCase name.</summary>
    public static JsonConverter CamelCase<T>() where T : struct, Enum => new JsonStringEnumConverter<T>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);

    public static IEnumerable<JsonConverter> Converters()
    {
        yield return new JsonStringEnumConverter<GuaranteeId>(namingPolicy: null, allowIntegerValues: false);
        yield return CamelCase<AnalysisSide>();
        yield return CamelCase<PlanStepKind>();
        yield return CamelCase<PlanState>();
        yield return CamelCase<RequestKind>();
        yield return CamelCase<AlertSeverity>();
        yield return CamelCase<StoreKind>();
        yield return CamelCase<ApprovalGate>();
        yield return CamelCase<NodeState>();
        yield return CamelCase<NodeHealth>();
        yield return CamelCase<RolloutPhase>();
        yield return CamelCase<MarginalAction>();
        yield return CamelCase<ReleaseOrigin>();
        yield return CamelCase<DataPhaseKind>();
        yield return CamelCase<DataPhaseState>();
        yield return CamelCase<MetricVerdict>();
        yield return CamelCase<MetricOutcome>();
        yield return CamelCase<AnalysisVerdict>();
        yield return CamelCase<MetricKind>();
        yield return CamelCase<FailOn>();
        yield return CamelCase<BlockerKind>();
        yield return CamelCase<ActionKind>();
        if (AnyEnum() is { } rest)
        {
            yield return rest;
        }
    }

    /// <summary>Every other enum (the server's and the agent's), where runtime code generation is available: the native build has none, and lists its enums.</summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only where reflection-based serialization is enabled, which the native build turns off.")]
    private static JsonConverter? AnyEnum() =>
        JsonSerializer.IsReflectionEnabledByDefault ? new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) : null;
}
