using System.Collections.Frozen;
using System.Globalization;
using Stepwise.Clients.Wire;

namespace Stepwise.Clients.Policy;

/// <summary>
/// Holds the policy in force: the local policy from the options merged with the last policy the server sent. For the
/// same operation (removed, deprecated) or app (minimum version) the server's entry wins; entries only the local
/// policy names stay. Readers take <see cref="Current"/>, an immutable snapshot, without a lock.
/// </summary>
internal sealed class PolicyStore
{
    /// <summary>At most this many entries of each list are read from a server policy.</summary>
    public const int MaxEntries = 10_000;

    private const int MaxReleaseLength = 128;

    private readonly Lock gate = new();
    private readonly TimeProvider time;
    private readonly Dictionary<string, DateTimeOffset> firstDeprecated = new(StringComparer.Ordinal);
    private readonly PolicyEntries local;
    private PolicyEntries? server;
    private PolicySnapshot current = PolicySnapshot.Empty;

    public PolicyStore(StepwiseClientsPolicy localPolicy, TimeProvider time)
    {
        this.time = time;
        local = FromLocal(localPolicy);
        Rebuild();
    }

    public PolicySnapshot Current => Volatile.Read(ref current);

    /// <summary>How often the server asks to be asked again, when it said.</summary>
    public TimeSpan? RefreshInterval { get; private set; }

    /// <summary>When the last server policy was applied.</summary>
    public DateTimeOffset? ServerPolicyAt { get; private set; }

    /// <summary>Applies a policy document from the server; returns what was skipped as invalid (one line each).</summary>
    public IReadOnlyList<string> ApplyServer(PolicyDocument document)
    {
        var skipped = new List<string>();
        var policy = FromServer(document, skipped);
        lock (gate)
        {
            server = policy;
            RefreshInterval = document.RefreshSeconds is int seconds and > 0 ? TimeSpan.FromSeconds(Math.Clamp(seconds, 1, 86_400)) : null;
            ServerPolicyAt = time.GetUtcNow();
            Rebuild();
        }
        return skipped;
    }

    /// <summary>Checks a local policy, throwing <see cref="ArgumentException"/> on the first bad entry.</summary>
    public static void Validate(StepwiseClientsPolicy policy) => FromLocal(policy);

    private void Rebuild()
    {
        var merged = Merge(local, server);
        var now = time.GetUtcNow();
        var deprecations = new List<DeprecationRule>();
        foreach (var d in merged.Deprecated.Values)
        {
            // The wire contract names the deprecating release, not a date: without a configured date, Deprecation
            // carries the moment this process first applied the deprecation, in whole seconds.
            if (!firstDeprecated.TryGetValue(d.Operation, out var first))
            {
                first = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
                firstDeprecated[d.Operation] = first;
            }
            deprecations.Add(new DeprecationRule(d, d.DeprecatedAt ?? first));
        }
        var snapshot = new PolicySnapshot(
            merged.Removed.Values.Select(r => new RemovedRule(r.Operation, r.RemovedIn)),
            deprecations,
            merged.Minimums.ToFrozenDictionary(StringComparer.Ordinal));
        Volatile.Write(ref current, snapshot);
    }

    private static PolicyEntries Merge(PolicyEntries local, PolicyEntries? server)
    {
        if (server is null)
        {
            return local;
        }
        var merged = new PolicyEntries();
        foreach (var source in new[] { local, server })
        {
            foreach (var (key, value) in source.Removed)
            {
                merged.Removed[key] = value;
            }
            foreach (var (key, value) in source.Deprecated)
            {
                merged.Deprecated[key] = value;
            }
            foreach (var (key, value) in source.Minimums)
            {
                merged.Minimums[key] = value;
            }
        }
        return merged;
    }

