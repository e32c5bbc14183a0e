using Stepwise.Core.Model;

namespace Stepwise.Core.Config;

/// <summary>
/// The one place a configuration is linked: it checks every cross-reference of a <see cref="ConfigDeclaration"/>
/// (stores, services, dependencies, calls, data changes, plans) and derives every relation from the releases —
/// the calls a release makes (its own plus its service's), the changes it needs and whose old shape it uses (both
/// spellings merged: the release's needs/usesOldShapeOf and the change's neededBy/oldShapeUsedBy), ordinals — so
/// stepwise.yaml, releases registered through the API, the server, the simulator and <c>stepwise plan</c> all see the
/// same links. Pure. Throws <see cref="ConfigException"/> with every problem found, each where it was declared.
/// </summary>
public static class ConfigLinker
{
    public static StepwiseConfig Link(ConfigDeclaration declared)
    {
        var errors = new LinkErrors();
        CheckGrammar(errors, declared);
        var declaration = WithoutRetired(declared);
        var storeIds = Unique(errors, declaration.Stores.Select(s => (s.Store.Id, s.At)), id => $"store '{id}' is declared twice", "keep one declaration per store id");
        var serviceNames = Unique(errors, declaration.Services.Select(s => (s.Name, s.At)), name => $"service '{name}' is declared twice", "keep one declaration per service; list all its releases under it");
        var changeIds = Unique(errors, declaration.DataChanges.Select(c => (c.Id, c.At)), id => $"data change '{id}' is declared twice", "give each data change a unique id");
        foreach (var change in declaration.DataChanges)
        {
            foreach (var store in change.Stores.Where(s => !storeIds.Contains(s.Value)))
            {
                var suggestion = Suggestions.Closest(store.Value, storeIds);
                errors.Add(store.At ?? change.At, $"data change '{change.Id}' runs on unknown store '{store.Value}'",
                    suggestion is not null ? $"did you mean '{suggestion}'?" : $"declare it under 'stores:' (id and kind), or correct the name{Known(storeIds)}");
            }
        }

        var fromChanges = ChangeSideReferences(errors, declaration);
        var services = declaration.Services.GroupBy(s => s.Name).Select(g => LinkService(errors, g.First(), serviceNames, changeIds, fromChanges)).ToList();
        CheckCalledOperations(errors, declaration, services);
        var changes = declaration.DataChanges.GroupBy(c => c.Id).Select(g => g.First())
            .Select(c => new DataChange(c.Id, c.Stores.Select(s => s.Value).ToList(), c.Expand, c.Backfill, c.Contract, c.TimeLimit)).ToList();
        var plans = PlanLinker.Link(errors, declaration.Plans, services, changes, serviceNames, changeIds);
        errors.ThrowIfAny();
        return new StepwiseConfig(declared, declaration.Stores.Select(s => s.Store).DistinctBy(s => s.Id).ToList(), services, changes, plans);
    }

    /// <summary>Every id, version and operation declared follows <see cref="Identifiers"/>' grammar, whichever path declared it.</summary>
    private static void CheckGrammar(LinkErrors errors, ConfigDeclaration declaration)
    {
        void Check(string? problem, SourcePos? at, string fix)
        {
            if (problem is not null)
            {
                errors.Add(at, problem, fix);
            }
        }
        const string idFix = "use ASCII letters, digits, '.', '_' and '-' (at most 128), starting with a letter or digit";
        foreach (var store in declaration.Stores)
        {
            Check(Identifiers.CheckId(store.Store.Id, "store id"), store.At, idFix);
        }
        foreach (var change in declaration.DataChanges)
        {
            Check(Identifiers.CheckId(change.Id, "data change id"), change.At, idFix);
        }
        foreach (var plan in declaration.Plans)
        {
            Check(Identifiers.CheckId(plan.Id, "plan id"), plan.At, idFix);
        }
        foreach (var service in declaration.Services)
        {
            Check(Identifiers.CheckId(service.Name, "service name"), service.At, idFix);
            foreach (var release in service.Releases)
            {
                Check(Identifiers.CheckVersion(release.Version, $"version of a release of '{service.Name}'"), release.At, "write a semantic version such as 1.4.0 (MAJOR.MINOR.PATCH)");
                foreach (var op in release.Provides.Concat(release.Deprecates).Concat(release.Calls.Select(c => c.Value.Operation)))
                {
                    Check(Identifiers.CheckText(op, $"operation of {service.Name}@{release.Version}"), release.At, "write the operation as its contract names it, e.g. \"GET /orders/{id}\"");
                }
            }
            foreach (var dep in service.DependsOn)
            {
                foreach (var op in dep.Calls)
                {
                    Check(Identifiers.CheckText(op, $"operation '{service.Name}' calls of '{dep.Service}'"), dep.At ?? service.At, "write the operation as its contract names it, e.g. \"GET /orders/{id}\"");
                }
            }
        }
    }

