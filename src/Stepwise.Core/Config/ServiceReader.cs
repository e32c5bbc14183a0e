using Stepwise.Core.Model;
using YamlDotNet.RepresentationModel;

namespace Stepwise.Core.Config;

/// <summary>Reads the services of stepwise.yaml, with their dependencies and releases, into declarations (linked by <see cref="ConfigLinker"/>).</summary>
internal static class ServiceReader
{
    public static List<ServiceDeclaration> Read(YamlNodes y, YamlNode? node, YamlNode root)
    {
        var result = new List<ServiceDeclaration>();
        if (node is null)
        {
            y.Error(root, "no services are declared", "add a 'services:' list with at least one service and its releases");
            return result;
        }
        var seq = y.Seq(node, "services");
        if (seq is null)
        {
            return result;
        }
        foreach (var item in seq.Children)
        {
            var m = y.Map(item, "a service", "name", "dependsOn", "releases", "app");
            if (m is null)
            {
                continue;
            }
            var name = y.Str(m.GetValueOrDefault("name"), "name", required: true, parent: item);
            if (name is null)
            {
                continue;
            }
            var deps = new List<DependencyDeclaration>();
            var depSeq = y.Seq(m.GetValueOrDefault("dependsOn"), $"dependsOn of service '{name}'");
            foreach (var dep in depSeq?.Children ?? [])
            {
                if (dep is YamlScalarNode scalar)
                {
                    deps.Add(new DependencyDeclaration(scalar.Value ?? "", [], y.Pos(dep)));
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
                    deps.Add(new DependencyDeclaration(depName, y.StrList(dm.GetValueOrDefault("calls"), "calls"), y.Pos(dm["service"])));
                }
            }
            var releases = new List<ReleaseDeclaration>();
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
                var calls = new List<Located<OperationCall>>();
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
                        calls.Add(new(new OperationCall(text[..colon].Trim(), text[(colon + 1)..].Trim()), y.Pos(call)));
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
                        calls.Add(new(new OperationCall(target, op), y.Pos(cm["service"])));
                    }
                }
                releases.Add(new ReleaseDeclaration(
                    version,
                    y.StrList(rm.GetValueOrDefault("provides"), "provides"),
                    y.StrList(rm.GetValueOrDefault("deprecates"), "deprecates"),
                    calls,
                    Ids(y, rm.GetValueOrDefault("needs"), "needs"),
                    Ids(y, rm.GetValueOrDefault("usesOldShapeOf"), "usesOldShapeOf"),
                    y.Pos(rm["version"])));
            }
            result.Add(new ServiceDeclaration(name, deps, releases, y.Pos(m["name"]), ReadApp(y, m.GetValueOrDefault("app"), name)));
        }
        return result;
    }

    /// <summary>A service's <c>app: { healthPath, metricsPath }</c>: where its app answers probes and serves metrics.</summary>
    private static AppPaths? ReadApp(YamlNodes y, YamlNode? node, string service)
    {
        var m = y.Map(node, $"app of service '{service}'", "healthPath", "metricsPath");
        if (m is null)
        {
            return null;
        }
        string Path(string key, string fallback)
        {
            var value = y.Str(m.GetValueOrDefault(key), $"{key} of service '{service}'");
            if (value is not null && AppPaths.Problem(value) is { } problem)
            {
                y.Error(m[key], $"{key} of service '{service}' is '{(value.Length > 60 ? value[..60] + "…" : value)}': {problem}", $"write an absolute path such as {fallback}");
                return fallback;
            }
            return value ?? fallback;
        }
        return new AppPaths(Path("healthPath", AppPaths.DefaultHealth), Path("metricsPath", AppPaths.DefaultMetrics));
    }

    /// <summary>A list of ids, each with where it was written.</summary>
    public static List<Located<string>> Ids(YamlNodes y, YamlNode? node, string what)
    {
        var list = new List<Located<string>>();
        foreach (var item in y.Seq(node, what)?.Children ?? [])
        {
            var value = y.Str(item, $"an entry of {what}");
            if (value is not null)
            {
                list.Add(new(value, y.Pos(item)));
            }
        }
        return list;
    }
}
