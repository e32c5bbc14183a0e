using System.Text.RegularExpressions;
using Stepwise.Contracts.Schemas.Patterns;

namespace Stepwise.Contracts.Tests;

/// <summary>
/// Patterns read as automata: each matches what .NET's ECMAScript regular expressions match, and whether a reader's
/// pattern accepts everything a writer's pattern (within its length limits) allows is decided, or left undecided.
/// </summary>
public sealed class PatternInclusionTests
{
    private const string Sha = "^[0-9a-fA-F]+$";
    private const string Sha1OrSha256 = "^([0-9a-fA-F]{40}(?:[0-9a-fA-F]{24})?)$";

    public static TheoryData<string> Patterns() =>
    [
        Sha, Sha1OrSha256, "^a", "b$", "ab", "", "^$", "^[a-z0-9_.-]{1,39}$", "^\\d{4}-\\d{2}-\\d{2}$", "^(?:a|bc)*d?$",
        "[^a-c]x", "^\\w+@\\w+\\.com$", "^[\\s\\S]{2,3}$", "x{2,}", "^(a|b)+?c$", "^\\.\\-\\/$", "^[-a]$", "^[a-]$", "a|^b|c$",
        "^(?<name>ab)+$", "^[\\d.]+$", "^\\x41\\u0042$", ".",
    ];

    [Theory]
    [MemberData(nameof(Patterns))]
    public void an_automaton_matches_what_an_ecmascript_regular_expression_matches(string pattern)
    {
        var automaton = PatternAutomaton.Of(pattern).ShouldNotBeNull();
        var regex = new Regex(pattern, RegexOptions.ECMAScript);
        var random = new Random(pattern.Length * 7919);
        // .NET differs from ECMAScript on line terminators ('.', '$'), so strings are drawn without them.
        const string alphabet = "abcdxyzABF019_.-/@ ";
        for (var i = 0; i < 3000; i++)
        {
            var text = new string(Enumerable.Range(0, random.Next(0, 8)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
            if (i % 10 == 0)
            {
                text = new string('a', random.Next(0, 3)) + new string('f', random.Next(38, 66));
            }
            automaton.Matches(text).ShouldBe(regex.IsMatch(text), $"'{text}' against /{pattern}/");
        }
    }

    [Theory]
    [InlineData("^(a)\\1$")]
    [InlineData("^(?=a)a$")]
    [InlineData("(?<!a)b")]
    [InlineData("\\bword\\b")]
    [InlineData("^\\p{L}+$")]
    [InlineData("a{2")]
    [InlineData("a]")]
    [InlineData("(^a$)")]
    [InlineData("a{1001}")]
    [InlineData("[z-a]")]
    [InlineData("a**")]
    [InlineData("(a{1000}){1000}")]
    public void syntax_outside_what_is_read_is_not_decided(string pattern)
    {
        PatternAutomaton.Of(pattern).ShouldBeNull();
        PatternInclusion.Accepts(pattern, "^a$", null, null).ShouldBeNull();
        PatternInclusion.Accepts("^a$", pattern, null, null).ShouldBeNull();
    }

    [Theory]
    [InlineData(Sha, Sha1OrSha256, 40, 64, true)] // every 40- or 64-digit SHA is hexadecimal
    [InlineData(Sha1OrSha256, Sha, 40, 40, true)] // a 40-digit value is a SHA-1
    [InlineData(Sha1OrSha256, Sha, 40, null, false)] // 41 digits are not
    [InlineData(Sha1OrSha256, Sha, null, null, false)]
    [InlineData("^a", "^ab", null, null, true)]
    [InlineData("^ab", "^a", null, null, false)]
    [InlineData("^a", "^b", null, null, false)]
    [InlineData("a", "^xa$", null, null, true)] // a pattern matches anywhere in the string
    [InlineData("^\\d+$", "^[0-9]+$", null, null, true)]
    [InlineData("^[0-9]+$", "^\\d+$", null, null, true)]
    [InlineData("^[a-z]+$", null, 1, null, false)]
    [InlineData("^[a-z]*$", null, 0, 0, true)] // the writer sends only the empty string
    [InlineData(".*", null, null, null, true)] // matches the empty string anywhere: every string
    [InlineData("^.*$", null, null, null, false)] // '.' is no line terminator
    [InlineData("^(?:[a-z]{2}|[0-9]{2})$", "^[a-z0-9]{2}$", null, null, false)] // "a1"
    [InlineData("^[a-z0-9]{2}$", "^(?:[a-z]{2}|[0-9]{2})$", null, null, true)]
    public void a_reader_pattern_accepts_what_the_writer_may_send_or_not(string reader, string? writer, int? min, int? max, bool accepts)
    {
        PatternInclusion.Accepts(reader, writer, min, max).ShouldBe(accepts);
    }

    [Fact]
    public void a_deeply_nested_or_costly_pattern_is_not_decided_and_ends_quickly()
    {
        PatternAutomaton.Of(new string('(', 100_000) + "a" + new string(')', 100_000)).ShouldBeNull();
        var started = System.Diagnostics.Stopwatch.StartNew();
        // "The 21st character from the end is an a": 2^21 combined states, too many to explore.
        const string pattern = "^[ab]*a[ab]{20}$";
        PatternInclusion.Accepts(pattern, pattern, null, null).ShouldBeNull();
        PatternInclusion.Accepts("^[ab]*a[ab]{5}$", "^[ab]*a[ab]{5}$", null, null).ShouldBe(true);
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void a_reader_without_a_pattern_accepts_everything_and_an_empty_length_range_sends_nothing()
    {
        // ECMAScript's empty class matches nothing and its negation everything (.NET reads both differently).
        PatternAutomaton.Of("^[]$").ShouldNotBeNull().Matches("a").ShouldBeFalse();
        PatternAutomaton.Of("^[^]$").ShouldNotBeNull().Matches("\n").ShouldBeTrue();
        PatternInclusion.Accepts(null, "^(a)\\1$", null, null).ShouldBe(true);
        PatternInclusion.Accepts("^b$", "^a$", 3, 2).ShouldBe(true);
    }
}
