namespace Stepwise.Clients.Http;

/// <summary>One link-value of an RFC 8288 Link header: the target and its relation types.</summary>
internal readonly record struct LinkValue(string Target, IReadOnlyList<string> Relations);

/// <summary>
/// Reads RFC 8288 Link field values: <c>&lt;uri&gt;; rel="a b"; type="text/html", &lt;uri2&gt;; rel=c</c>. Linear in
/// the input, never throws: a malformed link-value is skipped up to the next comma outside quotes and brackets.
/// </summary>
internal static class LinkHeader
{
    public static List<LinkValue> Parse(string value)
    {
        var links = new List<LinkValue>();
        var i = 0;
        while (i < value.Length)
        {
            SkipSpace(value, ref i);
            if (i >= value.Length)
            {
                break;
            }
            if (value[i] != '<')
            {
                SkipToNextLink(value, ref i);
                continue;
            }
            var close = value.IndexOf('>', i + 1);
            if (close < 0)
            {
                break;
            }
            var target = value[(i + 1)..close].Trim();
            i = close + 1;
            var relations = new List<string>();
            var ok = true;
            while (true)
            {
                SkipSpace(value, ref i);
                if (i >= value.Length || value[i] == ',')
                {
                    i++;
                    break;
                }
                if (value[i] != ';')
                {
                    ok = false;
                    SkipToNextLink(value, ref i);
                    break;
                }
                i++;
                SkipSpace(value, ref i);
                var name = Token(value, ref i);
                SkipSpace(value, ref i);
                string? parameter = null;
                if (i < value.Length && value[i] == '=')
                {
                    i++;
                    SkipSpace(value, ref i);
                    parameter = i < value.Length && value[i] == '"' ? Quoted(value, ref i) : Token(value, ref i);
                }
                // RFC 8288 3.3: only the first rel parameter counts; its value is a space-separated list.
                if (name.Equals("rel", StringComparison.OrdinalIgnoreCase) && parameter is not null && relations.Count == 0)
                {
                    relations.AddRange(parameter.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => r.ToLowerInvariant()));
                }
                if (name.Length == 0)
                {
                    ok = false;
                    SkipToNextLink(value, ref i);
                    break;
                }
            }
            if (ok && target.Length > 0)
            {
                links.Add(new LinkValue(target, relations));
            }
        }
        return links;
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
    }

    private static string Token(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || "!#$%&'*+-.^_`|~/:".Contains(s[i])))
        {
            i++;
        }
        return s[start..i];
    }

    private static string Quoted(string s, ref int i)
    {
        var text = new System.Text.StringBuilder();
        i++; // opening quote
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }
            text.Append(s[i]);
            i++;
        }
        i++; // closing quote (or past the end)
        return text.ToString();
    }

    // Past the next comma that is outside a quoted string and a <...> target.
    private static void SkipToNextLink(string s, ref int i)
    {
        var quoted = false;
        var bracketed = false;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (quoted)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
            }
            else if (bracketed)
            {
                bracketed = c != '>';
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == '<')
            {
                bracketed = true;
            }
            else if (c == ',')
            {
                i++;
                return;
            }
        }
    }
}
