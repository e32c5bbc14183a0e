using System.Text.Json;
using Stepwise.Api;
using Stepwise.Clients;
using Stepwise.Core.Decisions;
using Stepwise.Core.Guarantees;
using Stepwise.Core.Model;

namespace Stepwise.Cli.Commands;

/// <summary>
/// The demo's old-client acts (G8): an operation the old client still calls cannot be removed, and once the client is
/// cut off on purpose (its minimum version raised, with a recorded override) it gets the typed upgrade-required answer.
/// </summary>
internal sealed partial class DemoRun
{
    /// <summary>The old client the demo runs beside the traffic: built against 1.0.0, it places and cancels orders.</summary>
    private const string OldClientApp = "old-client";
    private const string OldClientVersion = "1.4.2";
    private const string MinimumVersion = "2.0.0";
    private const string Cancel = "DELETE /orders/{id}";

    private void StartOldClient()
    {
        fleet.StartOldClient($"{OldClientApp}/{OldClientVersion}");
        Say($"{OldClientApp} {OldClientVersion}, built against 1.0.0, places and cancels orders on every node ({Cancel})");
    }

    private async Task OldClientActsAsync(CancellationToken ct)
    {
        // The services report who calls what; wait until the server has the old client's cancellations.
        var route = $"{Routes.Clients}?service={Service}&operation={Uri.EscapeDataString(Cancel)}";
        var calls = await WaitAsync($"{OldClientApp}'s calls to {Cancel} to reach the server", async () =>
            (await Api.GetAsync<List<ClientView>>(route, ct)).Value?.FirstOrDefault(c => c.App == OldClientApp), ct);
        Say($"the server knows who calls {Cancel}: {calls.App} {calls.Version}, {calls.Calls:N0} calls, last at {calls.LastSeen:HH:mm:ss}");

        var deprecating = await Api.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", Service)), Registration("1.5.0"), ct);
        if (!deprecating.Ok)
        {
            throw new DemoFailure($"registering orders@1.5.0: {deprecating.Problem}");
        }
        Say($"registered 1.5.0: it deprecates {Cancel}");
        var removal = await Api.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", Service)), Registration("1.6.0"), ct);
        var refusal = removal.Problem?.Refusals.FirstOrDefault(r => r.Guarantee == GuaranteeId.G8);
        Say(removal.Ok ? "1.6.0 registered!" : refusal?.Describe() ?? removal.Problem!.ToString());
        var named = refusal?.Blockers.Any(b => b.Kind == BlockerKind.Client && b.Id == $"{OldClientApp} {calls.Version}") == true;
        Act("removal refused while a client calls", $"1.6.0 removes {Cancel}, deprecated by 1.5.0, while {OldClientApp} 1.x still calls it: refused, naming the client and its calls (G8)",
            refusal is not null && named && refusal.Message.Contains($"{OldClientApp} 1.x", StringComparison.Ordinal),
            removal.Ok ? "registered" : refusal is null ? $"{removal.Problem!.Status} {removal.Problem.Title}" : $"refused ({refusal.Guarantee.Label()}): {Blocked(refusal)}");

        await CutOffOldClientAsync(ct);
    }

    /// <summary>Raising the old client's minimum version is refused too; the operator overrides, and the client is told to upgrade.</summary>
    private async Task CutOffOldClientAsync(CancellationToken ct)
    {
        var config = await File.ReadAllTextAsync(configPath, ct);
        var raised = WithPolicy(config, $"  clients:\n    minimumVersions: {{ {OldClientApp}: {MinimumVersion} }}\n");
        var first = await Api.PutTextAsync<ConfigView>(Routes.Config, raised, "application/yaml", ct);
        var refusal = first.Problem?.Refusals.FirstOrDefault(r => r.Guarantee == GuaranteeId.G8);
        Say(first.Ok ? $"minimum version of {OldClientApp} raised to {MinimumVersion} without a word!" : refusal?.Describe() ?? first.Problem!.ToString());
        if (refusal is null)
        {
            Act("old client told to upgrade", $"raising {OldClientApp}'s minimum to {MinimumVersion} is refused (G8) until overridden; then it gets the typed 426", false,
                first.Ok ? "raised without a refusal" : $"{first.Problem!.Status} {first.Problem.Title}");
            return;
        }
        var subject = G8OldClients.MinimumVersionSubject(OldClientApp, MinimumVersion);
        var recorded = await Api.PostAsync<Override>(Routes.Overrides, new OverrideBody(GuaranteeId.G8, subject, $"{OldClientApp} 1.x is retired: its users were asked to upgrade"), ct);
        if (!recorded.Ok)
        {
            throw new DemoFailure($"recording the override of {subject}: {recorded.Problem}");
        }
        Say($"override recorded (G8, \"{subject}\"): {OldClientApp} 1.x is retired");
        var applied = await Api.PutTextAsync<ConfigView>(Routes.Config, raised, "application/yaml", ct);
        if (!applied.Ok)
        {
            throw new DemoFailure($"raising the minimum version with the override: {applied.Problem}");
        }
        Say($"policy.clients.minimumVersions: {OldClientApp} {MinimumVersion}; the services learn it with their next report");
        const string marker = "upgrade required: ";
        var problem = await WaitAsync($"{OldClientApp} to be told to upgrade", () => Task.FromResult(fleet.OldClientLog().Split('\n')
            .Select(l => l.IndexOf(marker, StringComparison.Ordinal) is var i and >= 0 ? l[(i + marker.Length)..].Trim() : null)
            .FirstOrDefault(p => p is not null)), ct);
        Say($"{OldClientApp} {OldClientVersion} got 426 {problem}");

        // Cut off on purpose, the old client no longer holds the removal back.
        var removal = await Api.PostAsync<ReleaseView>(ApiClient.Route(Routes.Releases, ("service", Service)), Registration("1.6.0"), ct);
        Say(removal.Ok ? $"1.6.0 registered: {OldClientApp} below its minimum no longer counts against removing {Cancel}" : removal.Problem!.ToString());
        var (type, minimum) = ProblemOf(problem);
        Act("old client told to upgrade", $"raising {OldClientApp}'s minimum to {MinimumVersion} is refused (G8) until overridden; then it gets the typed 426 and 1.6.0 registers",
            type == StepwiseProtocol.UpgradeRequiredType && minimum == MinimumVersion && removal.Ok,
            $"refused, overridden; 426 {type ?? "(no problem type)"} with minimum {minimum ?? "(none)"}; 1.6.0 {(removal.Ok ? "registered" : "still refused")}");
    }

    /// <summary>The problem's type and minimum version, as the old client printed its body.</summary>
    private static (string? Type, string? Minimum) ProblemOf(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            return root.ValueKind != JsonValueKind.Object ? (null, null) :
                (root.TryGetProperty("type", out var t) ? t.GetString() : null, root.TryGetProperty("minimumVersion", out var m) ? m.GetString() : null);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return (null, null);
        }
    }

    private static string Blocked(Refusal refusal) =>
        string.Join(", ", refusal.Blockers.Where(b => b.Kind == BlockerKind.Client).Select(b => b.Detail).Take(3));
}
