using System.Diagnostics.CodeAnalysis;

namespace Stepwise.Clients;

/// <summary>
/// Who is calling: a client app and its version, as a client sends them in the <c>Stepwise-Client</c> header,
/// <c>app/version</c> (<c>ios-app/4.2.1</c>). The app is 1 to 64 of <c>A-Z a-z 0-9 . _ -</c>; the version is a
/// <see cref="ClientVersion"/>. Anything else is <see cref="Unknown"/>: never an error.
/// </summary>
public sealed class ClientIdentity : IEquatable<ClientIdentity>
{
    /// <summary>The longest app name, in characters.</summary>
    public const int MaxAppLength = 64;

    /// <summary>The longest header value: app, slash, version.</summary>
    public const int MaxLength = MaxAppLength + 1 + ClientVersion.MaxLength;

    /// <summary>The spelling of an unknown app and version.</summary>
    public const string UnknownText = "unknown";

    private readonly int hash;

    private ClientIdentity(string app, string version, ClientVersion? parsed)
    {
        App = app;
        Version = version;
        Parsed = parsed;
        hash = HashCode.Combine(string.GetHashCode(app, StringComparison.Ordinal), string.GetHashCode(version, StringComparison.Ordinal));
    }

    /// <summary>A missing or malformed identity: app <c>unknown</c>, version <c>unknown</c>.</summary>
    public static ClientIdentity Unknown { get; } = new(UnknownText, UnknownText, null);

    /// <summary>The client app, e.g. <c>ios-app</c>.</summary>
    public string App { get; }

    /// <summary>The normalised version, e.g. <c>4.2.1</c> (see <see cref="ClientVersion.Text"/>), or <c>unknown</c>.</summary>
    public string Version { get; }

    /// <summary>The parsed version; null for <see cref="Unknown"/>.</summary>
    public ClientVersion? Parsed { get; }

    /// <summary>False for <see cref="Unknown"/>.</summary>
    [MemberNotNullWhen(true, nameof(Parsed))]
    public bool IsKnown => Parsed is not null;

    /// <summary>Parses a header value <c>app/version</c>; false for anything outside the grammar.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out ClientIdentity? identity)
    {
        identity = null;
        var slash = value.IndexOf('/');
        if (slash < 0 || !IsValidApp(value[..slash]) || !ClientVersion.TryParse(value[(slash + 1)..], out var version))
        {
            return false;
        }
        identity = new ClientIdentity(value[..slash].ToString(), version.Text, version);
        return true;
    }

    /// <summary>The identity of a header value, or <see cref="Unknown"/> when it is outside the grammar.</summary>
    public static ClientIdentity Parse(ReadOnlySpan<char> value) => TryParse(value, out var identity) ? identity : Unknown;

    /// <summary>Builds an identity from its parts, or throws <see cref="ArgumentException"/> naming the grammar.</summary>
    public static ClientIdentity Create(string app, string version)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(version);
        if (!IsValidApp(app))
        {
            throw new ArgumentException($"'{app}' is not a client app name: give 1 to {MaxAppLength} of the characters A-Z a-z 0-9 . _ -", nameof(app));
        }
        if (!ClientVersion.TryParse(version, out var parsed))
        {
            throw new ArgumentException($"'{version}' is not a client version: give a Semantic Versioning 2.0.0 version such as 4.2.1 (the patch may be left out: 4.2), at most {ClientVersion.MaxLength} characters", nameof(version));
        }
        return new ClientIdentity(app, parsed.Text, parsed);
    }

    /// <summary>True for 1 to 64 of <c>A-Z a-z 0-9 . _ -</c>.</summary>
    public static bool IsValidApp(ReadOnlySpan<char> app)
    {
        if (app.Length is 0 or > MaxAppLength)
        {
            return false;
        }
        foreach (var c in app)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc />
    public bool Equals(ClientIdentity? other) =>
        ReferenceEquals(this, other) ||
        (other is not null && hash == other.hash && string.Equals(App, other.App, StringComparison.Ordinal) && string.Equals(Version, other.Version, StringComparison.Ordinal));

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ClientIdentity other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => hash;

    /// <summary>The header value, <c>app/version</c>.</summary>
    public override string ToString() => $"{App}/{Version}";
}
