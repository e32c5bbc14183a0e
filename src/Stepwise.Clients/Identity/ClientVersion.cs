using System.Diagnostics.CodeAnalysis;

namespace Stepwise.Clients;

/// <summary>
/// A client version: Semantic Versioning 2.0.0 (<c>MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]</c>), where the patch may be
/// left out (<c>4.2</c> is <c>4.2.0</c>). <see cref="Text"/> is the normalised spelling Stepwise reports: the patch
/// filled in and build metadata dropped (it does not take part in precedence). Comparison is SemVer precedence.
/// Numbers have no size limit: numeric identifiers compare by length, then digit by digit.
/// </summary>
public sealed class ClientVersion : IComparable<ClientVersion>, IEquatable<ClientVersion>
{
    /// <summary>The longest version accepted, in characters.</summary>
    public const int MaxLength = 64;

    private readonly int minorStart;
    private readonly int patchStart;
    private readonly int prereleaseStart; // index after '-', or -1

    private ClientVersion(string text, int minorStart, int patchStart, int prereleaseStart)
    {
        Text = text;
        this.minorStart = minorStart;
        this.patchStart = patchStart;
        this.prereleaseStart = prereleaseStart;
    }

    /// <summary>The normalised version, e.g. <c>4.2.0-beta.1</c>.</summary>
    public string Text { get; }

    /// <summary>True for a pre-release (<c>4.2.0-beta.1</c>).</summary>
    public bool IsPrerelease => prereleaseStart >= 0;

    private ReadOnlySpan<char> Major => Text.AsSpan(0, minorStart - 1);

    private ReadOnlySpan<char> Minor => Text.AsSpan(minorStart, patchStart - 1 - minorStart);

    private ReadOnlySpan<char> Patch => Text.AsSpan(patchStart, (prereleaseStart < 0 ? Text.Length + 1 : prereleaseStart) - 1 - patchStart);

    private ReadOnlySpan<char> Prerelease => prereleaseStart < 0 ? default : Text.AsSpan(prereleaseStart);

    /// <summary>Parses a version; false (never an exception) for anything outside the grammar or over <see cref="MaxLength"/>.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, [NotNullWhen(true)] out ClientVersion? version)
    {
        version = null;
        if (!IsValid(value, out var coreEnd, out var patchPresent, out var prereleaseEnd))
        {
            return false;
        }
        // Normalised text: the core (with ".0" when the patch is missing) and the pre-release, without build metadata.
        var text = patchPresent
            ? value[..prereleaseEnd].ToString()
            : string.Concat(value[..coreEnd], ".0", value[coreEnd..prereleaseEnd]);
        var firstDot = text.IndexOf('.');
        var secondDot = text.IndexOf('.', firstDot + 1);
        var dash = text.IndexOf('-');
        version = new ClientVersion(text, firstDot + 1, secondDot + 1, dash < 0 ? -1 : dash + 1);
        return true;
    }

    /// <summary>Parses a version or throws <see cref="FormatException"/> naming the grammar.</summary>
    public static ClientVersion Parse(string value) =>
        TryParse(value, out var version)
            ? version
            : throw new FormatException($"'{value}' is not a client version: expected Semantic Versioning 2.0.0 such as 4.2.1 or 4.2.1-beta.1 (the patch may be left out: 4.2), at most {MaxLength} characters");

    /// <summary>
    /// Checks the grammar without allocating. <paramref name="coreEnd"/> is where MAJOR.MINOR[.PATCH] ends and
    /// <paramref name="prereleaseEnd"/> where the pre-release ends (the start of build metadata, or the end).
    /// </summary>
    internal static bool IsValid(ReadOnlySpan<char> value, out int coreEnd, out bool patchPresent, out int prereleaseEnd)
    {
        coreEnd = prereleaseEnd = 0;
        patchPresent = false;
        if (value.Length is 0 or > MaxLength)
        {
            return false;
        }
        var i = 0;
        if (!NumericIdentifier(value, ref i) || !Expect(value, ref i, '.') || !NumericIdentifier(value, ref i))
        {
            return false;
        }
        if (i < value.Length && value[i] == '.')
        {
            i++;
            if (!NumericIdentifier(value, ref i))
            {
                return false;
            }
            patchPresent = true;
        }
        coreEnd = i;
        if (i < value.Length && value[i] == '-')
        {
            i++;
            if (!DotSeparated(value, ref i, prerelease: true))
            {
                return false;
            }
        }
        prereleaseEnd = i;
        if (i < value.Length && value[i] == '+')
        {
            i++;
            if (!DotSeparated(value, ref i, prerelease: false))
            {
                return false;
            }
        }
        return i == value.Length;
    }

