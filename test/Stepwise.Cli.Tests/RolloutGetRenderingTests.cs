using Stepwise.Api;
using Stepwise.Cli.Rendering;
using Stepwise.Core.Analysis;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Tests;

/// <summary>
/// Snapshot tests of <c>stepwise rollout get</c>: the renderer's output for fixed view models must equal the committed
/// files under Snapshots/ (set STEPWISE_UPDATE_SNAPSHOTS=1 to rewrite them after an intended change, then review the diff).
/// </summary>
public sealed class RolloutGetRenderingTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 10, 0, TimeSpan.Zero);

    private static readonly Policy Policy = Policy.Default with { Bake = TimeSpan.FromMinutes(10), Waves = [25, 50, 100] };

    private static NodeView Node(string id, string? actual, string? desired, NodeState state = NodeState.Active, NodeHealth health = NodeHealth.Healthy) =>
        new(id, "orders", actual, desired, health, state, Now.AddSeconds(-2), Now.AddMinutes(-30), state == NodeState.Active);

    private static readonly NodeView[] Fleet =
    [
        Node("n1", "1.1.0", "1.1.0"), Node("n2", "1.0.0", "1.0.0"), Node("n3", "1.0.0", "1.0.0"),
        Node("n4", "1.0.0", "1.0.0"), Node("n5", "1.0.0", "1.0.0"), Node("n6", "1.0.0", "1.0.0"),
    ];

    private static MetricResult Metric(string name, MetricVerdict verdict, long canary, long baseline, int min, double? c, double? b, double? lo, double? hi, string reason) =>
        new(name, verdict, reason, LowerBound: lo, UpperBound: hi, CanaryValue: c, BaselineValue: b) { CanaryCount = canary, BaselineCount = baseline, MinSamples = min };

    private static RolloutView Baking(params MetricResult[] metrics) =>
        new("orders-1.1.0-1", "orders", "1.0.0", "1.1.0", RolloutPhase.Baking, 0, Now.AddSeconds(-348), ["n1"], "canary n1 reports 1.1.0; baking under analysis", null, 1, 6,
            new AnalysisView(RolloutPhase.Baking, AnalysisVerdict.Pass, 100, "all metrics pass", metrics));

    private static readonly MetricResult[] Judged =
    [
        Metric("error_rate", MetricVerdict.Pass, 4120, 20311, 30, 0.0021, 0.0019, -0.0008, 0.0011, "within the tolerance band"),
        Metric("latency_ms", MetricVerdict.Pass, 412, 2030, 30, 18.4, 17.9, -0.6, 1.4, "Mann-Whitney U p=0.41; shift within 10%"),
    ];

    public static TheoryData<string, int, bool> Cases() => new()
    {
        { "baking", 80, true },
        { "baking", 160, true },
        { "baking", 80, false },
        { "waiting-for-samples", 80, true },
        { "blocked-by-offline-node", 80, true },
        { "rolled-back", 80, true },
    };

    private static RolloutTreeModel Model(string name) => name switch
    {
        "baking" => RolloutTreeModel.Of(Baking(Judged), Fleet, Policy, Now),
        "waiting-for-samples" => RolloutTreeModel.Of(Baking(
            Metric("error_rate", MetricVerdict.NoData, 12, 64, 30, null, null, null, null, "12 canary requests; needs 30"),
            Metric("latency_ms", MetricVerdict.NoData, 12, 64, 30, null, null, null, null, "12 canary samples; needs 30")) with
            { Analysis = new AnalysisView(RolloutPhase.Baking, AnalysisVerdict.NoData, 0, "waiting for samples", [
                Metric("error_rate", MetricVerdict.NoData, 12, 64, 30, null, null, null, null, "12 canary requests; needs 30"),
                Metric("latency_ms", MetricVerdict.NoData, 12, 64, 30, null, null, null, null, "12 canary samples; needs 30")]) },
            Fleet, Policy, Now),
        "blocked-by-offline-node" => RolloutTreeModel.Of(
            new RolloutView("orders-1.1.0-1", "orders", "1.0.0", "1.1.0", RolloutPhase.Waves, 2, Now.AddSeconds(-95), ["n1"], "wave 2 of 3 (50%)", null, 2, 6,
                new AnalysisView(RolloutPhase.Waves, AnalysisVerdict.Pass, 100, "all metrics pass", Judged)),
            [Fleet[0], Node("n2", "1.1.0", "1.1.0"), Node("n3", "1.0.0", "1.1.0", NodeState.Offline), Fleet[3], Fleet[4], Fleet[5]], Policy, Now),
        "rolled-back" => RolloutTreeModel.Of(
            new RolloutView("orders-1.3.0-1", "orders", "1.2.0", "1.3.0", RolloutPhase.RolledBack, 0, Now.AddSeconds(-20), ["n1"],
                "canary analysis failed: Fail: critical metric 'error_rate' (High) failed; score 0", null, 0, 6),
            Fleet, Policy, Now),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void the_rendering_equals_its_snapshot(string name, int width, bool unicode)
    {
        var text = RolloutTreeRenderer.Render(Model(name), new RenderStyle(width, unicode, Color: false));
        var file = Path.Combine(Cli.RepoRoot(), "test", "Stepwise.Cli.Tests", "Snapshots", $"rollout-get-{name}-{width}{(unicode ? "" : "-ascii")}.txt");
        if (Environment.GetEnvironmentVariable("STEPWISE_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(file, text);
        }
        File.Exists(file).ShouldBeTrue($"{file} is missing; run with STEPWISE_UPDATE_SNAPSHOTS=1 to write it, then review it");
        text.ShouldBe(File.ReadAllText(file).ReplaceLineEndings("\n"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void every_line_fits_the_width_and_colour_only_when_asked(string name, int width, bool unicode)
    {
        var plain = RolloutTreeRenderer.Render(Model(name), new RenderStyle(width, unicode, Color: false));
        plain.ShouldNotContain("\u001b");
        foreach (var line in plain.Split('\n'))
        {
            line.Length.ShouldBeLessThanOrEqualTo(width, line);
        }
        if (!unicode)
        {
            plain.All(ch => ch < 128).ShouldBeTrue("ASCII only without Unicode");
        }
        var colored = RolloutTreeRenderer.Render(Model(name), new RenderStyle(width, unicode, Color: true));
        colored.ShouldContain("\u001b[");
        System.Text.RegularExpressions.Regex.Replace(colored, "\u001b\\[[0-9;]*m", "").ShouldBe(plain);
    }

    [Fact]
    public void the_numbers_come_from_the_analysis_and_the_policy()
    {
        var text = RolloutTreeRenderer.Render(Model("baking"), new RenderStyle(80, true, false));
        text.ShouldContain("step 2/8");              // canary, bake, rehearsal, rehearsal bake, re-release, 3 waves
        text.ShouldContain("bake 4m12s left");        // 10m bake, 5m48s in
        text.ShouldContain("4120/20311");
        text.ShouldContain("[-0.6, 1.4]");
        var waiting = RolloutTreeRenderer.Render(Model("waiting-for-samples"), new RenderStyle(80, true, false));
        waiting.ShouldContain("waiting for samples: 12/30");
        var blocked = RolloutTreeRenderer.Render(Model("blocked-by-offline-node"), new RenderStyle(80, true, false));
        blocked.ShouldContain("Blocked by 1 node");
        blocked.ShouldContain("n3: offline");
        blocked.ShouldContain("stepwise node decommission n3");
    }

    [Fact]
    public void hostile_names_and_narrow_widths_still_fit()
    {
        var long_ = new string('x', 300);
        var view = Baking(Metric(long_, MetricVerdict.High, 5, 5, 0, 1e300, -1e-300, double.NaN, double.PositiveInfinity, long_)) with { Id = long_, Reason = long_ + " " + long_ };
        foreach (var width in new[] { 40, 80, 160 })
        {
            var text = RolloutTreeRenderer.Render(RolloutTreeModel.Of(view, [Node(long_, long_, long_, NodeState.Offline)], Policy, Now), new RenderStyle(width, true, false));
            foreach (var line in text.Split('\n'))
            {
                line.Length.ShouldBeLessThanOrEqualTo(width, line);
            }
        }
    }
}
