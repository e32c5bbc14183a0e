using Stepwise.Core.Analysis;
using Stepwise.Core.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Core.Config;

/// <summary>
/// Reads stepwise.yaml into a <see cref="StepwiseConfig"/>. Pure: takes the text and the file name (for messages);
/// the caller reads the file. Every problem is reported with file, line, column and the fix; nothing is returned
/// unless the whole file is valid.
/// </summary>
public static class ConfigLoader
{
    public static StepwiseConfig Parse(string text, string file)
    {
        var y = new YamlNodes(file);
        YamlNode? root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            if (stream.Documents.Count > 1)
            {
                y.Error(stream.Documents[1].RootNode, "the file holds more than one YAML document", "keep one document: remove the second '---' and what follows, or merge it into the first");
            }
        }
        catch (YamlException e)
        {
            var reason = e.InnerException?.Message ?? e.Message;
            // YamlDotNet prefixes its messages with the position; keep the reason only.
            var cut = reason.IndexOf("): ", StringComparison.Ordinal);
            if (reason.StartsWith("(Line", StringComparison.Ordinal) && cut > 0)
            {
                reason = reason[(cut + 3)..];
            }
            y.Error(e.Start, $"YAML syntax error: {reason}", "fix the YAML syntax at this line (indentation, a missing ':' or an unclosed quote or bracket are the usual causes)");
            throw new ConfigException(y.Errors);
        }

        if (root is null || root is YamlScalarNode { Value: null or "" })
        {
            y.Error(Mark.Empty, "the file is empty", "declare at least 'services:' (see docs/cli.md for the format)");
            throw new ConfigException(y.Errors);
        }

        var top = y.Map(root, "the top level", "version", "policy", "stores", "services", "dataChanges", "plans");
        if (top is null)
        {
            throw new ConfigException(y.Errors);
        }
        if (top.TryGetValue("version", out var versionNode))
        {
            var version = y.Int(versionNode, "version");
            if (version is not null and not 1)
            {
                y.Error(versionNode, $"configuration version {version} is not supported", "use 'version: 1'");
            }
        }

        var policy = ReadPolicy(y, top.GetValueOrDefault("policy"));
        var stores = ReadStores(y, top.GetValueOrDefault("stores"));
        var (services, serviceNodes) = ReadServices(y, top.GetValueOrDefault("services"), root);
        var (changes, changeNodes) = ReadDataChanges(y, top.GetValueOrDefault("dataChanges"));
        var plans = ReadPlans(y, top.GetValueOrDefault("plans"));

