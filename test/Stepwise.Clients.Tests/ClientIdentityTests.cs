using CsCheck;
using Microsoft.AspNetCore.Http;
using Stepwise.Clients.Identity;

namespace Stepwise.Clients.Tests;

/// <summary>The Stepwise-Client header grammar, <c>app/version</c>, and its reader.</summary>
public sealed class ClientIdentityTests
{
    [Theory]
    [InlineData("ios-app/4.2.1", "ios-app", "4.2.1")]
    [InlineData("web_client.v2/1.0", "web_client.v2", "1.0.0")]
    [InlineData("A/0.0.1-rc.1+sha.1", "A", "0.0.1-rc.1")]
    public void a_valid_header_names_the_app_and_the_normalised_version(string header, string app, string version)
    {
        var identity = ClientIdentity.Parse(header);
        (identity.App, identity.Version, identity.IsKnown).ShouldBe((app, version, true));
        identity.ToString().ShouldBe($"{app}/{version}");
    }

    [Theory]
    [InlineData("i\u00f6s-app/4.2.1")]
    [InlineData("ios-app/\u0661.0.0")]
    [InlineData("ios-app/4.2.1\r\nX-Evil: 1")]
    [InlineData("ios-app/4.2.1\0")]
    [InlineData("ios-app//4.2.1")]
    public void non_ascii_and_control_characters_make_the_identity_unknown(string header) =>
        ClientIdentity.Parse(header).ShouldBeSameAs(ClientIdentity.Unknown);

    [Fact]
    public void create_refuses_what_a_server_would_count_as_unknown()
    {
        Should.Throw<ArgumentException>(() => ClientIdentity.Create("ios app", "4.2.1")).Message.ShouldContain("app name");
        Should.Throw<ArgumentException>(() => ClientIdentity.Create("ios-app", "4")).Message.ShouldContain("client version");
        Should.Throw<ArgumentException>(() => ClientIdentity.Create(new string('a', 65), "4.2.1"));
    }

    internal static readonly Gen<string> ValidApp = Gen.String[Gen.Char["abcXYZ019._-"], 1, 64];

    [Fact]
    public void generated_valid_identities_round_trip_through_their_header_value() =>
        Gen.Select(ValidApp, ClientVersionTests.ValidVersion).Sample((app, version) =>
        {
            var identity = ClientIdentity.Create(app, version);
            ClientIdentity.Parse(identity.ToString()).ShouldBe(identity);
        });

    [Fact]
    public void the_reader_never_throws_and_caches_a_bounded_number_of_values()
    {
        var reader = new ClientIdentityReader(StepwiseProtocol.ClientHeader, userAgentFallback: true);
        Gen.Select(Gen.OneOf(Gen.String, Gen.String[Gen.Char, 0, 5_000], Gen.Select(ValidApp, ClientVersionTests.ValidVersion, (a, v) => $"{a}/{v}")), Gen.Bool).Sample((value, asAgent) =>
        {
            var headers = new HeaderDictionary { [asAgent ? "User-Agent" : StepwiseProtocol.ClientHeader] = value };
            var identity = reader.Read(headers);
            if (identity.IsKnown)
            {
                ClientIdentity.Parse(identity.ToString()).ShouldBe(identity);
            }
            else
            {
                identity.ShouldBeSameAs(ClientIdentity.Unknown);
            }
        }, iter: 20_000);
    }

    [Fact]
    public void surrounding_whitespace_is_not_part_of_the_value()
    {
        var reader = new ClientIdentityReader(StepwiseProtocol.ClientHeader, userAgentFallback: false);
        reader.Read(new HeaderDictionary { [StepwiseProtocol.ClientHeader] = " ios-app/4.2.1\t" }).ToString().ShouldBe("ios-app/4.2.1");
    }
}
