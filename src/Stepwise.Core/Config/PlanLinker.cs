using Stepwise.Core.Model;

namespace Stepwise.Core.Config;

/// <summary>Links the plans of a declaration: every step names a known release, or a declared phase of a known change on one of its stores.</summary>
internal static class PlanLinker
{
    public static List<Plan> Link(LinkErrors errors, IReadOnlyList<PlanDeclaration> declared, List<Service> services, List<DataChange> changes, HashSet<string> serviceNames, HashSet<string> changeIds)
    {
        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var changesById = changes.ToDictionary(c => c.Id, StringComparer.Ordinal);
        var plans = new List<Plan>();
        var planIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var plan in declared)
        {
            if (!planIds.Add(plan.Id))
            {
                errors.Add(plan.At, $"plan '{plan.Id}' is declared twice", "give each plan a unique id");
                continue;
            }
            var steps = new List<PlanStep>();
            foreach (var raw in plan.Steps)
            {
                var step = raw.Step;
                var at = raw.At ?? plan.At;
                if (step.Kind == PlanStepKind.Release)
                {
                    if (!byName.TryGetValue(step.Service!, out var svc))
                    {
                        errors.Add(at, $"plan '{plan.Id}' releases unknown service '{step.Service}'", $"declare it under 'services:' or correct the name{ConfigLinker.Known(serviceNames)}");
                        continue;
                    }
                    if (svc.Find(step.Version) is null)
                    {
                        errors.Add(at, $"plan '{plan.Id}' releases {step.Service}@{step.Version}, which is not a release of '{step.Service}'",
                            $"declare the release under service '{step.Service}', or use one of: {string.Join(", ", svc.Releases.Select(r => r.Version))}");
                        continue;
                    }
                    steps.Add(step);
                    continue;
                }
                if (!changesById.TryGetValue(step.Change!, out var change))
                {
                    var s = Suggestions.Closest(step.Change!, changeIds);
                    errors.Add(at, $"plan '{plan.Id}' runs unknown data change '{step.Change}'", s is not null ? $"did you mean '{s}'?" : $"declare it under 'dataChanges:' or correct the name{ConfigLinker.Known(changeIds)}");
                    continue;
                }
                var phase = step.Phase!.Value;
                if (!change.Declares(phase))
                {
                    errors.Add(at, $"plan '{plan.Id}' runs the {Names.Of(phase)} phase of '{step.Change}', which declares no such phase",
                        $"declare '{Names.Of(phase)}:' under data change '{step.Change}', or remove the step");
                    continue;
                }
                var store = step.Store;
                if (string.IsNullOrEmpty(store))
                {
                    if (change.Stores.Count != 1)
                    {
                        errors.Add(at, $"data change '{step.Change}' runs on {change.Stores.Count} stores; this step must say which one", $"add 'store:' with one of: {string.Join(", ", change.Stores)} (one step per store)");
                        continue;
                    }
                    store = change.Stores[0];
                }
                else if (!change.Stores.Contains(store))
                {
                    errors.Add(raw.StoreAt ?? at, $"data change '{step.Change}' does not run on store '{store}'", $"use one of: {string.Join(", ", change.Stores)}");
                    continue;
                }
                steps.Add(step with { Store = store });
            }
            plans.Add(new Plan(plan.Id, steps));
        }
        return plans;
    }
}
