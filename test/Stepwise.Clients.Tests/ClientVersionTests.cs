using CsCheck;

namespace Stepwise.Clients.Tests;

/// <summary>The version grammar (SemVer 2.0.0, patch optional) and its precedence.</summary>
public sealed class ClientVersionTests
{
    [Theory]
    [InlineData("4.2.1", "4.2.1")]
    [InlineData("4.2", "4.2.0")]
    [InlineData("0.0.0", "0.0.0")]
    [InlineData("1.0.0-alpha.1", "1.0.0-alpha.1")]
    [InlineData("1.0-rc.1", "1.0.0-rc.1")]
    [InlineData("1.0.0+build.7", "1.0.0")]
    [InlineData("1.0.0-beta+exp.sha.5114f85", "1.0.0-beta")]
    [InlineData("1.0.0-0.3.7", "1.0.0-0.3.7")]
    [InlineData("1.0.0-x-y-z.--", "1.0.0-x-y-z.--")]
    [InlineData("123456789012345678901234567890.0.0", "123456789012345678901234567890.0.0")]
    public void valid_versions_parse_to_their_normalised_text(string text, string normalised)
    {
        ClientVersion.TryParse(text, out var version).ShouldBeTrue();
        version!.Text.ShouldBe(normalised);
    }

    [Theory]
    [InlineData("")]
    [InlineData("4")]
    [InlineData("4.")]
    [InlineData("4.2.")]
    [InlineData("04.2.1")]
    [InlineData("4.02.1")]
    [InlineData("4.2.01")]
    [InlineData("4.2.1.0")]
    [InlineData("v4.2.1")]
    [InlineData("4.2.1-")]
    [InlineData("4.2.1-01")]
    [InlineData("4.2.1-a..b")]
    [InlineData("4.2.1+")]
    [InlineData("4.2.1+a+b")]
    [InlineData("4.2.1-\u00e9")]
    [InlineData("\u0664.2.1")] // a non-ASCII digit
    [InlineData(" 4.2.1")]
    [InlineData("4.2.1 ")]
    public void invalid_versions_do_not_parse(string text) => ClientVersion.TryParse(text, out _).ShouldBeFalse();

    [Fact]
    public void a_version_over_64_characters_does_not_parse() =>
        ClientVersion.TryParse("1.0.0-" + new string('a', 59), out _).ShouldBeFalse();

    [Fact]
    public void precedence_follows_semver_section_11()
    {
        // The order the SemVer 2.0.0 specification gives as its example, plus numeric (not text) order of numbers.
        string[] ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0", "10.0.0"];
        var versions = ordered.Select(ClientVersion.Parse).ToList();
        for (var i = 0; i < versions.Count; i++)
        {
            for (var j = 0; j < versions.Count; j++)
            {
                Math.Sign(versions[i].CompareTo(versions[j])).ShouldBe(Math.Sign(i.CompareTo(j)), $"{ordered[i]} vs {ordered[j]}");
            }
        }
        ClientVersion.Parse("1.0.0+a").ShouldBe(ClientVersion.Parse("1.0.0+b"));
        ClientVersion.Parse("4.2").ShouldBe(ClientVersion.Parse("4.2.0"));
    }

    private static readonly Gen<string> Identifier = Gen.String[Gen.Char["0123456789abcXYZ-"], 1, 6].Where(s => !(s.All(char.IsAsciiDigit) && s.Length > 1 && s[0] == '0'));

    private static readonly Gen<string> Number = Gen.OneOf(Gen.Const("0"), Gen.Select(Gen.Char['1', '9'], Gen.String[Gen.Char['0', '9'], 0, 4], (a, b) => a + b));

    internal static readonly Gen<string> ValidVersion = Gen.Select(
        Number, Number, Number.Null(), Identifier.Array[1, 3].Select(ids => string.Join('.', ids)).Null(), (major, minor, patch, pre) =>
            $"{major}.{minor}{(patch is null ? "" : "." + patch)}{(pre is null ? "" : "-" + pre)}");

    [Fact]
    public void generated_valid_versions_parse_and_their_text_parses_to_the_same_version() =>
        ValidVersion.Sample(text =>
        {
            ClientVersion.TryParse(text, out var version).ShouldBeTrue(text);
            ClientVersion.Parse(version!.Text).ShouldBe(version);
            ClientVersion.Parse(version.Text).Text.ShouldBe(version.Text);
        });

    [Fact]
    public void precedence_is_a_total_order_on_generated_versions() =>
        Gen.Select(ValidVersion, ValidVersion, ValidVersion).Sample((a, b, c) =>
        {
            var (x, y, z) = (ClientVersion.Parse(a), ClientVersion.Parse(b), ClientVersion.Parse(c));
            Math.Sign(x.CompareTo(y)).ShouldBe(-Math.Sign(y.CompareTo(x)));
            if (x <= y && y <= z)
            {
                (x <= z).ShouldBeTrue($"{a} <= {b} <= {c}");
            }
            (x.CompareTo(y) == 0).ShouldBe(x.Text == y.Text);
        });

    [Fact]
    public void hostile_input_never_throws_and_takes_bounded_time() =>
        Gen.OneOf(Gen.String, Gen.String[Gen.Char["0123456789.-+aZ\0\u00ff"], 0, 200], Gen.String[Gen.Char, 0, 10_000]).Sample(text =>
        {
            if (ClientVersion.TryParse(text, out var version))
            {
                version.Text.Length.ShouldBeLessThanOrEqualTo(ClientVersion.MaxLength + 2); // ".0" may be added
                version.Text.ShouldAllBe(c => char.IsAsciiLetterOrDigit(c) || c == '.' || c == '-');
            }
        }, iter: 20_000);
}
