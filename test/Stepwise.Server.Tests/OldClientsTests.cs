using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stepwise.Api;
using Stepwise.Clients;
using Stepwise.Core.Model;

namespace Stepwise.Server.Tests;

/// <summary>G8 through the real server over HTTP: the removal gate, the minimum-version policy end to end with the middleware and the .NET handler.</summary>
public sealed class OldClientsTests
{
    private static ReleaseRegistration Release(string version, params string[] provides) =>
        new(version, new Artifact("app", ["--version", "{version}"]), Provides: provides);

    [Fact]
    public async Task removing_an_operation_clients_still_call_is_refused_with_the_callers_and_passes_once_the_window_holds_no_calls()
    {
        var time = new ShiftedTime();
        var (server, agent) = await ClientTelemetryTests.StartAsync(time);
        await using var _ = server;
        (await agent.PostAsJsonAsync(Routes.ClientTelemetry, ClientTelemetryTests.Body("orders",
            ("old-client", "1.2.0", "DELETE /orders/{id}", 40), ("old-client", "1.0.0", "DELETE /orders/{id}", 2), ("ios-app", "4.2.1", "GET /orders", 9)))).EnsureSuccessStatusCode();

        using var refused = await server.RegisterAsync("orders", Release("1.2.0", "GET /orders", "GET /orders/{id}"));

        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await TestServer.ProblemAsync(refused);
        problem.GetProperty("type").GetString().ShouldBe(ProblemTypes.Refused);
        var refusal = problem.GetProperty("refusals").EnumerateArray().Single(r => r.GetProperty("guarantee").GetString() == "G8");
        refusal.GetProperty("subject").GetString().ShouldBe("release orders@1.2.0");
        refusal.GetProperty("message").GetString()!.ShouldContain("old-client 1.x (42 calls: 1.2.0 40, 1.0.0 2)");
        refusal.GetProperty("blockers").EnumerateArray().Select(b => b.GetProperty("id").GetString()).ShouldBe(["old-client 1.2.0", "old-client 1.0.0"]);
        refusal.GetProperty("unblock").GetString()!.ShouldContain("guarantee G8");
        (await server.GetAsync<List<ReleaseView>>(Routes.Releases.Replace("{service}", "orders", StringComparison.Ordinal))).Count.ShouldBe(2);

        time.Advance(TimeSpan.FromDays(31));

        using var accepted = await server.RegisterAsync("orders", Release("1.2.0", "GET /orders", "GET /orders/{id}"));
        accepted.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task the_minimum_version_is_pushed_to_the_middleware_and_raising_it_above_live_clients_needs_an_override()
    {
        var (server, agent) = await ClientTelemetryTests.StartAsync();
        await using var _ = server;
        var token = agent.DefaultRequestHeaders.Authorization!.Parameter!;
        await using var app = await StartAppAsync(server.BaseAddress, token);
        var telemetry = app.Services.GetRequiredService<StepwiseClientsTelemetry>();
        (await telemetry.RefreshPolicyAsync()).ShouldBeTrue();

        // ios-app's minimum (4.0.0) comes from stepwise.yaml through the server.
        using (var old = await SendAsync(app, HttpMethod.Get, "/orders", "ios-app/3.9.0"))
        {
            old.StatusCode.ShouldBe((HttpStatusCode)426);
            old.Content.Headers.ContentType!.MediaType.ShouldBe(StepwiseProtocol.ProblemMediaType);
            var body = JsonDocument.Parse(await old.Content.ReadAsStringAsync()).RootElement;
            body.GetProperty("type").GetString().ShouldBe(StepwiseProtocol.UpgradeRequiredType);
            body.GetProperty("minimumVersion").GetString().ShouldBe("4.0.0");
        }
        using var dotnet = new HttpClient(new StepwiseClientHandler(ClientIdentity.Create("ios-app", "3.9.0"), new HttpClientHandler())) { BaseAddress = app.Address };
        var thrown = await Should.ThrowAsync<UpgradeRequiredException>(() => dotnet.GetStringAsync("/orders"));
        thrown.MinimumVersion.ShouldBe("4.0.0");
        thrown.Client.ShouldBe("ios-app/3.9.0");
        // A call to an operation 1.1.0 removed (no endpoint any more) gets the typed answer naming the release.
        using (var removed = await SendAsync(app, HttpMethod.Post, "/orders/7/cancel", "ios-app/4.2.1"))
        {
            removed.StatusCode.ShouldBe((HttpStatusCode)426);
            JsonDocument.Parse(await removed.Content.ReadAsStringAsync()).RootElement.GetProperty("removedIn").GetString().ShouldBe("1.1.0");
        }
        (await SendAsync(app, HttpMethod.Get, "/orders", "ios-app/4.2.1")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // old-client 1.2.0 calls; its calls reach the server through the middleware.
        for (var i = 0; i < 5; i++)
        {
            (await SendAsync(app, HttpMethod.Get, "/orders", "old-client/1.2.0")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        await telemetry.FlushAsync();
        (await server.GetAsync<List<ClientView>>(Routes.Clients + "?service=orders")).ShouldContain(c => c.App == "old-client" && c.Version == "1.2.0" && c.Calls == 5);

        var raised = ClientTelemetryTests.Yaml.Replace("{ ios-app: 4.0.0 }", "{ ios-app: 4.0.0, old-client: 2.0.0 }", StringComparison.Ordinal);
        using (var refused = await server.Admin.PutAsync(Routes.Config, new StringContent(raised, Encoding.UTF8, "application/yaml")))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var refusal = (await TestServer.ProblemAsync(refused)).GetProperty("refusals")[0];
            refusal.GetProperty("guarantee").GetString().ShouldBe("G8");
            refusal.GetProperty("subject").GetString().ShouldBe("minimum-version old-client 2.0.0");
            refusal.GetProperty("message").GetString()!.ShouldContain("old-client 1.x (5 calls");
        }
        (await server.Admin.PostAsJsonAsync(Routes.Overrides, new OverrideBody(GuaranteeId.G8, "minimum-version old-client 2.0.0", "old-client 1.x leaks tokens"), SnapshotJson.Options))
            .EnsureSuccessStatusCode();
        (await server.Admin.PutAsync(Routes.Config, new StringContent(raised, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        var events = await server.Host.Runtime.Store.EventsAsync(0, 1000, CancellationToken.None);
        events.ShouldContain(e => e.Kind == "client-minimum-version" && e.Message.Contains("old-client none -> 2.0.0", StringComparison.Ordinal));
        events.ShouldContain(e => e.Message.Contains("old-client 1.x leaks tokens", StringComparison.Ordinal));

        (await telemetry.RefreshPolicyAsync()).ShouldBeTrue();
        using var cutOff = await SendAsync(app, HttpMethod.Get, "/orders", "old-client/1.2.0");
        cutOff.StatusCode.ShouldBe((HttpStatusCode)426);
        JsonDocument.Parse(await cutOff.Content.ReadAsStringAsync()).RootElement.GetProperty("minimumVersion").GetString().ShouldBe("2.0.0");
    }

    private static async Task<HttpResponseMessage> SendAsync(TestApp app, HttpMethod method, string path, string client)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation(StepwiseProtocol.ClientHeader, client);
        var response = await app.Http.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task<TestApp> StartAppAsync(Uri server, string token)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddStepwiseClients(options =>
        {
            options.ReadEnvironment = false;
            options.Service = "orders";
            options.Release = "1.1.0";
            options.Instance = "n1";
            options.Server = server;
            options.Token = token;
            options.FlushInterval = TimeSpan.FromHours(1); // the test flushes
        });
        var app = builder.Build();
        app.UseStepwiseClients();
        app.MapGet("/orders", () => Results.Ok(Array.Empty<int>()));
        app.MapGet("/orders/{id:long}", (long id) => Results.Ok(new { id }));
        await app.StartAsync();
        return new TestApp(app);
    }

    private sealed class TestApp(WebApplication app) : IAsyncDisposable
    {
        public Uri Address { get; } = new(app.Urls.First());

        public IServiceProvider Services => app.Services;

        public HttpClient Http { get; } = new() { BaseAddress = new Uri(app.Urls.First()) };

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