    private static PolicyEntries FromLocal(StepwiseClientsPolicy policy)
    {
        var result = new PolicyEntries();
        foreach (var removed in policy.Removed)
        {
            OperationKey.Validate(removed.Operation, "Policy.Removed");
            if (!IsRelease(removed.RemovedIn))
            {
                throw new ArgumentException($"removed operation '{removed.Operation}': RemovedIn '{removed.RemovedIn}' is not a release: give 1 to {MaxReleaseLength} characters, no whitespace", "Policy.Removed");
            }
            result.Removed[removed.Operation] = removed;
        }
        foreach (var deprecated in policy.Deprecated)
        {
            OperationKey.Validate(deprecated.Operation, "Policy.Deprecated");
            if (deprecated.Link is { } link && !IsWebLink(link))
            {
                throw new ArgumentException($"deprecated operation '{deprecated.Operation}': Link '{link}' must be an absolute http or https URI", "Policy.Deprecated");
            }
            if (deprecated.DeprecatedAt is { } at && deprecated.Sunset is { } sunset && at > sunset)
            {
                throw new ArgumentException($"deprecated operation '{deprecated.Operation}': DeprecatedAt {at:O} is after Sunset {sunset:O} (RFC 9745: the sunset may not come before the deprecation)", "Policy.Deprecated");
            }
            result.Deprecated[deprecated.Operation] = deprecated;
        }
        foreach (var (app, minimum) in policy.MinimumVersions)
        {
            var identity = ClientIdentity.Create(app, minimum);
            result.Minimums[identity.App] = identity.Parsed!;
        }
        return result;
    }

    private static PolicyEntries FromServer(PolicyDocument document, List<string> skipped)
    {
        var result = new PolicyEntries();
        foreach (var entry in (document.MinimumVersions ?? []).Take(MaxEntries))
        {
            if (entry?.App is { } app && ClientIdentity.IsValidApp(app) && entry.Minimum is { } text && ClientVersion.TryParse(text, out var minimum))
            {
                result.Minimums[app] = minimum;
            }
            else
            {
                skipped.Add($"minimumVersions: app '{entry?.App}' minimum '{entry?.Minimum}' (give an app name and a SemVer version)");
            }
        }
        foreach (var entry in (document.Removed ?? []).Take(MaxEntries))
        {
            if (entry?.Operation is { } operation && OperationKey.IsValid(operation) && IsRelease(entry.RemovedIn))
            {
                result.Removed[operation] = new RemovedOperation(operation, entry.RemovedIn!);
            }
            else
            {
                skipped.Add($"removed: operation '{entry?.Operation}' removedIn '{entry?.RemovedIn}'");
            }
        }
        foreach (var entry in (document.Deprecated ?? []).Take(MaxEntries))
        {
            if (entry?.Operation is not { } operation || !OperationKey.IsValid(operation))
            {
                skipped.Add($"deprecated: operation '{entry?.Operation}'");
                continue;
            }
            DateTimeOffset? sunset = null;
            if (entry.Sunset is { } sunsetText)
            {
                if (DateTimeOffset.TryParse(sunsetText, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && HasOffset(sunsetText))
                {
                    sunset = parsed;
                }
                else
                {
                    skipped.Add($"deprecated '{operation}': sunset '{sunsetText}' (give ISO 8601 with an offset); kept without a sunset");
                }
            }
            Uri? link = null;
            if (entry.Link is { } linkText)
            {
                if (Uri.TryCreate(linkText, UriKind.Absolute, out var uri) && IsWebLink(uri))
                {
                    link = uri;
                }
                else
                {
                    skipped.Add($"deprecated '{operation}': link '{linkText}' (give an absolute http or https URI); kept without a link");
                }
            }
            result.Deprecated[operation] = new DeprecatedOperation(operation)
            {
                DeprecatedIn = IsRelease(entry.DeprecatedIn) ? entry.DeprecatedIn : null,
                Sunset = sunset,
                Link = link,
            };
        }
        return result;
    }

    private static bool HasOffset(string text) => text.EndsWith('Z') || text.EndsWith('z') || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');

    private static bool IsRelease(string? release) =>
        release is { Length: > 0 and <= MaxReleaseLength } && !release.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));

    private static bool IsWebLink(Uri uri) => uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private sealed class PolicyEntries
    {
        public Dictionary<string, RemovedOperation> Removed { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, DeprecatedOperation> Deprecated { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ClientVersion> Minimums { get; } = new(StringComparer.Ordinal);
    }
}
