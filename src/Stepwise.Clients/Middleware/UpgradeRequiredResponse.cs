using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Stepwise.Clients.Operations;
using Stepwise.Clients.Policy;
using Stepwise.Clients.Wire;

namespace Stepwise.Clients.Middleware;

/// <summary>
/// The upgrade-required answer: an RFC 9457 problem with status 426. RFC 9110 asks a 426 to carry an Upgrade header
/// naming the protocol to switch to; what is required here is a newer client app, not another protocol, so no
/// Upgrade header is sent (docs/clients.md explains why): the problem type is the machine-readable signal.
/// </summary>
internal static class UpgradeRequiredResponse
{
    public static async Task WriteAsync(HttpContext context, ClientsRuntime runtime, PolicySnapshot policy, ClientIdentity client, Operation? operation, RemovedRule? removed)
    {
        var minimum = policy.MinimumOf(client);
        var problem = new UpgradeRequiredProblem(
            StepwiseProtocol.UpgradeRequiredType,
            StepwiseProtocol.UpgradeRequiredTitle,
            StepwiseProtocol.UpgradeRequiredStatus,
            Detail(runtime.Options.Service, client, operation, removed, minimum),
            operation?.Key,
            removed?.RemovedIn,
            minimum?.Text,
            client.ToString());
        runtime.UpgradeRequired.Add(1, new KeyValuePair<string, object?>("reason", removed is not null ? "removed" : "minimum-version"));
        var response = context.Response;
        response.StatusCode = StepwiseProtocol.UpgradeRequiredStatus;
        response.ContentType = StepwiseProtocol.ProblemMediaType;
        response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(response.Body, problem, ClientsJson.Default.UpgradeRequiredProblem, context.RequestAborted);
    }

    internal static string Detail(string? service, ClientIdentity client, Operation? operation, RemovedRule? removed, ClientVersion? minimum)
    {
        var name = service ?? "this service";
        var below = minimum is not null && client.IsKnown && client.Parsed < minimum;
        if (removed is null)
        {
            var calling = operation is null ? "" : $" (calling {operation.Key})";
            return $"{client.App} {client.Version} is below the minimum version {minimum?.Text} that {name} accepts{calling}; upgrade {client.App} to {minimum?.Text} or later";
        }
        var upgrade = !client.IsKnown ? "upgrade the client (it did not name itself in the Stepwise-Client header)"
            : below ? $"upgrade {client.App} to {minimum!.Text} or later (this call came from {client.Version})"
            : $"upgrade {client.App} to a version that no longer calls it (this call came from {client.Version})";
        return $"{removed.Operation} was removed from {name} in release {removed.RemovedIn}; {upgrade}";
    }
}
