using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Stepwise.Clients.Policy;

/// <summary>The policy in force: immutable, replaced whole when the local or the server policy changes.</summary>
internal sealed class PolicySnapshot
{
    public static readonly PolicySnapshot Empty = new([], [], FrozenDictionary<string, ClientVersion>.Empty);

    private readonly RemovedRule[] removed;

    public PolicySnapshot(IEnumerable<RemovedRule> removed, IEnumerable<DeprecationRule> deprecated, FrozenDictionary<string, ClientVersion> minimums)
    {
        this.removed = removed.ToArray();
        Removed = this.removed.ToFrozenDictionary(r => r.Operation, StringComparer.Ordinal);
        Deprecated = deprecated.ToFrozenDictionary(d => d.Source.Operation, StringComparer.Ordinal);
        Minimums = minimums;
    }

    /// <summary>Removed operations by key.</summary>
    public FrozenDictionary<string, RemovedRule> Removed { get; }

    /// <summary>Deprecated operations by key.</summary>
    public FrozenDictionary<string, DeprecationRule> Deprecated { get; }

    /// <summary>Minimum versions by client app.</summary>
    public FrozenDictionary<string, ClientVersion> Minimums { get; }

    /// <summary>The removed operation a request no endpoint serves matches, if any.</summary>
    public RemovedRule? MatchRemoved(string method, PathString path)
    {
        foreach (var rule in removed)
        {
            if (rule.Matches(method, path))
            {
                return rule;
            }
        }
        return null;
    }

    /// <summary>The minimum version of an app when the client is below it.</summary>
    public ClientVersion? MinimumAbove(ClientIdentity client) =>
        client.IsKnown && Minimums.Count > 0 && Minimums.TryGetValue(client.App, out var minimum) && client.Parsed < minimum ? minimum : null;

    /// <summary>The minimum version of an app, if any.</summary>
    public ClientVersion? MinimumOf(ClientIdentity client) =>
        client.IsKnown && Minimums.TryGetValue(client.App, out var minimum) ? minimum : null;
}
