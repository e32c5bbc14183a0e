using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Stepwise.Api;
using Stepwise.Core.Reconciling;
using Stepwise.Server.Store;

namespace Stepwise.Server.Http;

/// <summary>API tokens: random secrets shown once, stored as SHA-256 hashes, looked up by hash (cached per replica).</summary>
public sealed class Tokens(StateStore store)
{
    private readonly ConcurrentDictionary<string, TokenRecord> cache = new(StringComparer.Ordinal);

    /// <summary>A new secret: "sw_" and 32 random bytes, base64url.</summary>
    public static string NewSecret() => "sw_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public async Task<TokenRecord?> FindAsync(string secret, CancellationToken cancellationToken)
    {
        var hash = Hash(secret);
        if (cache.TryGetValue(hash, out var cached))
        {
            return cached;
        }
        var found = await store.FindTokenAsync(hash, cancellationToken);
        if (found is not null)
        {
            cache[hash] = found;
        }
        return found;
    }

    public async Task<TokenCreated> CreateAsync(TokenKind kind, string name, string? node, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var secret = NewSecret();
        var record = new TokenRecord(Hash(secret), name, kind, node);
        await store.InsertTokenAsync(record, at, new NewEvent("token-created", $"{kind.ToString().ToLowerInvariant()} token '{name}' created" + (node is null ? "" : $" for node {node}"), name), cancellationToken);
        return new TokenCreated(name, kind, node, secret);
    }

    /// <summary>
    /// The admin token at start-up: STEPWISE_ADMIN_TOKEN when set; else the file's secret, or a new secret written to
    /// the file (mode 0600) when it does not exist. Only the hash is stored.
    /// </summary>
    public async Task<string?> BootstrapAdminAsync(string? tokenFile, string? fromEnvironment, DateTimeOffset at, CancellationToken cancellationToken)
    {
        string? secret = null;
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            secret = fromEnvironment.Trim();
        }
        else if (tokenFile is not null)
        {
            if (File.Exists(tokenFile))
            {
                secret = (await File.ReadAllTextAsync(tokenFile, cancellationToken)).Trim();
                if (secret.Length == 0)
                {
                    throw new InvalidOperationException($"--admin-token-file {tokenFile} is empty; delete it to have a new token generated, or write a token into it");
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
        if (secret is null)
        {
            return null;
        }
        await store.InsertTokenAsync(new TokenRecord(Hash(secret), "admin", TokenKind.Admin, null), at, null, cancellationToken);
        return secret;
    }
}
