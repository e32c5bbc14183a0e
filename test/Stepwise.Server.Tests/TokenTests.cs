using System.Net;
using System.Net.Http.Json;
using System.Text;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Server.Http;

namespace Stepwise.Server.Tests;

/// <summary>Tokens can be listed, revoked and rotated; names are unique; weak and replaced admin secrets do not work.</summary>
public sealed class TokenTests
{
    [Fact]
    public async Task a_revoked_token_stops_working_at_once_and_a_rotated_one_is_replaced_by_its_new_secret()
    {
        await using var server = await TestServer.StartAsync();
        var read = await server.TokenAsync(TokenKind.Read, "dashboard");
        var agent = await server.TokenAsync(TokenKind.Agent, "agent-n1", "n1");
        using var reader = server.Client(read);
        (await reader.GetAsync(Routes.Nodes.TrimStart('/'))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await server.HeartbeatAsync(agent, "n1", "1.0.0")).StatusCode.ShouldBe(HttpStatusCode.OK); // cached from now on

        (await server.Admin.PostAsync("api/v1/tokens/dashboard/revoke", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var rotate = await server.Admin.PostAsync("api/v1/tokens/agent-n1/rotate", null);

        (await reader.GetAsync(Routes.Nodes.TrimStart('/'))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        rotate.StatusCode.ShouldBe(HttpStatusCode.Created);
        var fresh = (await rotate.Content.ReadFromJsonAsync<TokenCreated>(SnapshotJson.Options))!;
        fresh.Node.ShouldBe("n1");
        (await server.HeartbeatAsync(agent, "n1", "1.0.0")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await server.HeartbeatAsync(fresh.Token, "n1", "1.0.0")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var listed = await server.GetAsync<List<TokenView>>(Routes.Tokens.TrimStart('/'));
        listed.Single(t => t.Name == "dashboard").RevokedAt.ShouldNotBeNull();
        listed.Count(t => t.Name == "agent-n1").ShouldBe(2);
        listed.Single(t => t.Name == "agent-n1" && t.RevokedAt is null).Kind.ShouldBe(TokenKind.Agent);
    }

    [Fact]
    public async Task a_token_name_in_use_is_refused_with_409()
    {
        await using var server = await TestServer.StartAsync();
        await server.TokenAsync(TokenKind.Read, "ci");

        using var again = await server.Admin.PostAsJsonAsync(Routes.Tokens.TrimStart('/'), new TokenBody(TokenKind.Admin, "ci"), SnapshotJson.Options);

        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task a_body_that_gives_a_key_twice_is_refused_not_read_as_the_last_one()
    {
        await using var server = await TestServer.StartAsync();

        using var response = await server.Admin.PostAsync(Routes.Tokens.TrimStart('/'),
            new StringContent("""{"kind":"read","name":"sneaky","kind":"admin"}""", Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await server.GetAsync<List<TokenView>>(Routes.Tokens.TrimStart('/'))).ShouldNotContain(t => t.Name == "sneaky");
    }

    [Theory]
    [InlineData("x")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("short-but-varied-123")]
    public async Task a_weak_admin_secret_is_refused_at_start_up(string secret)
    {
        var error = await Should.ThrowAsync<InvalidOperationException>(() => TestServer.StartAsync(tweak: o => o with { AdminToken = secret }));
        error.Message.ShouldContain("too weak");
        Tokens.Weakness(Tokens.NewSecret()).ShouldBeNull();
    }

    [Fact]
    public async Task a_restart_with_a_new_admin_secret_revokes_the_old_one()
    {
        var directory = TestServer.NewDirectory();
        const string next = "sw_the-next-admin-secret-9876543210";
        await using (var first = await TestServer.StartAsync(directory: directory))
        {
        }
        await using var second = await TestServer.StartAsync(directory: directory, tweak: o => o with { AdminToken = next });

        (await second.Admin.GetAsync(Routes.Nodes.TrimStart('/'))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        using var admin = second.Client(next);
        (await admin.GetAsync(Routes.Nodes.TrimStart('/'))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task an_address_that_keeps_failing_waits_before_its_tokens_are_looked_at()
    {
        await using var server = await TestServer.StartAsync();
        using var stranger = server.Client("sw_not-a-token-of-this-server-at-all");
        for (var i = 0; i < AuthFailures.Free; i++)
        {
            (await stranger.GetAsync(Routes.Nodes.TrimStart('/'))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        using var blocked = await server.Admin.GetAsync(Routes.Nodes.TrimStart('/'));

        blocked.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        blocked.Headers.RetryAfter.ShouldNotBeNull();
        (await TestServer.ProblemAsync(blocked)).GetProperty("type").GetString().ShouldBe(ProblemTypes.RateLimited);
    }

    [Fact]
    public async Task the_sqlite_store_file_is_created_readable_by_its_owner_only()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "file modes are a Unix notion");
        await using var server = await TestServer.StartAsync();

        var mode = OperatingSystem.IsWindows() ? UnixFileMode.None : File.GetUnixFileMode(Path.Combine(server.Directory, "stepwise.db"));

        (mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)).ShouldBe(UnixFileMode.None);
    }
}
