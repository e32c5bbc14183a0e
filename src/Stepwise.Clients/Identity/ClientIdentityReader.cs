using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Stepwise.Clients.Identity;

/// <summary>
/// Reads the client identity of a request. Valid header values are parsed once and cached (a bounded number of
/// them); a missing, repeated, malformed or over-long header is <see cref="ClientIdentity.Unknown"/>.
/// </summary>
internal sealed class ClientIdentityReader(string headerName, bool userAgentFallback)
{
    private const int MaxCached = 4_096;

    private readonly ConcurrentDictionary<string, ClientIdentity> cache = new(StringComparer.Ordinal);
    private int cached;

    public ClientIdentity Read(IHeaderDictionary headers)
    {
        if (headers.TryGetValue(headerName, out var values))
        {
            return values.Count == 1 ? FromValue(values[0], wholeValue: true) : ClientIdentity.Unknown;
        }
        if (userAgentFallback && headers.TryGetValue(HeaderNames.UserAgent, out var agent) && agent.Count == 1)
        {
            return FromValue(agent[0], wholeValue: false);
        }
        return ClientIdentity.Unknown;
    }

    private ClientIdentity FromValue(string? value, bool wholeValue)
    {
        if (value is null)
        {
            return ClientIdentity.Unknown;
        }
        if (cache.TryGetValue(value, out var known))
        {
            return known;
        }
        var span = value.AsSpan().Trim(" \t");
        if (!wholeValue)
        {
            // User-Agent: the first product, "app/version", up to the first whitespace.
            var end = span.IndexOfAny(' ', '\t');
            span = end < 0 ? span : span[..end];
        }
        if (span.Length > ClientIdentity.MaxLength || !ClientIdentity.TryParse(span, out var identity))
        {
            return ClientIdentity.Unknown;
        }
        if (Volatile.Read(ref cached) < MaxCached && cache.TryAdd(value, identity))
        {
            Interlocked.Increment(ref cached);
        }
        return identity;
    }
}
