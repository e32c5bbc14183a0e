using System.Text.Json;

namespace Stepwise.Core.Model;

/// <summary>
/// The observed half of a snapshot as a JSON file (what <c>stepwise plan --fleet</c> reads): nodes, current releases,
/// rollouts, data-phase states, plan progress, operator requests, overrides, alerts and analysis samples, plus the
/// time to decide at. Every list is optional.
/// </summary>
public sealed record FleetFile(
    DateTimeOffset? Now = null,
    IReadOnlyList<Node>? Nodes = null,
    IReadOnlyList<ServiceStatus>? Services = null,
    IReadOnlyList<Rollout>? Rollouts = null,
    IReadOnlyList<DataPhaseStatus>? DataPhases = null,
    IReadOnlyList<PlanProgress>? Plans = null,
    IReadOnlyList<OperatorRequest>? Requests = null,
    IReadOnlyList<Override>? Overrides = null,
    IReadOnlyList<Alert>? Alerts = null,
    IReadOnlyList<RolloutSamples>? Samples = null)
{
    /// <summary>Parses a fleet file; errors name the file, line and what to fix. Pure: the caller reads the file.</summary>
    public static FleetFile Parse(string json, string file)
    {
        FleetFile? fleet;
        try
        {
            if (json.AsSpan().TrimStart().StartsWith("["))
            {
                json = NodesOnly(json);
            }
            fleet = SnapshotJson.Read<FleetFile>(json, SnapshotJson.Options);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            var what = e.Path is { Length: > 1 } path ? $" at {path}" : "";
            throw new Config.ConfigException([new Config.ConfigError(file, (int)line, (int)column, $"invalid fleet file{what}: {Trim(e.Message)}",
                "see docs/cli.md for the fleet file format (nodes, services, rollouts, dataPhases, plans, requests, overrides, alerts, samples, now)")]);
        }
        return fleet ?? throw new Config.ConfigException([new Config.ConfigError(file, 1, 1, "the fleet file is null", "write a JSON object, e.g. {\"nodes\": []}")]);
    }

    /// <summary>
    /// A bare array is the nodes as <c>stepwise fleet --format json</c> prints them (the API's node view): the same
    /// fields as a fleet file's nodes plus <c>mayServe</c>, which is derived from the state and dropped here.
    /// </summary>
    private static string NodesOnly(string json)
    {
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64, AllowDuplicateProperties = false };
        // Parsed as a document first: it refuses a key given twice with a JsonException (a node tree would throw later, on use).
        using (JsonDocument.Parse(json, options))
        {
        }
        var nodes = System.Text.Json.Nodes.JsonNode.Parse(json, documentOptions: options)!.AsArray();
        foreach (var node in nodes.OfType<System.Text.Json.Nodes.JsonObject>())
        {
            node.Remove("mayServe");
        }
        return new System.Text.Json.Nodes.JsonObject { ["nodes"] = nodes }.ToJsonString();
    }

    /// <summary>Checks the fleet against the configuration: unknown services, releases, changes or stores are errors.</summary>
    public IReadOnlyList<Config.ConfigError> Check(StepwiseConfig config, string file)
    {
        var errors = new List<Config.ConfigError>();
        void Error(string message, string fix) => errors.Add(new Config.ConfigError(file, 1, 1, message, fix));
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in Nodes ?? [])
        {
            if (!ids.Add(node.Id))
            {
                Error($"node '{node.Id}' is listed twice", "list each node once");
            }
            var service = config.FindService(node.Service);
            if (service is null)
            {
                Error($"node '{node.Id}' belongs to unknown service '{node.Service}'", "declare the service in stepwise.yaml or correct the node");
                continue;
            }
            foreach (var release in new[] { node.ActualRelease, node.DesiredRelease })
            {
                if (release is not null && service.Find(release) is null)
                {
                    Error($"node '{node.Id}' names {node.Service}@{release}, which stepwise.yaml does not declare", $"declare the release under '{node.Service}' or correct the node");
                }
            }
        }
        foreach (var status in Services ?? [])
        {
            if (config.FindRelease(status.Service, status.Current) is null)
            {
                Error($"current release {status.Service}@{status.Current} is not declared", "declare it in stepwise.yaml or correct the fleet file");
            }
        }
        foreach (var phase in DataPhases ?? [])
        {
            var change = config.FindChange(phase.Change);
            if (change is null || !change.Stores.Contains(phase.Store))
            {
                Error($"data phase {phase.Change} on {phase.Store} is not declared", "declare the data change and its store in stepwise.yaml");
            }
        }
        foreach (var rollout in Rollouts ?? [])
        {
            if (config.FindRelease(rollout.Service, rollout.From) is null || config.FindRelease(rollout.Service, rollout.To) is null)
            {
                Error($"rollout '{rollout.Id}' names releases stepwise.yaml does not declare", "correct the rollout or declare its releases");
            }
        }
        return errors;
    }

    public Snapshot ToSnapshot(StepwiseConfig config) => new(
        config,
        Nodes ?? [],
        Services ?? [],
        Rollouts ?? [],
        DataPhases ?? [],
        Plans ?? [],
        Requests ?? [],
        Overrides ?? [],
        Alerts ?? [],
        Samples ?? []);

    private static string Trim(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
