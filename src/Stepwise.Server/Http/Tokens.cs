using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Stepwise.Api;
using Stepwise.Core;
using Stepwise.Core.Reconciling;
using Stepwise.Server.Store;

namespace Stepwise.Server.Http;

/// <summary>
/// API tokens: random secrets shown once, stored as SHA-256 hashes, looked up by hash, revocable and rotatable; a
/// live token's name is unique. Admin and read tokens are looked up in the store on every request, so a revocation
/// holds at once on every replica; agent tokens (every heartbeat) are cached per replica, and the cache is dropped
/// whenever the store's token revision moves (checked every reconciler tick on every replica, and at once on the
/// replica that revoked).
/// </summary>
public sealed class Tokens(StateStore store)
{
    /// <summary>The least an operator-supplied secret must have: length, and distinct characters.</summary>
    public const int MinSecretLength = 24;
    public const int MinDistinctCharacters = 10;

    private readonly ConcurrentDictionary<string, TokenRecord> agents = new(StringComparer.Ordinal);
    private long revision = -1;

    /// <summary>A new secret: "sw_" and 32 random bytes, base64url.</summary>
    public static string NewSecret() => "sw_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Why a secret an operator supplies is too weak to guard the fleet, or null.</summary>
    public static string? Weakness(string secret)
    {
        if (secret.Length < MinSecretLength)
        {
            return $"it has {secret.Length} characters; a token needs at least {MinSecretLength}";
        }
        if (secret.Distinct().Count() < MinDistinctCharacters)
        {
            return $"it has {secret.Distinct().Count()} distinct characters; a token needs at least {MinDistinctCharacters} (use a random secret, e.g. from 'openssl rand -base64 32')";
        }
        return secret.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) ? "it holds spaces or control characters" : null;
    }

    /// <summary>The live token with this secret, or null (unknown or revoked).</summary>
    public async Task<TokenRecord?> FindAsync(string secret, CancellationToken cancellationToken)
    {
        var hash = Hash(secret);
        if (agents.TryGetValue(hash, out var cached))
        {
            return cached;
        }
        var found = await store.FindTokenAsync(hash, cancellationToken);
        if (found is null || found.Revoked)
        {
            return null;
        }
        if (found.Kind == TokenKind.Agent)
        {
            agents[hash] = found;
        }
        return found;
    }

    /// <summary>Drops the agent-token cache when tokens were created or revoked anywhere (called every tick).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = await store.TokenRevisionAsync(cancellationToken);
        if (Interlocked.Exchange(ref revision, now) != now)
        {
            agents.Clear();
        }
    }

    /// <summary>Creates a token; null when a live token already has that name.</summary>
    public async Task<TokenCreated?> CreateAsync(TokenKind kind, string name, string? node, string? service, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var secret = NewSecret();
        var record = new TokenRecord(Hash(secret), name, kind, node, Service: service);
        var scope = node is not null ? $" for node {node}" : service is not null ? $" for service {service}" : "";
        var created = await store.InsertTokenAsync(record, at, new NewEvent("token-created", $"{Names.Of(kind)} token '{name}' created{scope}", name), cancellationToken);
        return created ? new TokenCreated(name, kind, node, secret, service) : null;
    }

    /// <summary>Revokes the live token named <paramref name="name"/>; null when there is none.</summary>
    public async Task<TokenRecord?> RevokeAsync(string name, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var revoked = await store.RevokeTokenAsync(name, null, at, new NewEvent("token-revoked", $"token '{name}' revoked by '{by}'", name), cancellationToken);
        agents.Clear();
        return revoked;
    }

    /// <summary>Replaces the live token named <paramref name="name"/> by a new secret of the same kind and node; the old one stops working at once.</summary>
    public async Task<TokenCreated?> RotateAsync(string name, string by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var secret = NewSecret();
        var current = (await store.ListTokensAsync(cancellationToken)).FirstOrDefault(t => t.Name == name && !t.Revoked);
        if (current is null)
        {
            return null;
        }
        var replacement = new TokenRecord(Hash(secret), name, current.Kind, current.Node, Service: current.Service);
        var revoked = await store.RevokeTokenAsync(name, replacement, at, new NewEvent("token-rotated", $"token '{name}' rotated by '{by}': the previous secret no longer works", name), cancellationToken);
        agents.Clear();
        return revoked is null ? null : new TokenCreated(name, current.Kind, current.Node, secret, current.Service);
    }

    /// <summary>
    /// The admin token at start-up: STEPWISE_ADMIN_TOKEN when set; else the file's secret, or a new secret written to
    /// the file (mode 0600) when it does not exist. Only the hash is stored. A new admin secret revokes the previous
    /// one (named "admin"); a secret that was revoked (rotated away) is refused. Throws <see cref="InvalidOperationException"/>
    /// with the fix for a weak, empty or revoked secret.
    /// </summary>
    public async Task<string?> BootstrapAdminAsync(string? tokenFile, string? fromEnvironment, DateTimeOffset at, CancellationToken cancellationToken)
    {
        string? secret = null;
        string source;
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            secret = fromEnvironment.Trim();
            source = "STEPWISE_ADMIN_TOKEN";
        }
        else if (tokenFile is not null)
        {
            source = $"--admin-token-file {tokenFile}";
            if (File.Exists(tokenFile))
            {
                secret = (await File.ReadAllTextAsync(tokenFile, cancellationToken)).Trim();
                if (secret.Length == 0)
                {
                    throw new InvalidOperationException($"{source} is empty; delete it to have a new token generated, or write a token into it");
                }
            }
            else
            {
                secret = NewSecret();
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }
                await using var stream = new FileStream(tokenFile, options);
                await using var writer = new StreamWriter(stream);
                await writer.WriteLineAsync(secret);
            }
        }
        else
        {
            return null;
        }
        if (Weakness(secret) is { } weak)
        {
            throw new InvalidOperationException($"the admin token from {source} is too weak: {weak}");
        }
        var hash = Hash(secret);
        if (await store.FindTokenAsync(hash, cancellationToken) is { } known)
        {
            if (known.Revoked)
            {
                throw new InvalidOperationException($"the admin token from {source} was revoked (rotated) on {known.RevokedAt:yyyy-MM-dd HH:mm}Z; set the current one");
            }
            return secret;
        }
        var record = new TokenRecord(hash, "admin", TokenKind.Admin, null);
        if (!await store.InsertTokenAsync(record, at, new NewEvent("token-created", $"admin token from {source}", "admin"), cancellationToken))
        {
            // A new admin secret replaces the previous one: the old secret stops working.
            await store.RevokeTokenAsync("admin", record, at, new NewEvent("token-rotated", $"admin token replaced from {source} at start-up: the previous secret no longer works", "admin"), cancellationToken);
        }
        return secret;
    }
}
