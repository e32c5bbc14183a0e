using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Stepwise.Api;

namespace Stepwise.Server.Http;

/// <summary>
/// Request rate limits with the ASP.NET Core rate limiter: a token bucket per client address and one per bearer token,
/// chained (a request needs a permit from both). Past either, the answer is a 429 problem with Retry-After. Liveness
/// is never limited. The defaults fit 100,000 agents at a 10 s heartbeat (10,000 requests/s in all): one agent sends
/// one request per interval, far under the per-token rate, and the per-address rate leaves room for thousands of
/// nodes behind one NAT address. Behind a proxy every request shares one address: raise or turn off that limit.
/// </summary>
public static class RateLimits
{
    /// <summary>Requests a second one token may make (bursts up to twice that); 0 turns the limit off.</summary>
    public const int DefaultPerToken = 20;

    /// <summary>Requests a second one client address may make (bursts up to twice that); 0 turns the limit off.</summary>
    public const int DefaultPerAddress = 5_000;

    public static IServiceCollection AddStepwiseRateLimits(this IServiceCollection services, ServerOptions options) =>
        services.AddRateLimiter(limiter =>
        {
            // A bucket per key, refilled when used (KeyedTokenBuckets): with 100,000 agents, each with its own token
            // and address, the framework's partitions cost more than the heartbeats they limit.
            var chain = new List<PartitionedRateLimiter<HttpContext>>();
            if (options.RateLimitPerAddress > 0)
            {
                chain.Add(new KeyedTokenBuckets(context => Exempt(context) ? null : context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                    options.RateLimitPerAddress * 2, options.RateLimitPerAddress, options.Time));
            }
            if (options.RateLimitPerToken > 0)
            {
                chain.Add(new KeyedTokenBuckets(context => Exempt(context) || context.Request.Headers.Authorization.ToString() is not { Length: > 0 } token ? null : token,
                    options.RateLimitPerToken * 2, options.RateLimitPerToken, options.Time));
            }
            if (chain.Count > 0)
            {
                limiter.GlobalLimiter = chain.Count == 1 ? chain[0] : PartitionedRateLimiter.CreateChained([.. chain]);
            }
            limiter.OnRejected = async (rejected, ct) =>
            {
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, Math.Ceiling(after.TotalSeconds)) : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                await Problems.Of(StatusCodes.Status429TooManyRequests, ProblemTypes.RateLimited, "too many requests",
                    $"this client sent requests faster than the server allows; retry after {retry} s (limits: docs/operations.md)").ExecuteAsync(rejected.HttpContext);
            };
        });

    private static bool Exempt(HttpContext context) => context.Request.Path.Equals(Routes.Liveness, StringComparison.Ordinal);
}
