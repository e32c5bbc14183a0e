using Stepwise.Core.Analysis;
using Stepwise.Core.Model;

namespace Stepwise.Core.Tests;

/// <summary>
/// One service, "api" (1.0.0 and 2.0.0), under a critical latency analysis: the world the canary-analysis tests drive,
/// with the policy's analysis interval and waves as each test needs them.
/// </summary>
internal static class AnalysedApi
{
    public static string Yaml(string interval, string waves) => $$"""
        policy:
          canary: { nodes: 1 }
          bake: 10m
          rehearsalBake: 5m
          waveBake: 5m
          waves: {{waves}}
          heartbeatTimeout: 5m
          analysis:
            interval: {{interval}}
            timeout: 10m
            marginal: pause
            metrics:
              - name: latency_ms
                kind: distribution
                failOn: increase
                tolerance: 0.1
                minSamples: 20
                critical: true
        services:
          - name: api
            releases: [{ version: "1.0.0" }, { version: "2.0.0" }]
        """;

    /// <summary>A rollout of api to 2.0.0 started on <paramref name="nodes"/> nodes and stepped until its canary bakes.</summary>
    public static (World World, string Rollout) Baking(string yaml, int nodes)
    {
        var world = new World(yaml).Nodes("api", "1.0.0", nodes).Current("api", "1.0.0");
        world.StartRollout("api", "2.0.0");
        world.Step();
        world.Converge();
        world.Step();
        var rollout = world.Rollout("api")!;
        rollout.Phase.ShouldBe(RolloutPhase.Baking);
        return (world, rollout.Id);
    }

    /// <summary>40 baseline latencies around 100 ms and the canary's, shifted by <paramref name="canaryShift"/> (plus <paramref name="poison"/>, when given).</summary>
    public static RolloutSamples Latency(string rollout, double canaryShift, RolloutPhase stage = RolloutPhase.Baking, double? poison = null)
    {
        var baseline = Enumerable.Range(0, 40).Select(i => 100.0 + i % 10).ToList();
        var canary = baseline.Select(v => v + canaryShift).ToList();
        if (poison is { } p)
        {
            canary.Add(p);
        }
        return new RolloutSamples(rollout, stage, [new MetricSamples("latency_ms", canary, baseline)]);
    }
}
