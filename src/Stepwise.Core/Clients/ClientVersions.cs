namespace Stepwise.Core.Clients;

/// <summary>
/// The client grammar of docs/clients.md, shared by the server (telemetry, policy) and the simulator: an app name of
/// 1 to 64 ASCII letters, digits, '.', '_' or '-', and a Semantic Versioning 2.0.0 version whose patch may be left out,
/// normalised (patch filled in, build metadata dropped) and compared by SemVer precedence. Pure.
/// </summary>
public static class ClientVersions
{
    /// <summary>The app and version of a client that did not name itself.</summary>
    public const string Unknown = "unknown";

    public const int MaxAppLength = 64;
    public const int MaxVersionLength = 64;

    /// <summary>Why <paramref name="app"/> is not an app name, or null.</summary>
    public static string? CheckApp(string? app, string what = "app")
    {
        if (string.IsNullOrEmpty(app))
        {
            return $"{what} is missing or empty";
        }
        if (app.Length > MaxAppLength)
        {
            return $"{what} has {app.Length} characters; an app name has at most {MaxAppLength}";
        }
        foreach (var c in app)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"{what} '{Model.Identifiers.Printable(app)}' holds '{Model.Identifiers.Printable(c.ToString())}'; an app name takes ASCII letters, digits, '.', '_' and '-' only";
            }
        }
        return null;
    }

    /// <summary>
    /// The normalised version (4.2 → 4.2.0, 4.2.1+b.7 → 4.2.1), or null when <paramref name="version"/> is outside the
    /// grammar. A version already normal is returned as it is, without allocating.
    /// </summary>
    public static string? Normalise(string? version)
    {
        if (string.IsNullOrEmpty(version) || version.Length > MaxVersionLength)
        {
            return null;
        }
        var text = version.AsSpan();
        var plus = text.IndexOf('+');
        if (plus >= 0 && !Identifiers(text[(plus + 1)..], numericRule: false))
        {
            return null;
        }
        var body = plus >= 0 ? text[..plus] : text;
        var dash = body.IndexOf('-');
        var core = dash >= 0 ? body[..dash] : body;
        if (dash >= 0 && !Identifiers(body[(dash + 1)..], numericRule: true))
        {
            return null;
        }
        var parts = 0;
        foreach (var range in core.Split('.'))
        {
            if (++parts > 3 || !Number(core[range]))
            {
                return null;
            }
        }
        if (parts < 2)
        {
            return null;
        }
        if (parts == 3 && plus < 0)
        {
            return version;
        }
        return parts == 2 ? string.Concat(core, ".0", body[core.Length..]) : body.ToString();
    }

    /// <summary>Why <paramref name="version"/> is not a client version, or null.</summary>
    public static string? CheckVersion(string? version, string what = "version") =>
        Normalise(version) is null
            ? $"{what} '{Model.Identifiers.Printable(version ?? "")}' is not a client version (MAJOR.MINOR[.PATCH][-PRERELEASE][+BUILD], at most {MaxVersionLength} characters, e.g. 4.2.1)"
            : null;

    /// <summary>Why <paramref name="operation"/> is not an operation key ("GET /orders/{id}": METHOD, one space, a path), or null.</summary>
    public static string? CheckOperation(string? operation, string what = "operation")
    {
        if (Model.Identifiers.CheckText(operation, what) is { } bad)
        {
            return bad;
        }
        var space = operation!.IndexOf(' ');
        var path = space + 1 < operation.Length ? operation.AsSpan(space + 1) : [];
        var ok = space is >= 1 and <= 16 && !operation.AsSpan(0, space).ContainsAnyExceptInRange('A', 'Z') &&
                 path.Length > 0 && path[0] == '/' && !ContainsWhiteSpaceOrControl(path);
        return ok ? null : $"{what} '{Model.Identifiers.Printable(operation)}' is not an operation key (an upper-case HTTP method, one space, a path starting with '/', e.g. 'GET /orders/{{id}}')";
    }

    /// <summary>SemVer precedence of two versions in the grammar (normalised or not): negative when <paramref name="a"/> is older.</summary>
    public static int Compare(string a, string b)
    {
        var x = Normalise(a) ?? throw new ArgumentException($"'{a}' is not a client version", nameof(a));
        var y = Normalise(b) ?? throw new ArgumentException($"'{b}' is not a client version", nameof(b));
        var (xCore, xPre) = Split(x);
        var (yCore, yPre) = Split(y);
        var xs = xCore.Split('.');
        var ys = yCore.Split('.');
        for (var i = 0; i < 3; i++)
        {
            var c = CompareNumbers(xs[i], ys[i]);
            if (c != 0)
            {
                return c;
            }
        }
        if (xPre is null || yPre is null)
        {
            return xPre is null ? (yPre is null ? 0 : 1) : -1;
        }
        var xi = xPre.Split('.');
        var yi = yPre.Split('.');
        for (var i = 0; i < Math.Min(xi.Length, yi.Length); i++)
        {
            var xn = xi[i].All(char.IsAsciiDigit);
            var yn = yi[i].All(char.IsAsciiDigit);
            var c = xn && yn ? CompareNumbers(xi[i], yi[i]) : xn ? -1 : yn ? 1 : string.CompareOrdinal(xi[i], yi[i]);
            if (c != 0)
            {
                return Math.Sign(c);
            }
        }
        return xi.Length.CompareTo(yi.Length);
    }

    /// <summary>Whether a client of <paramref name="version"/> is below <paramref name="minimum"/> (an unknown client never is).</summary>
    public static bool Below(string version, string minimum) =>
        version != Unknown && Normalise(version) is not null && Normalise(minimum) is not null && Compare(version, minimum) < 0;

    /// <summary>"1.x" for a version: the major line clients are grouped by in messages.</summary>
    public static string MajorLine(string version)
    {
        var dot = version.IndexOf('.');
        return dot > 0 && version[..dot].All(char.IsAsciiDigit) ? version[..dot] + ".x" : version;
    }

    private static (string Core, string? Pre) Split(string normal)
    {
        var dash = normal.IndexOf('-');
        return dash < 0 ? (normal, null) : (normal[..dash], normal[(dash + 1)..]);
    }

    private static int CompareNumbers(string a, string b) =>
        a.Length != b.Length ? a.Length.CompareTo(b.Length) : Math.Sign(string.CompareOrdinal(a, b));

    private static bool Number(ReadOnlySpan<char> s) => s.Length > 0 && !s.ContainsAnyExceptInRange('0', '9') && (s.Length == 1 || s[0] != '0');

    private static bool ContainsWhiteSpaceOrControl(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Identifiers(ReadOnlySpan<char> s, bool numericRule)
    {
        if (s.Length == 0)
        {
            return false;
        }
        foreach (var range in s.Split('.'))
        {
            var id = s[range];
            if (id.Length == 0)
            {
                return false;
            }
            foreach (var c in id)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
                {
                    return false;
                }
            }
            if (numericRule && id.Length > 1 && id[0] == '0' && !id.ContainsAnyExceptInRange('0', '9'))
            {
                return false;
            }
        }
        return true;
    }
}