    /// <summary>Retired releases leave their service's ordering; the rest of the declaration must link without them.</summary>
    private static ConfigDeclaration WithoutRetired(ConfigDeclaration declaration)
    {
        var retired = (declaration.Retired ?? []).ToHashSet();
        return retired.Count == 0 ? declaration : declaration with
        {
            Services = declaration.Services.Select(s => s with { Releases = s.Releases.Where(r => !retired.Contains(new ReleaseRef(s.Name, r.Version))).ToList() }).ToList(),
        };
    }

    /// <summary>The change-side spellings (neededBy / oldShapeUsedBy: "service@version") as sets of change ids per release.</summary>
    private sealed record ChangeReferences(Dictionary<(string, string), HashSet<string>> Needs, Dictionary<(string, string), HashSet<string>> OldShape);

    private static ChangeReferences ChangeSideReferences(LinkErrors errors, ConfigDeclaration declaration)
    {
        var refs = new ChangeReferences([], []);
        var versions = declaration.Services.GroupBy(s => s.Name)
            .ToDictionary(g => g.Key, g => g.First().Releases.Select(r => r.Version).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var change in declaration.DataChanges)
        {
            foreach (var (list, target, what) in new[] { (change.NeededBy, refs.Needs, "neededBy"), (change.OldShapeUsedBy, refs.OldShape, "oldShapeUsedBy") })
            {
                foreach (var entry in list)
                {
                    var text = entry.Value;
                    var at = text.IndexOf('@', StringComparison.Ordinal);
                    if (at <= 0 || at == text.Length - 1)
                    {
                        errors.Add(entry.At ?? change.At, $"'{text}' in {what} of '{change.Id}' is not service@version", "write it as service@version, e.g. orders@1.2.0");
                        continue;
                    }
                    var (service, version) = (text[..at], text[(at + 1)..]);
                    if (!versions.TryGetValue(service, out var known))
                    {
                        errors.Add(entry.At ?? change.At, $"{what} of '{change.Id}' names unknown service '{service}'", $"declare the service under 'services:' or correct the name{Known(versions.Keys)}");
                        continue;
                    }
                    if (!known.Contains(version))
                    {
                        errors.Add(entry.At ?? change.At, $"{what} of '{change.Id}' names {service}@{version}, which is not a release of '{service}'", $"declare the release under service '{service}', or use one of: {string.Join(", ", known)}");
                        continue;
                    }
                    (target.TryGetValue((service, version), out var set) ? set : target[(service, version)] = []).Add(change.Id);
                }
            }
        }
        return refs;
    }