        var config = CrossCheck(y, policy, stores, services, serviceNodes, changes, changeNodes, plans);
        if (y.Errors.Count > 0)
        {
            throw new ConfigException(y.Errors);
        }
        return config;
    }

    private static Policy ReadPolicy(YamlNodes y, YamlNode? node)
    {
        var d = Policy.Default;
        var m = y.Map(node, "policy", "canary", "bake", "rehearsalBake", "waveBake", "waves", "dataBake", "heartbeatTimeout", "stuckAfter", "analysis", "retention");
        if (m is null)
        {
            return d;
        }
        var canary = d.Canary;
        if (m.TryGetValue("canary", out var canaryNode))
        {
            var c = y.Map(canaryNode, "policy.canary", "nodes", "percent");
            if (c is not null)
            {
                var nodes = c.TryGetValue("nodes", out var n) ? y.Int(n, "policy.canary.nodes", 1) : null;
                var percent = c.TryGetValue("percent", out var p) ? y.Number(p, "policy.canary.percent", 0.001, 100) : null;
                if (nodes is not null && percent is not null)
                {
                    y.Error(canaryNode, "policy.canary gives both nodes and percent", "keep one: 'nodes: 1' or 'percent: 5'");
                }
                canary = nodes is not null || percent is not null ? new CanaryPolicy(nodes, nodes is null ? percent : null) : canary;
            }
        }
        var waves = d.Waves;
        if (m.TryGetValue("waves", out var wavesNode))
        {
            var seq = y.Seq(wavesNode, "policy.waves");
            if (seq is not null)
            {
                var list = new List<double>();
                foreach (var item in seq.Children)
                {
                    var w = y.Number(item, "a wave percentage", 0.001, 100);
                    if (w is not null)
                    {
                        if (list.Count > 0 && w <= list[^1])
                        {
                            y.Error(item, $"wave {w} does not grow past the previous wave {list[^1]}", "list cumulative percentages in increasing order, e.g. [10, 25, 50, 100]");
                        }
                        list.Add(w.Value);
                    }
                }
                if (list.Count == 0 || list[^1] != 100)
                {
                    y.Error(wavesNode, "the last wave must be 100 (a rollout completes only on every node)", "end policy.waves with 100");
                }
                waves = list;
            }
        }
        var analysis = ReadAnalysis(y, m.GetValueOrDefault("analysis"), d.Analysis);
        var retention = d.Retention;
        if (m.TryGetValue("retention", out var retentionNode))
        {
            var r = y.Map(retentionNode, "policy.retention", "decommissionOfflineAfter", "clientTelemetry", "events");
            if (r is not null)
            {
                retention = new RetentionPolicy(
                    r.TryGetValue("decommissionOfflineAfter", out var dn) ? (y.Str(dn, "decommissionOfflineAfter") is "never" ? null : y.Duration(dn, "policy.retention.decommissionOfflineAfter")) : d.Retention.DecommissionOfflineAfter,
                    y.Duration(r.GetValueOrDefault("clientTelemetry"), "policy.retention.clientTelemetry") ?? d.Retention.ClientTelemetry,
                    y.Duration(r.GetValueOrDefault("events"), "policy.retention.events") ?? d.Retention.Events);
            }
        }
        return new Policy(
            canary,
            y.Duration(m.GetValueOrDefault("bake"), "policy.bake") ?? d.Bake,
            y.Duration(m.GetValueOrDefault("rehearsalBake"), "policy.rehearsalBake") ?? d.RehearsalBake,
            y.Duration(m.GetValueOrDefault("waveBake"), "policy.waveBake") ?? d.WaveBake,
            waves,
            y.Duration(m.GetValueOrDefault("dataBake"), "policy.dataBake") ?? d.DataBake,
            y.Duration(m.GetValueOrDefault("heartbeatTimeout"), "policy.heartbeatTimeout") ?? d.HeartbeatTimeout,
            y.Duration(m.GetValueOrDefault("stuckAfter"), "policy.stuckAfter") ?? d.StuckAfter,
            analysis,
            retention);
    }

    private static AnalysisPolicy ReadAnalysis(YamlNodes y, YamlNode? node, AnalysisPolicy d)
    {
        var m = y.Map(node, "policy.analysis", "interval", "timeout", "marginal", "confidence", "thresholds", "metrics");
        if (m is null)
        {
            return d;
        }
        var thresholds = d.Thresholds;
        if (m.TryGetValue("thresholds", out var tn))
        {
            var t = y.Map(tn, "policy.analysis.thresholds", "pass", "marginal");
            if (t is not null)
            {
                var pass = y.Number(t.GetValueOrDefault("pass"), "policy.analysis.thresholds.pass", 0, 100) ?? thresholds.Pass;
                var marginal = y.Number(t.GetValueOrDefault("marginal"), "policy.analysis.thresholds.marginal", 0, 100) ?? thresholds.Marginal;
                if (marginal > pass)
                {
                    y.Error(tn, $"the marginal threshold {marginal} is above the pass threshold {pass}", "make marginal ≤ pass, e.g. pass: 95, marginal: 75");
                }
                thresholds = new ScoreThresholds(pass, marginal);
            }
        }
        var metrics = d.Metrics;
        if (m.TryGetValue("metrics", out var metricsNode))
        {
            var seq = y.Seq(metricsNode, "policy.analysis.metrics");
            if (seq is not null)
            {
                var list = new List<MetricSpec>();
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in seq.Children)
                {
                    var mm = y.Map(item, "a metric", "name", "kind", "failOn", "weight", "critical", "tolerance", "maxRate", "minSamples");
                    if (mm is null)
                    {
                        continue;
                    }
                    var name = y.Str(mm.GetValueOrDefault("name"), "name", required: true, parent: item);
                    var kind = y.Enum<MetricKind>(mm.GetValueOrDefault("kind"), "metric kind");
                    if (name is null)
                    {
                        continue;
                    }
                    if (!names.Add(name))
                    {
                        y.Error(item, $"metric '{name}' is listed twice", "keep one entry per metric name");
                        continue;
                    }
                    if (!mm.ContainsKey("kind"))
                    {
                        y.Error(item, $"metric '{name}' has no kind", "add 'kind: rate' or 'kind: distribution'");
                        continue;
                    }
                    list.Add(new MetricSpec(
                        name,
                        kind ?? MetricKind.Distribution,
                        y.Enum<FailOn>(mm.GetValueOrDefault("failOn"), "failOn") ?? FailOn.Increase,
                        y.Number(mm.GetValueOrDefault("weight"), "weight", 0) ?? 1,
                        y.Bool(mm.GetValueOrDefault("critical"), "critical") ?? false,
                        y.Number(mm.GetValueOrDefault("tolerance"), "tolerance", 0) ?? 0.10,
                        y.Number(mm.GetValueOrDefault("maxRate"), "maxRate", 0, 1),
                        y.Int(mm.GetValueOrDefault("minSamples"), "minSamples", 1) ?? 10));
                }
                metrics = list;
            }
        }
        return new AnalysisPolicy(
            metrics,
            thresholds,
            y.Duration(m.GetValueOrDefault("interval"), "policy.analysis.interval") ?? d.Interval,
            y.Duration(m.GetValueOrDefault("timeout"), "policy.analysis.timeout") ?? d.Timeout,
            y.Enum<MarginalAction>(m.GetValueOrDefault("marginal"), "policy.analysis.marginal") ?? d.Marginal,
            y.Number(m.GetValueOrDefault("confidence"), "policy.analysis.confidence", 0.5, 0.9999) ?? d.Confidence);
    }

    private static List<(Store Store, YamlNode Node)> ReadStores(YamlNodes y, YamlNode? node)
    {
        var result = new List<(Store, YamlNode)>();
        var seq = y.Seq(node, "stores");
        if (seq is null)
        {
            return result;
        }
        foreach (var item in seq.Children)
        {
            var m = y.Map(item, "a store", "id", "kind");
            if (m is null)
            {
                continue;
            }
            var id = y.Str(m.GetValueOrDefault("id"), "id", required: true, parent: item);
            var kind = y.Enum<StoreKind>(m.GetValueOrDefault("kind"), "store kind") ?? StoreKind.Other;
            if (id is not null)
            {
                result.Add((new Store(id, kind), item));
            }
        }
        return result;
    }

    private sealed record RawDependency(string Service, IReadOnlyList<string> Calls, YamlNode Node);

    private sealed record RawRelease(string Version, IReadOnlyList<string> Provides, IReadOnlyList<string> Deprecates, List<(OperationCall Call, YamlNode Node)> Calls, List<(string Id, YamlNode Node)> Needs, List<(string Id, YamlNode Node)> UsesOldShapeOf, YamlNode Node);

    private sealed record RawService(string Name, List<RawDependency> DependsOn, List<RawRelease> Releases, YamlNode Node);

    private static (List<RawService>, YamlNode?) ReadServices(YamlNodes y, YamlNode? node, YamlNode root)
    {
        var result = new List<RawService>();
        if (node is null)
        {
            y.Error(root, "no services are declared", "add a 'services:' list with at least one service and its releases");
            return (result, null);
        }
        var seq = y.Seq(node, "services");
        if (seq is null)
        {
            return (result, node);
        }
        foreach (var item in seq.Children)
        {
            var m = y.Map(item, "a service", "name", "dependsOn", "releases");
            if (m is null)
            {
                continue;
            }
            var name = y.Str(m.GetValueOrDefault("name"), "name", required: true, parent: item);
            if (name is null)
            {
                continue;
            }
            var deps = new List<RawDependency>();
            var depSeq = y.Seq(m.GetValueOrDefault("dependsOn"), $"dependsOn of service '{name}'");
            foreach (var dep in depSeq?.Children ?? [])
            {
                if (dep is YamlScalarNode scalar)
                {
                    deps.Add(new RawDependency(scalar.Value ?? "", [], dep));
                    continue;
                }
                var dm = y.Map(dep, $"a dependency of '{name}'", "service", "calls");
                if (dm is null)
                {
                    continue;
                }
                var depName = y.Str(dm.GetValueOrDefault("service"), "service", required: true, parent: dep);
                if (depName is not null)
                {
                    deps.Add(new RawDependency(depName, y.StrList(dm.GetValueOrDefault("calls"), "calls"), dm["service"]));
                }
            }
            var releases = new List<RawRelease>();
            var relSeq = y.Seq(m.GetValueOrDefault("releases"), $"releases of service '{name}'");
            if (relSeq is null || relSeq.Children.Count == 0)
            {
                y.Error(item, $"service '{name}' has no releases", "list its releases, oldest first, under 'releases:' (each with 'version:')");
            }
            foreach (var rel in relSeq?.Children ?? [])
            {
                var rm = y.Map(rel, $"a release of '{name}'", "version", "provides", "deprecates", "calls", "needs", "usesOldShapeOf");
                if (rm is null)
                {
                    continue;
                }
                var version = y.Str(rm.GetValueOrDefault("version"), "version", required: true, parent: rel);
                if (version is null)
                {
                    continue;
                }
                var calls = new List<(OperationCall, YamlNode)>();
                foreach (var call in y.Seq(rm.GetValueOrDefault("calls"), "calls")?.Children ?? [])
                {
                    if (call is YamlScalarNode cs)
                    {
                        var text = cs.Value ?? "";
                        var colon = text.IndexOf(':', StringComparison.Ordinal);
                        if (colon <= 0 || colon == text.Length - 1)
                        {
                            y.Error(call, $"call '{text}' does not name a service and an operation", "write 'service: operation' as a mapping, or \"payments:POST /refunds\"");
                            continue;
                        }
                        calls.Add((new OperationCall(text[..colon].Trim(), text[(colon + 1)..].Trim()), call));
                        continue;
                    }
                    var cm = y.Map(call, "a call", "service", "operations");
                    if (cm is null)
                    {
                        continue;
                    }
                    var target = y.Str(cm.GetValueOrDefault("service"), "service", required: true, parent: call);
                    if (target is null)
                    {
                        continue;
                    }
                    foreach (var op in y.StrList(cm.GetValueOrDefault("operations"), "operations"))
                    {
                        calls.Add((new OperationCall(target, op), cm["service"]));
                    }
                }
                releases.Add(new RawRelease(
                    version,
                    y.StrList(rm.GetValueOrDefault("provides"), "provides"),
                    y.StrList(rm.GetValueOrDefault("deprecates"), "deprecates"),
                    calls,
                    IdsWithNodes(y, rm.GetValueOrDefault("needs"), "needs"),
                    IdsWithNodes(y, rm.GetValueOrDefault("usesOldShapeOf"), "usesOldShapeOf"),
                    rm["version"]));
            }
            result.Add(new RawService(name, deps, releases, m["name"]));
        }
        return (result, node);
    }

    private static List<(string, YamlNode)> IdsWithNodes(YamlNodes y, YamlNode? node, string what)
    {
        var list = new List<(string, YamlNode)>();
        foreach (var item in y.Seq(node, what)?.Children ?? [])
        {
            var value = y.Str(item, $"an entry of {what}");
            if (value is not null)
            {
                list.Add((value, item));
            }
        }
        return list;
    }

    private sealed record RawChange(DataChange Change, List<(string Ref, YamlNode Node)> NeededBy, List<(string Ref, YamlNode Node)> OldShapeUsedBy, List<(string Store, YamlNode Node)> Stores, YamlNode Node);

    private static (List<RawChange>, YamlNode?) ReadDataChanges(YamlNodes y, YamlNode? node)
    {
        var result = new List<RawChange>();
        foreach (var item in y.Seq(node, "dataChanges")?.Children ?? [])
        {
            var m = y.Map(item, "a data change", "id", "store", "stores", "expand", "backfill", "contract", "neededBy", "oldShapeUsedBy");
            if (m is null)
            {
                continue;
            }
            var id = y.Str(m.GetValueOrDefault("id"), "id", required: true, parent: item);
            if (id is null)
            {
                continue;
            }
            var stores = new List<(string, YamlNode)>();
            if (m.TryGetValue("store", out var storeNode))
            {
                var s = y.Str(storeNode, "store");
                if (s is not null)
                {
                    stores.Add((s, storeNode));
                }
            }
            if (m.TryGetValue("stores", out var storesNode))
            {
                if (storeNode is not null)
                {
                    y.Error(storesNode, $"data change '{id}' gives both store and stores", "keep one: 'store: x' or 'stores: [x, y]'");
                }
                stores.AddRange(IdsWithNodes(y, storesNode, "stores"));
            }
            if (stores.Count == 0)
            {
                y.Error(item, $"data change '{id}' names no store", "add 'store: <store id>'");
            }
            var expand = ReadSqlPhase(y, m.GetValueOrDefault("expand"), $"{id}.expand", allowIrreversible: false);
            var contract = ReadSqlPhase(y, m.GetValueOrDefault("contract"), $"{id}.contract", allowIrreversible: true);
            var backfill = ReadBackfill(y, m.GetValueOrDefault("backfill"), id);
            if (expand is null && backfill is null && contract is null)
            {
                y.Error(item, $"data change '{id}' declares no phase", "declare at least one of expand, backfill, contract");
            }
            var change = new DataChange(id, stores.Select(s => s.Item1).ToList(), expand, backfill, contract, [], []);
            result.Add(new RawChange(change, IdsWithNodes(y, m.GetValueOrDefault("neededBy"), "neededBy"), IdsWithNodes(y, m.GetValueOrDefault("oldShapeUsedBy"), "oldShapeUsedBy"), stores, m["id"]));
        }
        return (result, node);
    }

    private static SqlPhase? ReadSqlPhase(YamlNodes y, YamlNode? node, string what, bool allowIrreversible)
    {
        var m = y.Map(node, what, "up", "down");
        if (m is null)
        {
            return null;
        }
        var up = y.Str(m.GetValueOrDefault("up"), "up", required: true, parent: node);
        var down = y.Str(m.GetValueOrDefault("down"), "down");
        if (down is null && !m.ContainsKey("down"))
        {
            y.Error(node, $"{what} has no 'down'", allowIrreversible ? "give its rollback SQL (or a .sql path) as 'down:', or write 'down: irreversible'" : "give its rollback SQL (or a .sql path) as 'down:'; an expand must be reversible");
        }
        if (down == "irreversible")
        {
            if (!allowIrreversible)
            {
                y.Error(m["down"], $"{what} is marked irreversible", "an expand must be reversible: give its rollback SQL as 'down:'");
            }
            down = null;
        }
        return up is null ? null : new SqlPhase(up, down);
    }

    private static BackfillSpec? ReadBackfill(YamlNodes y, YamlNode? node, string id)
    {
        if (node is null || node is YamlScalarNode { Value: "none" })
        {
            return null;
        }
        var m = y.Map(node, $"{id}.backfill", "table", "key", "set", "where", "batchSize", "pause", "maxRowsPerSecond");
        if (m is null)
        {
            return null;
        }
        var table = y.Str(m.GetValueOrDefault("table"), "table", required: true, parent: node);
        var key = y.Str(m.GetValueOrDefault("key"), "key", required: true, parent: node);
        var set = y.Str(m.GetValueOrDefault("set"), "set", required: true, parent: node);
        if (table is null || key is null || set is null)
        {
            return null;
        }
        return new BackfillSpec(
            table,
            key,
            set,
            y.Str(m.GetValueOrDefault("where"), "where"),
            y.Int(m.GetValueOrDefault("batchSize"), "batchSize", 1) ?? 1000,
            y.Duration(m.GetValueOrDefault("pause"), "pause") ?? TimeSpan.Zero,
            y.Int(m.GetValueOrDefault("maxRowsPerSecond"), "maxRowsPerSecond", 1));
    }

    private sealed record RawStep(PlanStep? Step, YamlNode Node, YamlNode? StoreNode);

    private static List<(string Id, List<RawStep> Steps, YamlNode Node)> ReadPlans(YamlNodes y, YamlNode? node)
    {
        var result = new List<(string, List<RawStep>, YamlNode)>();
        foreach (var item in y.Seq(node, "plans")?.Children ?? [])
        {
            var m = y.Map(item, "a plan", "id", "steps");
            if (m is null)
            {
                continue;
            }
            var id = y.Str(m.GetValueOrDefault("id"), "id", required: true, parent: item);
            if (id is null)
            {
                continue;
            }
            var steps = new List<RawStep>();
            var seq = y.Seq(m.GetValueOrDefault("steps"), $"steps of plan '{id}'");
            if (seq is null || seq.Children.Count == 0)
            {
                y.Error(item, $"plan '{id}' has no steps", "list its steps under 'steps:', each '- data: <change>' with 'phase:' or '- release: <service>@<version>'");
            }
            foreach (var stepNode in seq?.Children ?? [])
            {
                var sm = y.Map(stepNode, "a plan step", "data", "phase", "store", "release");
                if (sm is null)
                {
                    continue;
                }
                var hasData = sm.ContainsKey("data");
                var hasRelease = sm.ContainsKey("release");
                if (hasData == hasRelease)
                {
                    y.Error(stepNode, hasData
                            ? "this plan step touches two things (a data change and a release); a step changes exactly one service or one store"
                            : "this plan step names nothing to change",
                        hasData ? "split it into two steps: the data phase first, then the release" : "write '- data: <change>' with 'phase:', or '- release: <service>@<version>'");
                    steps.Add(new RawStep(null, stepNode, null));
                    continue;
                }
                if (hasRelease)
                {
                    if (sm["release"] is YamlSequenceNode)
                    {
                        y.Error(sm["release"], "this plan step releases several services at once; a step changes exactly one service", "give each release its own step, in the order they must go out");
                        steps.Add(new RawStep(null, stepNode, null));
                        continue;
                    }
                    if (sm.ContainsKey("phase") || sm.ContainsKey("store"))
                    {
                        y.Error(stepNode, "a release step takes no 'phase' or 'store'", "remove them, or make this a '- data:' step");
                    }
                    var text = y.Str(sm["release"], "release") ?? "";
                    var at = text.IndexOf('@', StringComparison.Ordinal);
                    if (at <= 0 || at == text.Length - 1)
                    {
                        y.Error(sm["release"], $"release '{text}' is not in the form service@version", "write it as service@version, e.g. orders@1.2.0");
                        steps.Add(new RawStep(null, stepNode, null));
                        continue;
                    }
                    steps.Add(new RawStep(PlanStep.ReleaseOf(text[..at], text[(at + 1)..]), sm["release"], null));
                    continue;
                }
                if (sm["data"] is YamlSequenceNode)
                {
                    y.Error(sm["data"], "this plan step changes several data changes at once; a step changes exactly one store", "give each data change its own step");
                    steps.Add(new RawStep(null, stepNode, null));
                    continue;
                }
                var change = y.Str(sm["data"], "data");
                if (!sm.ContainsKey("phase"))
                {
                    y.Error(stepNode, $"data step '{change}' names no phase", "add 'phase: expand', 'phase: backfill' or 'phase: contract'");
                }
                var phase = y.Enum<DataPhaseKind>(sm.GetValueOrDefault("phase"), "phase");
                YamlNode? storeNode = sm.GetValueOrDefault("store");
                if (storeNode is YamlSequenceNode)
                {
                    y.Error(storeNode, "this plan step runs on several stores at once; a step changes exactly one store", "give each store its own step");
                    steps.Add(new RawStep(null, stepNode, null));
                    continue;
                }
                var store = y.Str(storeNode, "store");
                steps.Add(new RawStep(change is null || phase is null ? null : PlanStep.Data(change, phase.Value, store ?? ""), sm["data"], storeNode));
            }
            result.Add((id, steps, m["id"]));
        }
        return result;
    }

    private static StepwiseConfig CrossCheck(
        YamlNodes y,
        Policy policy,
        List<(Store Store, YamlNode Node)> rawStores,
        List<RawService> rawServices,
        YamlNode? servicesNode,
        List<RawChange> rawChanges,
        YamlNode? changesNode,
        List<(string Id, List<RawStep> Steps, YamlNode Node)> rawPlans)
    {
        var storeIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (store, node) in rawStores)
        {
            if (!storeIds.Add(store.Id))
            {
                y.Error(node, $"store '{store.Id}' is declared twice", "keep one declaration per store id");
            }
        }

        var serviceNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in rawServices)
        {
            if (!serviceNames.Add(s.Name))
            {
                y.Error(s.Node, $"service '{s.Name}' is declared twice", "keep one declaration per service; list all its releases under it");
            }
        }
        var changeIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in rawChanges)
        {
            if (!changeIds.Add(c.Change.Id))
            {
                y.Error(c.Node, $"data change '{c.Change.Id}' is declared twice", "give each data change a unique id");
            }
            foreach (var (store, node) in c.Stores)
            {
                if (!storeIds.Contains(store))
                {
                    var s = YamlNodes.Suggest(store, storeIds);
                    y.Error(node, $"data change '{c.Change.Id}' runs on unknown store '{store}'",
                        s is not null ? $"did you mean '{s}'?" : $"declare it under 'stores:' (id and kind), or correct the name{Known(storeIds)}");
                }
            }
        }

        // Release references in both directions are merged into one place: the release's needs / usesOldShapeOf.
        var needs = new Dictionary<(string, string), HashSet<string>>();
        var oldShape = new Dictionary<(string, string), HashSet<string>>();
        var versions = rawServices.GroupBy(s => s.Name).ToDictionary(g => g.Key, g => g.First().Releases.Select(r => r.Version).ToHashSet(StringComparer.Ordinal));
        foreach (var c in rawChanges)
        {
            foreach (var (list, target, what) in new[] { (c.NeededBy, needs, "neededBy"), (c.OldShapeUsedBy, oldShape, "oldShapeUsedBy") })
            {
                foreach (var (text, node) in list)
                {
                    var at = text.IndexOf('@', StringComparison.Ordinal);
                    if (at <= 0 || at == text.Length - 1)
                    {
                        y.Error(node, $"'{text}' in {what} of '{c.Change.Id}' is not service@version", "write it as service@version, e.g. orders@1.2.0");
                        continue;
                    }
                    var (service, version) = (text[..at], text[(at + 1)..]);
                    if (!versions.TryGetValue(service, out var known))
                    {
                        y.Error(node, $"{what} of '{c.Change.Id}' names unknown service '{service}'", $"declare the service under 'services:' or correct the name{Known(serviceNames)}");
                        continue;
                    }
                    if (!known.Contains(version))
                    {
                        y.Error(node, $"{what} of '{c.Change.Id}' names {service}@{version}, which is not a release of '{service}'", $"declare the release under service '{service}', or use one of: {string.Join(", ", known)}");
                        continue;
                    }
                    (target.TryGetValue((service, version), out var set) ? set : target[(service, version)] = []).Add(c.Change.Id);
                }
            }
        }

        var services = new List<Service>();
        foreach (var s in rawServices.GroupBy(s => s.Name).Select(g => g.First()))
        {
            var deps = new List<ServiceDependency>();
            var depNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var dep in s.DependsOn)
            {
                if (dep.Service == s.Name)
                {
                    y.Error(dep.Node, $"service '{s.Name}' depends on itself", "remove the entry");
                    continue;
                }
                if (!serviceNames.Contains(dep.Service))
                {
                    var suggestion = YamlNodes.Suggest(dep.Service, serviceNames);
                    y.Error(dep.Node, $"service '{s.Name}' depends on unknown service '{dep.Service}'",
                        suggestion is not null ? $"did you mean '{suggestion}'? Otherwise declare '{dep.Service}' under 'services:'" : $"declare '{dep.Service}' under 'services:' or correct the name{Known(serviceNames)}");
                    continue;
                }
                if (!depNames.Add(dep.Service))
                {
                    y.Error(dep.Node, $"service '{s.Name}' lists the dependency '{dep.Service}' twice", "merge the two entries into one");
                    continue;
                }
                deps.Add(new ServiceDependency(dep.Service, dep.Calls));
            }
            var releases = new List<Release>();
            var seen = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var r in s.Releases)
            {
                if (seen.TryGetValue(r.Version, out var first))
                {
                    y.Error(r.Node, $"release {r.Version} of service '{s.Name}' is listed twice (first at line {first.Start.Line})", "list each release once, oldest first; give the new build a new version");
                    continue;
                }
                seen[r.Version] = r.Node;
                var calls = new List<OperationCall>();
                foreach (var (call, node) in r.Calls)
                {
                    if (!serviceNames.Contains(call.Service))
                    {
                        y.Error(node, $"release {s.Name}@{r.Version} calls unknown service '{call.Service}'", $"declare '{call.Service}' under 'services:' or correct the name{Known(serviceNames)}");
                        continue;
                    }
                    if (!depNames.Contains(call.Service))
                    {
                        y.Error(node, $"release {s.Name}@{r.Version} calls '{call.Service}', which service '{s.Name}' does not declare in dependsOn", $"add '{call.Service}' to dependsOn of '{s.Name}' (the dependency gate and one-change-at-a-time use it)");
                        continue;
                    }
                    calls.Add(call);
                }
                // Service-level calls apply to every release; a release adds its own.
                foreach (var dep in deps)
                {
                    foreach (var op in dep.Calls)
                    {
                        var call = new OperationCall(dep.Service, op);
                        if (!calls.Contains(call))
                        {
                            calls.Add(call);
                        }
                    }
                }
                var relNeeds = new SortedSet<string>(StringComparer.Ordinal);
                var expandOnly = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var (entry, node) in r.Needs)
                {
                    // "change" needs expand and backfill; "change:expand" needs the expand only (a release that reads both shapes).
                    var colon = entry.LastIndexOf(':');
                    var id = colon < 0 ? entry : entry[..colon];
                    var through = colon < 0 ? "backfill" : entry[(colon + 1)..];
                    if (through is not ("expand" or "backfill"))
                    {
                        y.Error(node, $"'{entry}' in needs of {s.Name}@{r.Version} names phase '{through}'", "write 'change' (expand and backfill) or 'change:expand' (the expand only)");
                        continue;
                    }
                    if (CheckChange(y, id, node, changeIds, $"release {s.Name}@{r.Version} needs"))
                    {
                        relNeeds.Add(id);
                        if (through == "expand")
                        {
                            expandOnly.Add(id);
                        }
                    }
                }
                foreach (var id in needs.GetValueOrDefault((s.Name, r.Version)) ?? [])
                {
                    relNeeds.Add(id);
                    expandOnly.Remove(id); // listed in the change's neededBy: the whole change
                }
                var relOld = new SortedSet<string>(StringComparer.Ordinal);
                foreach (var (id, node) in r.UsesOldShapeOf)
                {
                    if (CheckChange(y, id, node, changeIds, $"release {s.Name}@{r.Version} uses the old shape of"))
                    {
                        relOld.Add(id);
                    }
                }
                foreach (var id in oldShape.GetValueOrDefault((s.Name, r.Version)) ?? [])
                {
                    relOld.Add(id);
                }
                releases.Add(new Release(s.Name, r.Version, releases.Count, r.Provides, r.Deprecates, calls, relNeeds.ToList(), relOld.ToList(), expandOnly.Count == 0 ? null : expandOnly.ToList()));
            }
            services.Add(new Service(s.Name, deps, releases));
        }

        // A call must be to an operation some release of the callee provides.
        var byName = services.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var raw in rawServices)
        {
            foreach (var r in raw.Releases)
            {
                foreach (var (call, node) in r.Calls)
                {
                    if (byName.TryGetValue(call.Service, out var callee) && callee.Releases.Count > 0 && !callee.Releases.Any(x => x.Provides.Contains(call.Operation)))
                    {
                        y.Error(node, $"release {raw.Name}@{r.Version} calls '{call.Operation}' of '{call.Service}', which no release of '{call.Service}' provides", $"add it to 'provides' of the '{call.Service}' release that introduces it, or correct the operation name");
                    }
                }
            }
            foreach (var dep in raw.DependsOn)
            {
                if (byName.TryGetValue(dep.Service, out var callee) && callee.Releases.Count > 0)
                {
                    foreach (var op in dep.Calls.Where(op => !callee.Releases.Any(x => x.Provides.Contains(op))))
                    {
                        y.Error(dep.Node, $"service '{raw.Name}' calls '{op}' of '{dep.Service}', which no release of '{dep.Service}' provides", $"add it to 'provides' of the '{dep.Service}' release that introduces it, or correct the operation name");
                    }
                }
            }
        }

        var changes = rawChanges.GroupBy(c => c.Change.Id).Select(g => g.First()).Select(c => c.Change with
        {
            NeededBy = services.SelectMany(s => s.Releases).Where(r => r.Needs.Contains(c.Change.Id)).Select(r => new ReleaseRef(r.Service, r.Version)).ToList(),
            OldShapeUsedBy = services.SelectMany(s => s.Releases).Where(r => r.UsesOldShapeOf.Contains(c.Change.Id)).Select(r => new ReleaseRef(r.Service, r.Version)).ToList(),
        }).ToList();
        var changesById = changes.ToDictionary(c => c.Id, StringComparer.Ordinal);

        var plans = new List<Plan>();
        var planIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, rawSteps, node) in rawPlans)
        {
            if (!planIds.Add(id))
            {
                y.Error(node, $"plan '{id}' is declared twice", "give each plan a unique id");
            }
            var steps = new List<PlanStep>();
            foreach (var raw in rawSteps)
            {
                if (raw.Step is not { } step)
                {
                    continue;
                }
                if (step.Kind == PlanStepKind.Release)
                {
                    if (!byName.TryGetValue(step.Service!, out var svc))
                    {
                        y.Error(raw.Node, $"plan '{id}' releases unknown service '{step.Service}'", $"declare it under 'services:' or correct the name{Known(serviceNames)}");
                        continue;
                    }
                    if (svc.Find(step.Version) is null)
                    {
                        y.Error(raw.Node, $"plan '{id}' releases {step.Service}@{step.Version}, which is not a release of '{step.Service}'", $"declare the release under service '{step.Service}', or use one of: {string.Join(", ", svc.Releases.Select(r => r.Version))}");
                        continue;
                    }
                    steps.Add(step);
                    continue;
                }
                if (!changesById.TryGetValue(step.Change!, out var change))
                {
                    var s = YamlNodes.Suggest(step.Change!, changeIds);
                    y.Error(raw.Node, $"plan '{id}' runs unknown data change '{step.Change}'", s is not null ? $"did you mean '{s}'?" : $"declare it under 'dataChanges:' or correct the name{Known(changeIds)}");
                    continue;
                }
                if (!change.Declares(step.Phase!.Value))
                {
                    y.Error(raw.Node, $"plan '{id}' runs the {step.Phase.Value.ToString().ToLowerInvariant()} phase of '{step.Change}', which declares no such phase", $"declare '{step.Phase.Value.ToString().ToLowerInvariant()}:' under data change '{step.Change}', or remove the step");
                    continue;
                }
                var store = step.Store;
                if (string.IsNullOrEmpty(store))
                {
                    if (change.Stores.Count != 1)
                    {
                        y.Error(raw.Node, $"data change '{step.Change}' runs on {change.Stores.Count} stores; this step must say which one", $"add 'store:' with one of: {string.Join(", ", change.Stores)} (one step per store)");
                        continue;
                    }
                    store = change.Stores[0];
                }
                else if (!change.Stores.Contains(store))
                {
                    y.Error(raw.StoreNode, $"data change '{step.Change}' does not run on store '{store}'", $"use one of: {string.Join(", ", change.Stores)}");
                    continue;
                }
                steps.Add(step with { Store = store });
            }
            plans.Add(new Plan(id, steps));
        }

        return new StepwiseConfig(policy, rawStores.Select(s => s.Store).DistinctBy(s => s.Id).ToList(), services, changes, plans);
    }

    private static bool CheckChange(YamlNodes y, string id, YamlNode node, HashSet<string> changeIds, string what)
    {
        if (changeIds.Contains(id))
        {
            return true;
        }
        var s = YamlNodes.Suggest(id, changeIds);
        y.Error(node, $"{what} unknown data change '{id}'", s is not null ? $"did you mean '{s}'?" : $"declare it under 'dataChanges:' or correct the id{Known(changeIds)}");
        return false;
    }

    private static string Known(IEnumerable<string> names)
    {
        var list = names.Order(StringComparer.Ordinal).Take(10).ToList();
        return list.Count == 0 ? "" : $" (known: {string.Join(", ", list)})";
    }
}
