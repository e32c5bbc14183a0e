namespace Stepwise.Contracts;

/// <summary>
/// What each mode keeps of a checker's findings and at which severity. The checkers report every finding in both
/// directions at the rule's own severity (that is <see cref="CompatMode.Strict"/>); the other modes are views of it.
/// </summary>
public static class CompatPolicy
{
    /// <summary>
    /// The findings that count under <paramref name="mode"/>, with the severity they have there.
    /// <list type="bullet">
    /// <item><see cref="CompatMode.Strict"/>: every finding, both directions, at the rule's severity.</item>
    /// <item><see cref="CompatMode.Backward"/>, <see cref="CompatMode.Forward"/>: one direction, at the rule's severity.</item>
    /// <item><see cref="CompatMode.Fleet"/>: what breaks existing callers or readers when N+1 rolls out or N comes
    /// back. For a service contract (OpenAPI) a forward finding is the expand step of a change: the old server
    /// does not yet accept or return what N+1's callers may use, and callers adopt N+1's surface only after every
    /// server runs it (G5 refuses a caller release that declares it earlier), so it is information. Data contracts
    /// (Protobuf, JSON Schema) keep both directions: data written by either release is read by the other.</item>
    /// </list>
    /// </summary>
    public static IReadOnlyList<Finding> Apply(ContractKind kind, CompatMode mode, IReadOnlyList<Finding> findings) => mode switch
    {
        CompatMode.Backward => findings.Where(f => f.Direction == Direction.Backward).ToList(),
        CompatMode.Forward => findings.Where(f => f.Direction == Direction.Forward).ToList(),
        CompatMode.Fleet when kind == ContractKind.OpenApi => findings.Select(AsExpandStep).ToList(),
        _ => findings,
    };

    /// <summary>Whether findings of <paramref name="kind"/> in <paramref name="direction"/> are expand steps (information) in fleet mode.</summary>
    public static bool IsExpandStep(ContractKind kind, Direction direction) => kind == ContractKind.OpenApi && direction == Direction.Forward;

    /// <summary>Webhook and callback findings name their message "webhook ..." or "callback ..." (OpenApiChecker); operations start with a method.</summary>
    private static bool IsAboutReceivers(Finding f) =>
        f.Message.StartsWith("webhook ", StringComparison.Ordinal) || f.Message.StartsWith("callback ", StringComparison.Ordinal);

    private static Finding AsExpandStep(Finding f)
    {
        if (f.Direction != Direction.Forward || f.Severity == Severity.Info)
        {
            return f;
        }
        var use = f.RuleId.StartsWith("response-", StringComparison.Ordinal) || f.RuleId.StartsWith("payload-", StringComparison.Ordinal) ? "rely on this" : "send this";
        if (IsAboutReceivers(f))
        {
            // A webhook or callback: the service sends, receivers read; receivers are not releases Stepwise sequences.
            return f with
            {
                Severity = Severity.Info,
                Message = $"{f.Message} Expand step: receivers may {use} only after every node of the service runs N+1; Stepwise does not sequence receivers, so release them after the service (or check with --mode strict).",
            };
        }
        return f with
        {
            Severity = Severity.Info,
            Message = $"{f.Message} Expand step: callers may {use} only after every server runs N+1; Stepwise refuses a caller release that declares it earlier (G5).",
        };
    }
}