    private static Service LinkService(LinkErrors errors, ServiceDeclaration s, HashSet<string> serviceNames, HashSet<string> changeIds, ChangeReferences fromChanges)
    {
        var deps = new List<ServiceDependency>();
        var depNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dep in s.DependsOn)
        {
            if (dep.Service == s.Name)
            {
                errors.Add(dep.At ?? s.At, $"service '{s.Name}' depends on itself", "remove the entry");
                continue;
            }
            if (!serviceNames.Contains(dep.Service))
            {
                var suggestion = Suggestions.Closest(dep.Service, serviceNames);
                errors.Add(dep.At ?? s.At, $"service '{s.Name}' depends on unknown service '{dep.Service}'",
                    suggestion is not null ? $"did you mean '{suggestion}'? Otherwise declare '{dep.Service}' under 'services:'" : $"declare '{dep.Service}' under 'services:' or correct the name{Known(serviceNames)}");
                continue;
            }
            if (!depNames.Add(dep.Service))
            {
                errors.Add(dep.At ?? s.At, $"service '{s.Name}' lists the dependency '{dep.Service}' twice", "merge the two entries into one");
                continue;
            }
            deps.Add(new ServiceDependency(dep.Service, dep.Calls));
        }
        var releases = new List<Release>();
        var seen = new Dictionary<string, SourcePos?>(StringComparer.Ordinal);
        foreach (var r in s.Releases)
        {
            if (seen.TryGetValue(r.Version, out var first))
            {
                errors.Add(r.At, $"release {r.Version} of service '{s.Name}' is listed twice{(first is null ? "" : $" (first at line {first.Line})")}",
                    "list each release once, oldest first; give the new build a new version");
                continue;
            }
            seen[r.Version] = r.At;
            releases.Add(LinkRelease(errors, s.Name, r, releases.Count, deps, depNames, serviceNames, changeIds, fromChanges));
        }
        return new Service(s.Name, deps, releases, s.App);
    }

    private static Release LinkRelease(LinkErrors errors, string service, ReleaseDeclaration r, int ordinal, List<ServiceDependency> deps, HashSet<string> depNames,
        HashSet<string> serviceNames, HashSet<string> changeIds, ChangeReferences fromChanges)
    {
        var name = $"{service}@{r.Version}";
        var calls = new List<OperationCall>();
        foreach (var (call, at) in r.Calls)
        {
            if (!serviceNames.Contains(call.Service))
            {
                errors.Add(at ?? r.At, $"release {name} calls unknown service '{call.Service}'", $"declare '{call.Service}' under 'services:' or correct the name{Known(serviceNames)}");
                continue;
            }
            if (!depNames.Contains(call.Service))
            {
                errors.Add(at ?? r.At, $"release {name} calls '{call.Service}', which service '{service}' does not declare in dependsOn",
                    $"add '{call.Service}' to dependsOn of '{service}' (the dependency gate and one-change-at-a-time use it)");
                continue;
            }
            if (!calls.Contains(call))
            {
                calls.Add(call);
            }
        }
        // Service-level calls apply to every release; a release adds its own.
        foreach (var call in deps.SelectMany(d => d.Calls.Select(op => new OperationCall(d.Service, op))))
        {
            if (!calls.Contains(call))
            {
                calls.Add(call);
            }
        }
        var needs = new SortedSet<string>(StringComparer.Ordinal);
        var expandOnly = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (entry, at) in r.Needs)
        {
            // "change" needs expand and backfill; "change:expand" needs the expand only (a release that reads both shapes).
            var colon = entry.LastIndexOf(':');
            var id = colon < 0 ? entry : entry[..colon];
            var through = colon < 0 ? "backfill" : entry[(colon + 1)..];
            if (through is not ("expand" or "backfill"))
            {
                errors.Add(at ?? r.At, $"'{entry}' in needs of {name} names phase '{through}'", "write 'change' (expand and backfill) or 'change:expand' (the expand only)");
                continue;
            }
            if (KnownChange(errors, id, at ?? r.At, changeIds, $"release {name} needs"))
            {
                needs.Add(id);
                if (through == "expand")
                {
                    expandOnly.Add(id);
                }
            }
        }
        foreach (var id in fromChanges.Needs.GetValueOrDefault((service, r.Version)) ?? [])
        {
            needs.Add(id);
            expandOnly.Remove(id); // listed in the change's neededBy: the whole change
        }
        var oldShape = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (id, at) in r.UsesOldShapeOf)
        {
            if (KnownChange(errors, id, at ?? r.At, changeIds, $"release {name} uses the old shape of"))
            {
                oldShape.Add(id);
            }
        }
        oldShape.UnionWith(fromChanges.OldShape.GetValueOrDefault((service, r.Version)) ?? []);
        return new Release(service, r.Version, ordinal, r.Provides, r.Deprecates, calls, needs.ToList(), oldShape.ToList(),
            expandOnly.Count == 0 ? null : expandOnly.ToList(), r.Origin) { Contracts = r.Contracts ?? [] };
    }

    /// <summary>A call must be to an operation some release of the callee provides.</summary>
    private static void CheckCalledOperations(LinkErrors errors, ConfigDeclaration declaration, List<Service> services)
    {
        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        bool Provided(string service, string operation) =>
            !byName.TryGetValue(service, out var callee) || callee.Releases.Count == 0 || callee.Releases.Any(x => x.Provides.Contains(operation));
        foreach (var raw in declaration.Services.GroupBy(s => s.Name).Select(g => g.First()))
        {
            foreach (var r in raw.Releases)
            {
                foreach (var (call, at) in r.Calls.Where(c => !Provided(c.Value.Service, c.Value.Operation)))
                {
                    errors.Add(at ?? r.At, $"release {raw.Name}@{r.Version} calls '{call.Operation}' of '{call.Service}', which no release of '{call.Service}' provides",
                        $"add it to 'provides' of the '{call.Service}' release that introduces it, or correct the operation name");
                }
            }
            foreach (var dep in raw.DependsOn)
            {
                foreach (var op in dep.Calls.Where(op => !Provided(dep.Service, op)))
                {
                    errors.Add(dep.At ?? raw.At, $"service '{raw.Name}' calls '{op}' of '{dep.Service}', which no release of '{dep.Service}' provides",
                        $"add it to 'provides' of the '{dep.Service}' release that introduces it, or correct the operation name");
                }
            }
        }
    }

    private static HashSet<string> Unique(LinkErrors errors, IEnumerable<(string Id, SourcePos? At)> items, Func<string, string> twice, string fix)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, at) in items)
        {
            if (!ids.Add(id))
            {
                errors.Add(at, twice(id), fix);
            }
        }
        return ids;
    }

    private static bool KnownChange(LinkErrors errors, string id, SourcePos? at, HashSet<string> changeIds, string what)
    {
        if (changeIds.Contains(id))
        {
            return true;
        }
        var suggestion = Suggestions.Closest(id, changeIds);
        errors.Add(at, $"{what} unknown data change '{id}'", suggestion is not null ? $"did you mean '{suggestion}'?" : $"declare it under 'dataChanges:' or correct the id{Known(changeIds)}");
        return false;
    }

    internal static string Known(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).Take(10).ToList();
        return list.Count == 0 ? "" : $" (known: {string.Join(", ", list)})";
    }
}

/// <summary>The problems a link found, each where it was declared.</summary>
internal sealed class LinkErrors
{
    private readonly List<ConfigError> errors = [];

    public void Add(SourcePos? at, string message, string fix) => errors.Add(ConfigError.At(at, message, fix));

    public void ThrowIfAny()
    {
        if (errors.Count > 0)
        {
            throw new ConfigException(errors.OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.Line).ThenBy(e => e.Column).ToList());
        }
    }
}
