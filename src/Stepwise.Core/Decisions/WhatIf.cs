using Stepwise.Core.Model;

namespace Stepwise.Core.Decisions;

/// <summary>A rollout a what-if asks about: SERVICE@VERSION.</summary>
public sealed record RolloutAsk(string Service, string Version);

/// <summary>A data phase a what-if asks about: CHANGE:PHASE[@STORE].</summary>
public sealed record DataPhaseAsk(string Change, DataPhaseKind Phase, string? Store);

/// <summary>
/// The questions of a what-if (<c>stepwise plan</c>, offline or against a server) as operator requests, each checked
/// against the configuration first, so an unknown release, change, phase, store or plan is bad input rather than a
/// refusal. One place for both paths.
/// </summary>
public static class WhatIf
{
    /// <summary>The problem with the first question that does not fit the configuration, or null when all do.</summary>
    public static string? Check(StepwiseConfig config, IEnumerable<RolloutAsk> rollouts, IEnumerable<DataPhaseAsk> data, string? plan)
    {
        foreach (var r in rollouts)
        {
            if (config.FindRelease(r.Service, r.Version) is null)
            {
                return $"rollout {r.Service}@{r.Version}: not a declared release; write SERVICE@VERSION of a release in stepwise.yaml or registered through the API";
            }
        }
        foreach (var d in data)
        {
            if (CheckData(config, d) is { } problem)
            {
                return $"data {d.Change}:{Names.Of(d.Phase)}{(d.Store is null ? "" : "@" + d.Store)}: {problem}";
            }
        }
        if (plan is not null && config.FindPlan(plan) is null)
        {
            return $"plan {plan}: no such plan in the configuration (plans: {(config.Plans.Count == 0 ? "none" : string.Join(", ", config.Plans.Select(p => p.Id)))})";
        }
        return null;
    }

    /// <summary>Why a data-phase question does not fit the configuration, or null.</summary>
    public static string? CheckData(StepwiseConfig config, DataPhaseAsk ask)
    {
        var declared = config.FindChange(ask.Change);
        if (declared is null)
        {
            return $"no data change '{ask.Change}' in the configuration";
        }
        if (!declared.Declares(ask.Phase))
        {
            return $"data change '{ask.Change}' declares no {Names.Of(ask.Phase)} phase";
        }
        if (ask.Store is not null && !declared.Stores.Contains(ask.Store))
        {
            return $"data change '{ask.Change}' does not run on store '{ask.Store}' (stores: {string.Join(", ", declared.Stores)})";
        }
        return null;
    }

    /// <summary>The questions as requests at <paramref name="at"/>, with ids "<paramref name="prefix"/>-N"; check them first.</summary>
    public static List<OperatorRequest> Requests(string prefix, DateTimeOffset at, string reason, IEnumerable<RolloutAsk> rollouts, IEnumerable<DataPhaseAsk> data, string? plan)
    {
        var requests = new List<OperatorRequest>();
        foreach (var r in rollouts)
        {
            requests.Add(new OperatorRequest($"{prefix}-{requests.Count + 1}", RequestKind.StartRollout, at, Service: r.Service, Version: r.Version, Reason: reason));
        }
        foreach (var d in data)
        {
            requests.Add(new OperatorRequest($"{prefix}-{requests.Count + 1}", RequestKind.RunDataPhase, at, Change: d.Change, Phase: d.Phase, Store: d.Store, Reason: reason));
        }
        if (plan is not null)
        {
            requests.Add(new OperatorRequest($"{prefix}-{requests.Count + 1}", RequestKind.StartPlan, at, Plan: plan, Reason: reason));
        }
        return requests;
    }
}
