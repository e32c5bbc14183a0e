using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;

namespace Stepwise.Clients.Operations;

/// <summary>
/// Maps an endpoint and a request method to its operation, from endpoint metadata: a
/// <see cref="StepwiseOperationAttribute"/>, else the route pattern in OpenAPI form with the endpoint's HTTP method.
/// Each endpoint is described once and cached; operations are canonical per key.
/// </summary>
internal sealed class OperationResolver
{
    private const int MaxEndpoints = 10_000;
    private const int MaxOperations = 50_000;

    // Methods an endpoint without HTTP method metadata is counted for; any other method is not an operation.
    private static readonly string[] StandardMethods =
        [HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete, HttpMethods.Patch, HttpMethods.Head, HttpMethods.Options, HttpMethods.Trace, "QUERY"];

    private readonly ConcurrentDictionary<Endpoint, EndpointOperations> endpoints = new();
    private readonly ConcurrentDictionary<string, Operation> operations = new(StringComparer.Ordinal);
    private int endpointCount;
    private int operationCount;

    /// <summary>The operation of a matched endpoint, <see cref="Operation.Excluded"/>, or null when the endpoint is
    /// not a route endpoint (no match, or routing's own 405 answer).</summary>
    public Operation? Resolve(Endpoint endpoint, string method)
    {
        if (!endpoints.TryGetValue(endpoint, out var described))
        {
            described = Describe(endpoint);
            if (Volatile.Read(ref endpointCount) < MaxEndpoints && endpoints.TryAdd(endpoint, described))
            {
                Interlocked.Increment(ref endpointCount);
            }
        }
        return described.For(method, this);
    }

    /// <summary>The canonical operation of a key.</summary>
    public Operation Get(string key) =>
        operations.TryGetValue(key, out var operation) ? operation
        : Volatile.Read(ref operationCount) < MaxOperations ? Add(key)
        : new Operation(key);

    private Operation Add(string key)
    {
        var operation = new Operation(key);
        if (operations.TryAdd(key, operation))
        {
            Interlocked.Increment(ref operationCount);
            return operation;
        }
        return operations[key];
    }

    private EndpointOperations Describe(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<StepwiseOperationAttribute>() is { } named)
        {
            return new EndpointOperations(Get(named.Operation));
        }
        if (endpoint is not RouteEndpoint route)
        {
            return EndpointOperations.NotRouted;
        }
        if (endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
        {
            return new EndpointOperations(Operation.Excluded);
        }
        var template = OperationKey.PathTemplate(route.RoutePattern);
        var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
        if (methods is null || methods.Count == 0)
        {
            return new EndpointOperations(template, StandardMethods, new Operation?[StandardMethods.Length]);
        }
        var list = methods.Select(m => m.ToUpperInvariant()).ToArray();
        return new EndpointOperations(template, list, list.Select(m => Checked($"{m} {template}")).ToArray());
    }

    private Operation Checked(string key) => OperationKey.IsValid(key) ? Get(key) : Operation.Excluded;

    private sealed class EndpointOperations
    {
        public static readonly EndpointOperations NotRouted = new((Operation?)null);

        private readonly Operation? single;
        private readonly string? template;
        private readonly string[]? methods;
        private readonly Operation?[]? byMethod;
        private readonly bool routed;

        public EndpointOperations(Operation? single)
        {
            this.single = single;
            routed = single is not null;
        }

        public EndpointOperations(string template, string[] methods, Operation?[] byMethod)
        {
            this.template = template;
            this.methods = methods;
            this.byMethod = byMethod;
            routed = true;
        }

        public Operation? For(string method, OperationResolver resolver)
        {
            if (!routed || single is not null)
            {
                return single;
            }
            for (var i = 0; i < methods!.Length; i++)
            {
                if (HttpMethods.Equals(methods[i], method))
                {
                    // Filled lazily for endpoints that accept any method; a race builds the same canonical operation.
                    return byMethod![i] ??= resolver.Checked($"{methods[i]} {template}");
                }
            }
            return Operation.Excluded;
        }
    }
}
