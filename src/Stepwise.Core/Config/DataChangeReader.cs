using Stepwise.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Core.Config;

/// <summary>Reads the stores, data changes and plans of stepwise.yaml into declarations (linked by <see cref="ConfigLinker"/>).</summary>
internal static class DataChangeReader
{
    public static List<StoreDeclaration> ReadStores(YamlNodes y, YamlNode? node)
    {
        var result = new List<StoreDeclaration>();
        foreach (var item in y.Seq(node, "stores")?.Children ?? [])
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
                result.Add(new StoreDeclaration(new Store(id, kind), y.Pos(item)));
            }
        }
        return result;
    }

    public static List<DataChangeDeclaration> ReadDataChanges(YamlNodes y, YamlNode? node)
    {
        var result = new List<DataChangeDeclaration>();
        foreach (var item in y.Seq(node, "dataChanges")?.Children ?? [])
        {
            var m = y.Map(item, "a data change", "id", "store", "stores", "expand", "backfill", "contract", "neededBy", "oldShapeUsedBy", "timeLimit");
            if (m is null)
            {
                continue;
            }
            var id = y.Str(m.GetValueOrDefault("id"), "id", required: true, parent: item);
            if (id is null)
            {
                continue;
            }
            var stores = new List<Located<string>>();
            if (m.TryGetValue("store", out var storeNode))
            {
                var s = y.Str(storeNode, "store");
                if (s is not null)
                {
                    stores.Add(new(s, y.Pos(storeNode)));
                }
            }
            if (m.TryGetValue("stores", out var storesNode))
            {
                if (storeNode is not null)
                {
                    y.Error(storesNode, $"data change '{id}' gives both store and stores", "keep one: 'store: x' or 'stores: [x, y]'");
                }
                stores.AddRange(ServiceReader.Ids(y, storesNode, "stores"));
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
            result.Add(new DataChangeDeclaration(id, stores, expand, backfill, contract,
                ServiceReader.Ids(y, m.GetValueOrDefault("neededBy"), "neededBy"), ServiceReader.Ids(y, m.GetValueOrDefault("oldShapeUsedBy"), "oldShapeUsedBy"),
                y.Pos(m["id"]), y.Duration(m.GetValueOrDefault("timeLimit"), $"{id}.timeLimit", positive: true)));
        }
        return result;
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

    public static List<PlanDeclaration> ReadPlans(YamlNodes y, YamlNode? node)
    {
        var result = new List<PlanDeclaration>();
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
            var steps = new List<PlanStepDeclaration>();
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
                    continue;
                }
                if (hasRelease)
                {
                    if (sm["release"] is YamlSequenceNode)
                    {
                        y.Error(sm["release"], "this plan step releases several services at once; a step changes exactly one service", "give each release its own step, in the order they must go out");
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
                            continue;
                    }
                    steps.Add(new PlanStepDeclaration(PlanStep.ReleaseOf(text[..at], text[(at + 1)..]), y.Pos(sm["release"])));
                    continue;
                }
                if (sm["data"] is YamlSequenceNode)
                {
                    y.Error(sm["data"], "this plan step changes several data changes at once; a step changes exactly one store", "give each data change its own step");
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
                    continue;
                }
                var store = y.Str(storeNode, "store");
                if (change is not null && phase is not null)
                {
                    steps.Add(new PlanStepDeclaration(PlanStep.Data(change, phase.Value, store ?? ""), y.Pos(sm["data"]), storeNode is null ? null : y.Pos(storeNode)));
                }
            }
            result.Add(new PlanDeclaration(id, steps, y.Pos(m["id"])));
        }
        return result;
    }
}
