using System.Net;
using System.Text.Json;

namespace Stepwise.Clients.Tests;

/// <summary>The upgrade-required answer through real HTTP: removed operations and minimum versions.</summary>
public sealed class UpgradeRequiredTests
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe((HttpStatusCode)426);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var problem = document.RootElement.Clone();
        problem.GetProperty("type").GetString().ShouldBe("https://stepwise.dev/problems/upgrade-required");
        problem.GetProperty("title").GetString().ShouldBe("upgrade required");
        problem.GetProperty("status").GetInt32().ShouldBe(426);
        problem.GetProperty("detail").GetString().ShouldNotBeNullOrWhiteSpace();
        return problem;
    }

    private static string? Member(JsonElement problem, string name) => problem.TryGetProperty(name, out var value) ? value.GetString() : null;

    [Fact]
    public async Task old_client_calling_a_removed_operation_gets_the_upgrade_required_problem()
    {
        await using var app = await ServiceApp.StartAsync(o => o.Policy.Remove("DELETE /orders/{id}", "1.4.0"));

        var response = await app.SendAsync(HttpMethod.Delete, "/orders/7", "ios-app/4.2.1");

        var problem = await ProblemAsync(response);
        Member(problem, "operation").ShouldBe("DELETE /orders/{id}");
        Member(problem, "removedIn").ShouldBe("1.4.0");
        Member(problem, "client").ShouldBe("ios-app/4.2.1");
        Member(problem, "minimumVersion").ShouldBeNull(); // no minimum for ios-app
        Member(problem, "detail")!.ShouldContain("DELETE /orders/{id} was removed from orders in release 1.4.0");
        response.Headers.Contains("Upgrade").ShouldBeFalse(); // a client upgrade, not a protocol one (docs/clients.md)
    }

    [Fact]
    public async Task removed_operation_matches_any_path_of_its_template_and_only_its_method()
    {
        await using var app = await ServiceApp.StartAsync(o => o.Policy.Remove("DELETE /orders/{id}", "1.4.0").Remove("GET /reports/{year}/{month}", "1.3.0"));

        (await app.SendAsync(HttpMethod.Delete, "/orders/not-a-number", null)).StatusCode.ShouldBe((HttpStatusCode)426);
        Member(await ProblemAsync(await app.SendAsync(HttpMethod.Get, "/reports/2026/01", null)), "removedIn").ShouldBe("1.3.0");
        (await app.SendAsync(HttpMethod.Get, "/orders/7", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await app.SendAsync(HttpMethod.Get, "/reports/2026", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await app.SendAsync(HttpMethod.Put, "/orders/7", null)).StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task an_operation_the_app_still_serves_is_served_even_if_the_policy_lists_it_as_removed()
    {
        await using var app = await ServiceApp.StartAsync(o => o.Policy.Remove("GET /orders/{id}", "1.4.0"));

        (await app.SendAsync(HttpMethod.Get, "/orders/7", "ios-app/4.2.1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task dotnet_handler_raises_upgrade_required_exception_with_the_problem_fields()
    {
        await using var app = await ServiceApp.StartAsync(o => o.Policy.Remove("DELETE /orders/{id}", "1.4.0").RequireMinimum("ios-app", "4.0.0"));
        using var client = new DotnetClient(app.Address, "ios-app", "4.2.1");

        var e = await Should.ThrowAsync<UpgradeRequiredException>(() => client.Http.DeleteAsync("/orders/7"));

        e.Operation.ShouldBe("DELETE /orders/{id}");
        e.RemovedIn.ShouldBe("1.4.0");
        e.MinimumVersion.ShouldBe("4.0.0");
        e.Client.ShouldBe("ios-app/4.2.1");
        e.Status.ShouldBe(426);
        e.StatusCode.ShouldBe((HttpStatusCode)426);
        e.Detail!.ShouldContain("removed");
        e.Message.ShouldContain(e.Detail!);
        JsonDocument.Parse(e.Problem).RootElement.GetProperty("type").GetString().ShouldBe(StepwiseProtocol.UpgradeRequiredType);
        (await client.Http.GetAsync("/orders/7")).StatusCode.ShouldBe(HttpStatusCode.OK); // what is not removed still works
    }

    [Theory]
    [InlineData("ios-app/3.9.9", true)]
    [InlineData("ios-app/4.0.0-beta.2", true)] // a pre-release ranks below its release
    [InlineData("ios-app/4.0.0", false)]
    [InlineData("ios-app/4.0.0+build.5", false)]
    [InlineData("ios-app/4.1", false)]
    [InlineData("ios-app/10.0.0", false)] // numeric, not text, order
    [InlineData("android-app/1.0.0", false)] // another app has no minimum
    [InlineData(null, false)] // unknown clients are never refused for their version
    public async Task client_below_the_minimum_version_gets_426_naming_the_minimum_and_others_pass(string? client, bool refused)
    {
        await using var app = await ServiceApp.StartAsync(o => o.Policy.RequireMinimum("ios-app", "4.0.0"));

        var response = await app.SendAsync(HttpMethod.Get, "/orders/7", client);

        if (!refused)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            return;
        }
        var problem = await ProblemAsync(response);
        Member(problem, "minimumVersion").ShouldBe("4.0.0");
        Member(problem, "operation").ShouldBe("GET /orders/{id}");
        Member(problem, "removedIn").ShouldBeNull();
        Member(problem, "client").ShouldBe(ClientIdentity.Parse(client).ToString());
        Member(problem, "detail")!.ShouldContain("below the minimum version 4.0.0");
    }

    [Fact]
    public async Task dotnet_client_below_the_minimum_version_gets_the_exception_naming_the_minimum()
    {
        await using var app = await ServiceApp.StartAsync(o => o.Policy.RequireMinimum("ios-app", "4.0.0"));
        using var old = new DotnetClient(app.Address, "ios-app", "3.2");
        using var current = new DotnetClient(app.Address, "ios-app", "4.0.1");

        var e = await Should.ThrowAsync<UpgradeRequiredException>(() => old.Http.GetAsync("/orders"));
        e.MinimumVersion.ShouldBe("4.0.0");
        e.Client.ShouldBe("ios-app/3.2.0");
        e.RemovedIn.ShouldBeNull();
        (await current.Http.GetAsync("/orders")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task a_426_that_is_not_the_upgrade_required_problem_reaches_the_caller_unchanged()
    {
        // A 426 with another problem type (a protocol upgrade, another library) is not turned into the typed exception.
        var handler = new StepwiseClientHandler(ClientIdentity.Create("ios-app", "4.2.1"), new FixedAnswer(
            (HttpStatusCode)426, "application/problem+json", "{\"type\":\"https://example.com/other\",\"status\":426}"));
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:9/") };

        var response = await http.GetAsync("/anything");

        response.StatusCode.ShouldBe((HttpStatusCode)426);
        (await response.Content.ReadAsStringAsync()).ShouldContain("https://example.com/other");
    }

    [Fact]
    public async Task a_problem_body_over_64_kib_is_not_read_and_reaches_the_caller()
    {
        var body = "{\"type\":\"https://stepwise.dev/problems/upgrade-required\",\"detail\":\"" + new string('x', 70_000) + "\"}";
        var handler = new StepwiseClientHandler(ClientIdentity.Create("ios-app", "4.2.1"), new FixedAnswer((HttpStatusCode)426, "application/problem+json", body));
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:9/") };

        var response = await http.GetAsync("/anything");

        response.StatusCode.ShouldBe((HttpStatusCode)426);
        (await response.Content.ReadAsStringAsync()).Length.ShouldBe(body.Length);
    }

    private sealed class FixedAnswer(HttpStatusCode status, string mediaType, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, null, mediaType), RequestMessage = request });
    }
}
