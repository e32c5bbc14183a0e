using System.Text.Json;
using Stepwise.Api;
using Stepwise.Cli.Local;
using Stepwise.Core;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary>The demo's steps: registrations, rollouts followed phase by phase, data phases, bounded waits.</summary>
internal sealed partial class DemoRun
{
    private ReleaseRegistration Registration(string version)
    {
        var provides = new List<string> { "GET /orders/{id}", "GET /orders", "POST /orders" };
        if (version is not ("1.4.0" or "1.6.0"))
        {
            provides.Add(Cancel);
        }
        var contract = File.ReadAllText(Path.Combine(SampleDir, "contracts", $"orders-{version}.json"));
        return new ReleaseRegistration(version,
            fleet.SampleArtifact,
            Provides: provides,
            Deprecates: version == "1.5.0" ? [Cancel] : [],
            Needs: version == "1.1.0" ? [] : ["contact-email"],
            UsesOldShapeOf: version == "1.1.0" ? ["contact-email"] : [],
            Contracts: [new ContractDocument("openapi", contract)]);
    }

    private async Task RegisterAsync(CancellationToken ct)
    {
        foreach (var version in new[] { "1.1.0", "1.2.0", "1.3.0" })
        {
            var answer = await Api.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", Service)), Registration(version), ct);
            if (!answer.Ok)
            {
                throw new DemoFailure($"registering orders@{version}: {answer.Problem}");
            }
        }
        Say("registered orders 1.1.0 (good), 1.2.0 (needs contact-email), 1.3.0 (a bad build), each with its OpenAPI contract");
    }


    // ------------------------------------------------------------------ rollouts and data phases

    private async Task<string> StartRolloutAsync(string version, CancellationToken ct, TimeSpan? retryWhileDataBakes = null)
    {
        var answer = await Api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(Service, version, "stepwise demo"), ct);
        var until = clock.Elapsed + (retryWhileDataBakes ?? TimeSpan.Zero);
        // A G3 refusal while the data bakes clears by itself: ask again until the bake is over.
        while (!answer.Ok && answer.Problem?.Refusals.Any(r => r.Guarantee == GuaranteeId.G3) == true && clock.Elapsed < until)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            answer = await Api.PostAsync<RequestOutcome>(Routes.Rollouts, new StartRolloutBody(Service, version, "stepwise demo"), ct);
        }
        if (!answer.Ok)
        {
            throw new DemoFailure($"starting the rollout to {version}: {answer.Problem}");
        }
        var id = answer.Value!.Rollout ?? await WaitAsync($"the rollout to {version} to appear", async () =>
            (await Api.GetAsync<List<RolloutView>>(Routes.Rollouts, ct)).Value?.LastOrDefault(r => r.To == version)?.Id, ct);
        Say($"rollout {id}: orders -> {version} started");
        return id;
    }

    private async Task<List<RolloutPhase>> WatchRolloutAsync(string id, CancellationToken ct, Func<RolloutView, RolloutPhase, Task>? onPhase = null)
    {
        var phases = new List<RolloutPhase>();
        var last = "";
        var progress = "";
        ApprovalGate? waiting = null;
        // A rollout on a loaded machine may be slow; it fails the act only when it stops moving: no phase, wave or
        // node count changed for a whole act timeout.
        var deadline = clock.Elapsed + ActTimeout;
        while (clock.Elapsed < deadline)
        {
            var view = (await Api.GetAsync<RolloutView>(ApiClient.Route(Routes.Rollout, ("rollout", id)), ct)).Value;
            if (view is not null)
            {
                var line = $"{RolloutCommand.Phase(view.Phase)}{(view.Phase == RolloutPhase.Waves ? $" {view.Wave}" : "")}";
                var now = $"{line} {view.NodesOnTo}/{view.NodesTotal}";
                if (now != progress)
                {
                    progress = now;
                    deadline = clock.Elapsed + ActTimeout;
                }
                if (line != last)
                {
                    last = line;
                    Say($"  {id}: {line}, {view.NodesOnTo}/{view.NodesTotal} nodes on {view.To}{(view.Reason is { } r ? $" ({r})" : "")}");
                    if (phases.Count == 0 || phases[^1] != view.Phase)
                    {
                        phases.Add(view.Phase);
                        if (onPhase is not null)
                        {
                            await onPhase(view, view.Phase);
                        }
                    }
                }
                if (RolloutPhases.IsTerminal(view.Phase) || (view.Phase == RolloutPhase.Paused && view.WaitsFor is null))
                {
                    return phases;
                }
                if (view.WaitsFor is { } gate)
                {
                    // A person decides here: waiting for them is no lack of progress.
                    if (waiting != gate)
                    {
                        waiting = gate;
                        Say($"  {id}: waits for approval ({Names.Of(gate)}): approve it in the dashboard, or run 'stepwise rollout approve {id}'");
                    }
                    deadline = clock.Elapsed + ApprovalTimeout;
                }
                else
                {
                    waiting = null;
                }
            }
            await Task.Delay(200, ct);
        }
        throw new DemoFailure($"rollout {id} made no progress for {ActTimeout.TotalSeconds:0} s (last: {progress})");
    }

    private async Task<(bool Passed, string Outcome)> RunDataPhaseAsync(string phase, CancellationToken ct)
    {
        var route = ApiClient.Route(Routes.RunDataPhase, ("change", "contact-email"), ("phase", phase));
        var answer = await Api.PostAsync<RequestOutcome>(route, new DataPhaseBody("orders-db", "stepwise demo"), ct);
        if (!answer.Ok)
        {
            return (false, answer.Problem!.Detail ?? answer.Problem.ToString());
        }
        Say($"contact-email {phase} on orders-db: started");
        var state = await WaitAsync($"contact-email {phase} to finish", async () =>
        {
            var changes = (await Api.GetAsync<JsonElement>(Routes.DataChanges, ct)).Value;
            foreach (var change in changes.ValueKind == JsonValueKind.Array ? changes.EnumerateArray() : default)
            {
                foreach (var s in change.TryGetProperty("states", out var states) ? states.EnumerateArray() : default)
                {
                    if (s.GetProperty("phase").GetString() == phase && s.GetProperty("state").GetString() is { } st && st != "running" && st != "pending")
                    {
                        return st;
                    }
                }
            }
            return null;
        }, ct);
        Say($"contact-email {phase} on orders-db: {state}");
        return (state == "complete", state);
    }

    /// <summary>The configuration <paramref name="yaml"/> with <paramref name="lines"/> added at the top of its policy.</summary>
    private static string WithPolicy(string yaml, string lines)
    {
        const string policy = "policy:\n";
        var at = yaml.IndexOf(policy, StringComparison.Ordinal);
        return at < 0
            ? throw new DemoFailure("the sample's stepwise.yaml has no 'policy:' section")
            : yaml.Insert(at + policy.Length, lines);
    }

    private async Task<T> WaitAsync<T>(string what, Func<Task<T?>> probe, CancellationToken ct)
    {
        try
        {
            return await fleet.WaitAsync(what, probe, ct);
        }
        catch (LocalFleetException e)
        {
            throw new DemoFailure(e.Message.Split('\n')[0]);
        }
    }
}