    private static bool Expect(ReadOnlySpan<char> s, ref int i, char c)
    {
        if (i < s.Length && s[i] == c)
        {
            i++;
            return true;
        }
        return false;
    }

    // "0" | [1-9][0-9]*
    private static bool NumericIdentifier(ReadOnlySpan<char> s, ref int i)
    {
        var start = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }
        return i > start && (s[start] != '0' || i - start == 1);
    }

    // Identifiers of [0-9A-Za-z-]+ separated by dots; in a pre-release, a numeric identifier has no leading zero.
    private static bool DotSeparated(ReadOnlySpan<char> s, ref int i, bool prerelease)
    {
        while (true)
        {
            var start = i;
            var allDigits = true;
            while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '-'))
            {
                allDigits &= char.IsAsciiDigit(s[i]);
                i++;
            }
            if (i == start || (prerelease && allDigits && s[start] == '0' && i - start > 1))
            {
                return false;
            }
            if (i >= s.Length || s[i] != '.')
            {
                return true;
            }
            i++;
        }
    }

    /// <summary>SemVer 2.0.0 precedence (section 11).</summary>
    public int CompareTo(ClientVersion? other)
    {
        if (other is null)
        {
            return 1;
        }
        if (ReferenceEquals(this, other))
        {
            return 0;
        }
        var c = CompareNumeric(Major, other.Major);
        if (c == 0)
        {
            c = CompareNumeric(Minor, other.Minor);
        }
        if (c == 0)
        {
            c = CompareNumeric(Patch, other.Patch);
        }
        if (c != 0)
        {
            return c;
        }
        // A pre-release ranks below its release.
        return (IsPrerelease, other.IsPrerelease) switch
        {
            (false, false) => 0,
            (true, false) => -1,
            (false, true) => 1,
            _ => ComparePrerelease(Prerelease, other.Prerelease),
        };
    }

    private static int CompareNumeric(ReadOnlySpan<char> a, ReadOnlySpan<char> b) =>
        a.Length != b.Length ? a.Length.CompareTo(b.Length) : Math.Sign(a.SequenceCompareTo(b));

    private static int ComparePrerelease(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        while (true)
        {
            if (a.IsEmpty || b.IsEmpty)
            {
                return a.IsEmpty == b.IsEmpty ? 0 : a.IsEmpty ? -1 : 1; // more identifiers rank higher
            }
            var x = NextIdentifier(ref a);
            var y = NextIdentifier(ref b);
            var xNumeric = IsNumeric(x);
            var yNumeric = IsNumeric(y);
            var c = (xNumeric, yNumeric) switch
            {
                (true, true) => CompareNumeric(x, y),
                (true, false) => -1, // numeric identifiers rank below alphanumeric ones
                (false, true) => 1,
                _ => Math.Sign(x.SequenceCompareTo(y)), // ASCII order
            };
            if (c != 0)
            {
                return c;
            }
        }
    }

    private static ReadOnlySpan<char> NextIdentifier(ref ReadOnlySpan<char> rest)
    {
        var dot = rest.IndexOf('.');
        var id = dot < 0 ? rest : rest[..dot];
        rest = dot < 0 ? default : rest[(dot + 1)..];
        return id;
    }

    private static bool IsNumeric(ReadOnlySpan<char> id) => !id.ContainsAnyExcept("0123456789");

    /// <inheritdoc />
    public bool Equals(ClientVersion? other) => other is not null && CompareTo(other) == 0;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ClientVersion other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => string.GetHashCode(Text, StringComparison.Ordinal);

    /// <summary>The normalised version.</summary>
    public override string ToString() => Text;

    /// <summary>Precedence: lower.</summary>
    public static bool operator <(ClientVersion left, ClientVersion right) => left.CompareTo(right) < 0;

    /// <summary>Precedence: higher.</summary>
    public static bool operator >(ClientVersion left, ClientVersion right) => left.CompareTo(right) > 0;

    /// <summary>Precedence: lower or equal.</summary>
    public static bool operator <=(ClientVersion left, ClientVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Precedence: higher or equal.</summary>
    public static bool operator >=(ClientVersion left, ClientVersion right) => left.CompareTo(right) >= 0;

    /// <summary>Same precedence.</summary>
    public static bool operator ==(ClientVersion? left, ClientVersion? right) => left?.Equals(right) ?? right is null;

    /// <summary>Different precedence.</summary>
    public static bool operator !=(ClientVersion? left, ClientVersion? right) => !(left == right);
}
