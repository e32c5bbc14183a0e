using Stepwise.Core.Analysis;
using Stepwise.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Core.Config;

/// <summary>Reads the policy section of stepwise.yaml: canary, bakes, waves, analysis and retention.</summary>
internal static class PolicyReader
{
    public static Policy Read(YamlNodes y, YamlNode? node)
    {
        var d = Policy.Default;
        var m = y.Map(node, "policy", "canary", "bake", "rehearsalBake", "waveBake", "waves", "dataBake", "heartbeatTimeout", "stuckAfter", "alertQuietPeriod", "analysis", "retention", "clients", "approve");
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
            retention,
            AlertQuietPeriod: y.Duration(m.GetValueOrDefault("alertQuietPeriod"), "policy.alertQuietPeriod") ?? d.AlertQuietPeriod,
            Clients: ReadClients(y, m.GetValueOrDefault("clients")),
            Approve: ReadApprove(y, m.GetValueOrDefault("approve")));
    }

    /// <summary>policy.clients: minimumVersions, a mapping of client app to the least version it must run.</summary>
    private static ClientPolicy? ReadClients(YamlNodes y, YamlNode? node)
    {
        var m = y.Map(node, "policy.clients", "minimumVersions");
        if (m is null || !m.TryGetValue("minimumVersions", out var minimumNode))
        {
            return null;
        }
        if (minimumNode is not YamlMappingNode mapping)
        {
            y.Error(minimumNode, "policy.clients.minimumVersions must be a mapping of client app to version", "write e.g. 'minimumVersions: { ios-app: 4.0.0 }'");
            return null;
        }
        var list = new List<MinimumVersion>();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var app = (keyNode as YamlScalarNode)?.Value;
            var version = y.Str(valueNode, $"the minimum version of '{app}'", required: true, parent: keyNode);
            if (Clients.ClientVersions.CheckApp(app, "a client app in policy.clients.minimumVersions") is { } badApp)
            {
                y.Error(keyNode, badApp, "name the app as its clients send it in the Stepwise-Client header, e.g. ios-app");
                continue;
            }
            if (app == Clients.ClientVersions.Unknown)
            {
                y.Error(keyNode, "'unknown' is the app of clients that do not name themselves; it has no version", "remove it");
                continue;
            }
            if (version is null)
            {
                continue;
            }
            if (Clients.ClientVersions.CheckVersion(version, $"the minimum version of '{app}'") is { } badVersion)
            {
                y.Error(valueNode, badVersion, "give a version such as 2.0.0");
                continue;
            }
            list.Add(new MinimumVersion(app!, Clients.ClientVersions.Normalise(version)!));
        }
        return new ClientPolicy(list);
    }

    /// <summary>policy.approve: a list of gates (after-canary, after-rehearsal, before-waves), each at most once.</summary>
    private static IReadOnlyList<ApprovalGate>? ReadApprove(YamlNodes y, YamlNode? node)
    {
        var seq = y.Seq(node, "policy.approve");
        if (seq is null)
        {
            return null;
        }
        var names = Enum.GetValues<ApprovalGate>().Select(Names.Of).ToArray();
        var gates = new List<ApprovalGate>();
        foreach (var item in seq.Children)
        {
            var text = y.Str(item, "an approval gate");
            if (text is null)
            {
                continue;
            }
            if (!Names.TryParse<ApprovalGate>(text, out var gate))
            {
                var suggestion = Suggestions.Closest(text, names);
                y.Error(item, $"policy.approve lists '{Model.Identifiers.Printable(text)}', which is not a gate (one of {string.Join(", ", names)})",
                    suggestion is null ? $"use {string.Join(", ", names)}" : $"did you mean '{suggestion}'?");
                continue;
            }
            if (gates.Contains(gate))
            {
                y.Error(item, $"policy.approve lists {Names.Of(gate)} twice", "keep one entry per gate");
                continue;
            }
            gates.Add(gate);
        }
        return gates;
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
                    var mm = y.Map(item, "a metric", "name", "kind", "failOn", "weight", "critical", "tolerance", "maxRate", "minSamples", "prometheus");
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
                    var query = mm.TryGetValue("prometheus", out var promNode) ? ReadQuery(y, promNode, name, kind ?? MetricKind.Distribution) : null;
                    list.Add(new MetricSpec(
                        name,
                        kind ?? MetricKind.Distribution,
                        y.Enum<FailOn>(mm.GetValueOrDefault("failOn"), "failOn") ?? FailOn.Increase,
                        y.Number(mm.GetValueOrDefault("weight"), "weight", 0) ?? 1,
                        y.Bool(mm.GetValueOrDefault("critical"), "critical") ?? false,
                        y.Number(mm.GetValueOrDefault("tolerance"), "tolerance", 0) ?? 0.10,
                        y.Number(mm.GetValueOrDefault("maxRate"), "maxRate", 0, 1),
                        y.Int(mm.GetValueOrDefault("minSamples"), "minSamples", 1) ?? 10,
                        query));
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

    /// <summary>A metric's PromQL templates (<see cref="MetricQuery"/>), checked for its kind and placeholders.</summary>
    private static MetricQuery? ReadQuery(YamlNodes y, YamlNode node, string metric, MetricKind kind)
    {
        var what = $"metric '{metric}'s prometheus";
        var q = y.Map(node, what, "query", "events", "total", "step");
        if (q is null)
        {
            return null;
        }
        var query = new MetricQuery(
            y.Str(q.GetValueOrDefault("query"), $"{what}.query"),
            y.Str(q.GetValueOrDefault("events"), $"{what}.events"),
            y.Str(q.GetValueOrDefault("total"), $"{what}.total"),
            y.Duration(q.GetValueOrDefault("step"), $"{what}.step"));
        var problems = query.Problems(kind);
        foreach (var (problem, fix) in problems)
        {
            y.Error(node, $"metric '{metric}': {problem}", fix);
        }
        return problems.Count == 0 ? query : null;
    }
}
