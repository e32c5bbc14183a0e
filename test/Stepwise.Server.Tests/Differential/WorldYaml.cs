using System.Globalization;
using System.Text;
using Stepwise.Core.Config;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests.Differential;

/// <summary>
/// Writes a linked configuration back as stepwise.yaml, so the server can be started on the simulator's world. The
/// differential test checks that the server links it to the same releases, so a mistake here fails loudly.
/// </summary>
internal static class WorldYaml
{
    public static string Of(StepwiseConfig config)
    {
        var y = new StringBuilder();
        var p = config.Policy;
        y.AppendLine("version: 1");
        y.AppendLine("policy:");
        y.AppendLine(p.Canary.Nodes is { } n ? $"  canary: {{ nodes: {n} }}" : $"  canary: {{ percent: {Num(p.Canary.Percent ?? 0)} }}");
        y.AppendLine($"  bake: {D(p.Bake)}");
        y.AppendLine($"  rehearsalBake: {D(p.RehearsalBake)}");
        y.AppendLine($"  waveBake: {D(p.WaveBake)}");
        y.AppendLine($"  waves: [{string.Join(", ", p.Waves.Select(Num))}]");
        y.AppendLine($"  dataBake: {D(p.DataBake)}");
        y.AppendLine($"  heartbeatTimeout: {D(p.HeartbeatTimeout)}");
        y.AppendLine($"  stuckAfter: {D(p.StuckAfter)}");
        if (p.AlertQuietPeriod is { } quiet)
        {
            y.AppendLine($"  alertQuietPeriod: {D(quiet)}");
        }
        var a = p.Analysis;
        y.AppendLine("  analysis:");
        y.AppendLine($"    interval: {D(a.Interval)}");
        y.AppendLine($"    timeout: {D(a.Timeout)}");
        y.AppendLine($"    marginal: {Name(a.Marginal)}");
        y.AppendLine($"    confidence: {Num(a.Confidence)}");
        y.AppendLine($"    thresholds: {{ pass: {Num(a.Thresholds.Pass)}, marginal: {Num(a.Thresholds.Marginal)} }}");
        y.AppendLine(a.Metrics.Count == 0 ? "    metrics: []" : "    metrics:");
        foreach (var m in a.Metrics)
        {
            y.AppendLine($"      - name: {m.Name}");
            y.AppendLine($"        kind: {Name(m.Kind)}");
            y.AppendLine($"        failOn: {Name(m.FailOn)}");
            y.AppendLine($"        weight: {Num(m.Weight)}");
            y.AppendLine($"        critical: {(m.Critical ? "true" : "false")}");
            y.AppendLine($"        tolerance: {Num(m.Tolerance)}");
            if (m.MaxRate is { } max)
            {
                y.AppendLine($"        maxRate: {Num(max)}");
            }
            y.AppendLine($"        minSamples: {m.MinSamples}");
        }
        y.AppendLine("  retention:");
        if (p.Retention.DecommissionOfflineAfter is { } decommission)
        {
            y.AppendLine($"    decommissionOfflineAfter: {D(decommission)}");
        }
        y.AppendLine($"    clientTelemetry: {D(p.Retention.ClientTelemetry)}");
        y.AppendLine($"    events: {D(p.Retention.Events)}");
        if (p.ClientRules.MinimumVersions.Count > 0)
        {
            y.AppendLine("  clients:");
            y.AppendLine($"    minimumVersions: {{ {string.Join(", ", p.ClientRules.MinimumVersions.Select(m => $"{m.App}: {Q(m.Version)}"))} }}");
        }
        y.AppendLine("stores:");
        foreach (var s in config.Stores)
        {
            y.AppendLine($"  - {{ id: {s.Id}, kind: {Name(s.Kind)} }}");
        }
        y.AppendLine("services:");
        foreach (var service in config.Services)
        {
            y.AppendLine($"  - name: {service.Name}");
            if (service.DependsOn.Count > 0)
            {
                y.AppendLine("    dependsOn:");
                foreach (var d in service.DependsOn)
                {
                    y.AppendLine($"      - {{ service: {d.Service}, calls: {List(d.Calls)} }}");
                }
            }
            y.AppendLine("    releases:");
            foreach (var r in service.Releases.Where(r => r.Origin == ReleaseOrigin.Config))
            {
                y.AppendLine($"      - version: {r.Version}");
                y.AppendLine($"        provides: {List(r.Provides)}");
                y.AppendLine($"        deprecates: {List(r.Deprecates)}");
                y.AppendLine($"        needs: {List(r.Needs.Select(c => r.NeedsExpandOnly?.Contains(c) == true ? c + ":expand" : c))}");
                y.AppendLine($"        usesOldShapeOf: {List(r.UsesOldShapeOf)}");
                var calls = r.Calls.GroupBy(c => c.Service).ToList();
                if (calls.Count > 0)
                {
                    y.AppendLine("        calls:");
                    foreach (var group in calls)
                    {
                        y.AppendLine($"          - {{ service: {group.Key}, operations: {List(group.Select(c => c.Operation))} }}");
                    }
                }
            }
        }
        y.AppendLine("dataChanges:");
        foreach (var c in config.DataChanges)
        {
            y.AppendLine($"  - id: {c.Id}");
            y.AppendLine($"    stores: {List(c.Stores)}");
            if (c.Expand is { } expand)
            {
                y.AppendLine($"    expand: {{ up: {Q(expand.Up)}, down: {Q(expand.Down ?? "irreversible")} }}");
            }
            if (c.Backfill is { } b)
            {
                y.AppendLine($"    backfill: {{ table: {Q(b.Table)}, key: {Q(b.Key)}, set: {Q(b.Set)}{(b.Where is { } w ? $", where: {Q(w)}" : "")}, batchSize: {b.BatchSize}, pause: {D(b.Pause)} }}");
            }
            if (c.Contract is { } contract)
            {
                y.AppendLine($"    contract: {{ up: {Q(contract.Up)}, down: {Q(contract.Down ?? "irreversible")} }}");
            }
        }
        y.AppendLine("plans:");
        foreach (var plan in config.Plans)
        {
            y.AppendLine($"  - id: {plan.Id}");
            y.AppendLine("    steps:");
            foreach (var step in plan.Steps)
            {
                y.AppendLine(step.Kind == PlanStepKind.Release
                    ? $"      - release: {step.Service}@{step.Version}"
                    : $"      - {{ data: {step.Change}, phase: {Name(step.Phase!.Value)}, store: {step.Store} }}");
            }
        }
        return y.ToString();
    }

    private static string D(TimeSpan value) => Durations.Format(value);

    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Name<T>(T value) where T : struct, Enum => JsonNamingPolicyName(value.ToString());

    private static string JsonNamingPolicyName(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static string Q(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string List(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(Q)) + "]";
}
