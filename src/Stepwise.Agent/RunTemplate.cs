using System.Text;
using Stepwise.Api;

namespace Stepwise.Agent;

/// <summary>
/// Reads a command line written as one string (<c>stepwise agent --run "dotnet orders.dll --release {version}"</c>)
/// into an <see cref="Artifact"/>: words split on whitespace; "double" or 'single' quotes keep spaces; a backslash
/// escapes the next character.
/// </summary>
public static class RunTemplate
{
    public static Artifact Parse(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\' && quote != '\'' && i + 1 < text.Length)
            {
                word.Append(text[++i]);
                inWord = true;
            }
            else if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }
        if (quote is not null)
        {
            throw new FormatException($"unterminated {quote} quote in the run template");
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        if (words.Count == 0)
        {
            throw new FormatException("the run template is empty; write the program and its arguments, e.g. \"dotnet app.dll --port {port}\"");
        }
        return new Artifact(words[0], words[1..]);
    }
}
