using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Stepwise.Api;
using Stepwise.Core.Model;
using Stepwise.Server;
using Stepwise.Server.Reconciling;

namespace Stepwise.Server.Tests;

/// <summary>A real server on 127.0.0.1 (port 0) with a SQLite file in a temporary directory, and clients for it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public const string AdminSecret = "sw_test-admin-secret-0123456789abcdef";

    public const string ThreeStepYaml = """
        version: 1
        policy:
          canary: { nodes: 1 }
          bake: 1s
          rehearsalBake: 1s
          waveBake: 1s
          waves: [50, 100]
          dataBake: 1s
          heartbeatTimeout: 30s
          analysis:
            interval: 1s
            timeout: 60s
            metrics: []
        stores:
          - { id: app-db, kind: sqlite }
        services:
          - name: orders
            releases:
              - version: 1.0.0
        dataChanges:
          - id: add-note
            store: app-db
            expand: { up: "ALTER TABLE orders ADD COLUMN note TEXT", down: "ALTER TABLE orders DROP COLUMN note" }
            backfill: none
        """;

    private TestServer(ServerHost host, string directory, string store)
    {
        Host = host;
        Directory = directory;
        Store = store;
        BaseAddress = new Uri(host.Urls[0].Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        Admin = Client(AdminSecret);
    }

    public ServerHost Host { get; }

    public string Directory { get; }

    public string Store { get; }

    public Uri BaseAddress { get; }

    public HttpClient Admin { get; }

    /// <summary>Whether the reconciler runs its own loop (otherwise the test ticks it).</summary>
    public bool Loop => Host.Runtime.Options.RunReconcilerLoop;

    public static string NewDirectory() => System.IO.Directory.CreateTempSubdirectory("stepwise-server-test-").FullName;

    /// <summary>Starts a server. <paramref name="store"/> defaults to a new SQLite file; pass another's to restart on its state.</summary>
    public static async Task<TestServer> StartAsync(string yaml = ThreeStepYaml, string? store = null, string? directory = null, bool loop = true,
        IDataPhaseRunner? runner = null, Func<ServerOptions, ServerOptions>? tweak = null)
    {
        directory ??= NewDirectory();
        store ??= "sqlite:" + Path.Combine(directory, "stepwise.db");
        var configFile = Path.Combine(directory, "stepwise.yaml");
        await File.WriteAllTextAsync(configFile, yaml);
        var options = new ServerOptions
        {
            Store = store,
            Urls = "http://127.0.0.1:0",
            ConfigFile = configFile,
            AdminToken = AdminSecret,
            Tick = TimeSpan.FromMilliseconds(100),
            RunReconcilerLoop = loop,
            RequestWait = TimeSpan.FromSeconds(loop ? 20 : 1),
        };
        options = tweak?.Invoke(options) ?? options;
        var host = await ServerHost.BuildAsync(options, dataRunner: runner);
        await host.StartAsync();
        return new TestServer(host, directory, store);
    }

    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async Task<string> TokenAsync(TokenKind kind, string name, string? node = null, string? service = null)
    {
        using var response = await Admin.PostAsJsonAsync(Routes.Tokens, new TokenBody(kind, name, node, service), SnapshotJson.Options);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<TokenCreated>(SnapshotJson.Options))!.Token;
    }

    public async Task<HttpResponseMessage> HeartbeatAsync(string agentToken, string node, string? release, NodeHealth health = NodeHealth.Healthy, string service = "orders")
    {
        using var client = Client(agentToken);
        return await client.PostAsJsonAsync(Routes.Heartbeat, new Heartbeat(node, service, release, health, true, 10, 0, [1.0, 2.0]), SnapshotJson.Options);
    }

    public async Task<HeartbeatReply> BeatAsync(string agentToken, string node, string? release, NodeHealth health = NodeHealth.Healthy)
    {
        using var response = await HeartbeatAsync(agentToken, node, release, health);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<HeartbeatReply>(SnapshotJson.Options))!;
    }

    public async Task<T> GetAsync<T>(string path) => (await Admin.GetFromJsonAsync<T>(path, SnapshotJson.Options))!;

    public Task<HttpResponseMessage> RegisterAsync(string version, string service = "orders") =>
        RegisterAsync(service, new ReleaseRegistration(version, new Artifact("app", ["--version", "{version}"])));

    /// <summary>Registers a release; without the reconciler loop, ticks until the registration request is decided.</summary>
    public Task<HttpResponseMessage> RegisterAsync(string service, ReleaseRegistration registration) =>
        WhileTickingAsync(() => Admin.PostAsJsonAsync(Routes.Releases.Replace("{service}", service, StringComparison.Ordinal), registration, SnapshotJson.Options));

    /// <summary>Sends an operator call; when the test drives the reconciler itself, ticks until the call has its answer.</summary>
    public async Task<T> WhileTickingAsync<T>(Func<Task<T>> call)
    {
        var pending = call();
        while (!Loop && !pending.IsCompleted)
        {
            await Host.Reconciler.TickAsync(CancellationToken.None);
            await Task.WhenAny(pending, Task.Delay(20));
        }
        return await pending;
    }

    public async Task<int> EventCountAsync() => (await Host.Runtime.Store.EventsAsync(0, 100_000, CancellationToken.None)).Count;

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    /// <summary>Waits for a condition the server reaches by itself; fails with what it last saw.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T last;
        do
        {
            last = await probe();
            if (done(last))
            {
                return last;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        throw new ShouldAssertException($"{what} did not happen; last seen: {JsonSerializer.Serialize(last, SnapshotJson.Indented)}");
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
    }
}
