using Microsoft.AspNetCore.Http;
using Stepwise.Clients.Operations;
using Stepwise.Clients.Policy;

namespace Stepwise.Clients.Middleware;

/// <summary>
/// Per request: the client identity from the header, the operation from the endpoint, one count, and the policy
/// (upgrade required for a removed operation or a client below its minimum version; deprecation headers). Nothing
/// here waits on the network: counts are shipped by the telemetry loop.
/// </summary>
internal sealed class StepwiseClientsMiddleware(RequestDelegate next, ClientsRuntime runtime)
{
    public Task InvokeAsync(HttpContext context)
    {
        var policy = runtime.Policy.Current;
        var request = context.Request;
        Operation? operation = null;
        RemovedRule? removed = null;
        if (context.GetEndpoint() is { } endpoint)
        {
            operation = runtime.Operations.Resolve(endpoint, request.Method);
            if (ReferenceEquals(operation, Operation.Excluded))
            {
                return next(context);
            }
        }
        if (operation is null && policy.Removed.Count > 0 && policy.MatchRemoved(request.Method, request.Path) is { } rule)
        {
            removed = rule;
            operation = runtime.Operations.Get(rule.Operation);
        }
        var client = runtime.Identities.Read(request.Headers);
        if (operation is not null)
        {
            runtime.Calls?.Count(client, operation);
        }
        if (removed is not null || policy.MinimumAbove(client) is not null)
        {
            return UpgradeRequiredResponse.WriteAsync(context, runtime, policy, client, operation, removed);
        }
        if (operation is not null && policy.Deprecated.Count > 0 && policy.Deprecated.TryGetValue(operation.Key, out var deprecation))
        {
            deprecation.Apply(context.Response.Headers, operation.Key);
        }
        return next(context);
    }
}
